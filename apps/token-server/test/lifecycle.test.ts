import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { Environment } from '../src/env-config.js';
import { createPgliteDatabase } from '../src/storage/pglite-database.js';
import {
  type CliBackend,
  killChild,
  pgliteBackend,
  postgresBackend,
  runCli,
  type ServeChild,
  spawnServe,
} from './support/cli-support.js';
import { basic } from './support/test-app.js';

// Real processes on PGlite on disk: a start costs seconds on this shared machine.
const SLOW = 180_000;

/**
 * A request whose body arrives in two parts: the server has routed it (headers complete) but
 * cannot answer before `finish()` sends the rest — an in-flight request we control.
 */
function startSlowRequest(
  url: string,
  authorization: string,
): { finish(): void; response: Promise<string>; socket: Socket } {
  const { hostname, port } = new URL(url);
  const body = 'grant_type=client_credentials&scope=admin';
  const socket = connect(Number(port), hostname);
  socket.write(
    `POST /auth/v1/token HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Authorization: ${authorization}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 12)}`,
  );
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  // Resolves when the server closes the connection: kept alive, it must still be closed by the drain.
  const response = new Promise<string>((resolve, reject) => {
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  return { finish: () => socket.write(body.slice(12)), response, socket };
}

/** Resolves once a new TCP connection to `url` is refused (the listener is closed). */
async function waitUntilRefused(url: string, withinMs: number): Promise<void> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.on('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} still accepts connections after ${withinMs} ms`);
}

async function waitFor(check: () => boolean, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('serve as a process: the embedded directory lock, SIGTERM drain, forced exits', () => {
  let backend: CliBackend;
  let secret: string;
  /** The data directory after the first server stopped cleanly: copied for the later starts. */
  let template: string;
  const children: ServeChild[] = [];
  const copies: string[] = [];

  beforeAll(async () => {
    backend = pgliteBackend();
    const added = await runCli(
      [
        'client',
        'add',
        '--id',
        'svc',
        '--type',
        'confidential',
        '--grant',
        'client_credentials',
        '--scope',
        'admin',
      ],
      backend.env,
    );
    expect(added.code, added.stderr).toBe(0);
    secret = /client_secret: (\S+)/.exec(added.stdout)![1]!;
  }, SLOW);
  afterEach(async () => {
    for (const child of children.splice(0)) await killChild(child);
  });
  afterAll(async () => {
    for (const copy of copies) rmSync(copy, { recursive: true, force: true });
    await backend?.cleanup();
  });

  /** A copy of the migrated data directory (and its secret), so each start skips initdb. */
  function copyOfTemplate(): Environment {
    const root = mkdtempSync(join(tmpdir(), 'lp-life-'));
    copies.push(root);
    cpSync(join(template, '..'), root, { recursive: true });
    return { LINGPAI_DATA_DIR: join(root, 'data') };
  }

  it(
    'a CLI command against a directory a running server holds refuses and names the holder; SIGTERM drains an in-flight request to 200, flushes the audit row and exits 0',
    async () => {
      const serve = spawnServe(backend.env);
      children.push(serve);
      const url = await serve.listening;

      const health = await fetch(`${url}/readyz`);
      expect(health.status).toBe(200);

      // The lock: a second process on the same embedded directory would run a second Postgres on the same files.
      const refused = await runCli(
        ['client', 'add', '--id', 'late', '--type', 'public', '--grant', 'password'],
        backend.env,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `lingpai-token-server: error: the embedded database at ${backend.dataDir} is in use by process ${serve.child.pid} (lingpai-token-server serve); stop that server first, or point DATABASE_URL at a PostgreSQL server to run several processes\n`,
      );

      const slow = startSlowRequest(url, basic('svc', secret));
      // Let the server read the headers and route the request before the signal.
      await new Promise((resolve) => setTimeout(resolve, 300));
      serve.child.kill('SIGTERM');
      await waitFor(
        () => serve.stderr().includes('SIGTERM: no longer accepting'),
        10_000,
        'the drain to start',
      );
      await waitUntilRefused(url, 5_000);
      expect(serve.child.exitCode).toBeNull(); // still draining the slow request
      slow.finish();
      const response = await slow.response;
      expect(response).toMatch(/^HTTP\/1\.1 200 /);
      expect(response).toContain('"access_token"');

      expect(await serve.exited).toEqual({ code: 0, signal: null });
      expect(serve.stderr()).toContain('lingpai-token-server: stopped');
      expect(existsSync(join(backend.dataDir!, 'lingpai.lock'))).toBe(false);

      // The audit row of the drained issuance was flushed before the database closed.
      const db = await createPgliteDatabase({ dataDir: backend.dataDir!, holder: 'test' });
      try {
        const rows = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM audit_events WHERE client_id = 'svc'",
        );
        expect(rows[0]!.n).toBe(1);
      } finally {
        await db.close();
      }
      template = backend.dataDir!;
    },
    SLOW,
  );

  it(
    'a SIGTERM during a slow start (initdb, migrations) stops the server once it is up: exit 0, lock released',
    async () => {
      const fresh = pgliteBackend();
      try {
        const serve = spawnServe(fresh.env);
        children.push(serve);
        // Printed just before the database is opened, after the early handler is installed.
        await waitFor(() => serve.stderr().includes('generated one into'), 60_000, 'the start to begin');
        serve.child.kill('SIGTERM');
        expect(await serve.exited).toEqual({ code: 0, signal: null });
        expect(serve.stderr()).toContain('stop requested: no longer accepting connections');
        expect(existsSync(join(fresh.dataDir!, 'lingpai.lock'))).toBe(false);
      } finally {
        await fresh.cleanup();
      }
    },
    SLOW,
  );

  it(
    'a second SIGINT while draining forces the exit at once (code 1)',
    async () => {
      const serve = spawnServe(copyOfTemplate());
      children.push(serve);
      const url = await serve.listening;
      const slow = startSlowRequest(url, basic('svc', secret));
      await new Promise((resolve) => setTimeout(resolve, 300));
      serve.child.kill('SIGINT');
      await waitFor(
        () => serve.stderr().includes('SIGINT: no longer accepting'),
        10_000,
        'the drain to start',
      );
      serve.child.kill('SIGINT');
      const started = Date.now();
      expect(await serve.exited).toEqual({ code: 1, signal: null });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(serve.stderr()).toContain('forced exit: SIGINT received again while draining');
      slow.socket.destroy();
    },
    SLOW,
  );

  it(
    'a request that never finishes cannot hold the process: the drain bound (LINGPAI_SHUTDOWN_TIMEOUT) forces the exit',
    async () => {
      const serve = spawnServe({ ...copyOfTemplate(), LINGPAI_SHUTDOWN_TIMEOUT: '1' });
      children.push(serve);
      const url = await serve.listening;
      const slow = startSlowRequest(url, basic('svc', secret));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toEqual({ code: 1, signal: null });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(serve.stderr()).toContain('forced exit: requests still running after 1 s');
      slow.socket.destroy();
    },
    SLOW,
  );

  it(
    'serve refuses a schema newer than its code (a newer release migrated the database)',
    async () => {
      const env = copyOfTemplate();
      const db = await createPgliteDatabase({ dataDir: env.LINGPAI_DATA_DIR!, holder: 'test' });
      await db.query(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ('29991231000000', 'future', now())",
      );
      await db.close();
      const served = await runCli(['serve'], { ...env, PORT: '0', LINGPAI_LOG_LEVEL: 'silent' });
      expect(served.code).toBe(1);
      expect(served.stderr).toMatch(
        /error: the database schema is newer than this server \(unknown migrations 29991231000000\)/,
      );
      const migrated = await runCli(['migrate'], env);
      expect(migrated.code).toBe(1);
      expect(migrated.stderr).toMatch(/newer than this server/);
    },
    SLOW,
  );
});

function backendsForCli(): Array<[string, () => Promise<CliBackend>]> {
  const list: Array<[string, () => Promise<CliBackend>]> = [['pglite', async () => pgliteBackend()]];
  const url = process.env.DATABASE_URL;
  if (url) list.push(['postgres', () => postgresBackend(url)]);
  return list;
}

describe.each(backendsForCli())('serve in process on %s', (_name, open) => {
  let backend: CliBackend;
  beforeAll(async () => {
    backend = await open();
  }, SLOW);
  afterAll(async () => backend?.cleanup());

  it(
    '--no-migrate refuses pending migrations instead of applying them, and names the command that does',
    async () => {
      const served = await runCli(['serve', '--no-migrate'], {
        ...backend.env,
        PORT: '0',
        LINGPAI_LOG_LEVEL: 'silent',
      });
      expect(served.code).toBe(1);
      expect(served.stderr).toMatch(
        /error: the database needs migrations 20261201000000.*run `lingpai-token-server migrate`/,
      );
      const status = await runCli(['migrate', '--status'], backend.env);
      expect(status.stdout).not.toMatch(/^applied/m);
      expect(status.stdout).toMatch(/^pending {2}20261201000000_initial$/m);
    },
    SLOW,
  );

  /** `serve` in this process until `work` is done; returns its exit code and output. */
  async function serveInProcess(
    env: Environment,
    work: (url: string) => Promise<void>,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const stop = new AbortController();
    let stdout = '';
    let stderr = '';
    const running = main(['serve'], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: { PORT: '0', LINGPAI_LOG_LEVEL: 'warn', ...env },
      processSignals: false,
      signal: stop.signal,
    });
    try {
      await waitFor(() => /listening on http/.test(stderr) || stderr.includes('error:'), 60_000, 'serve');
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      expect(url, stderr).toBeDefined();
      await work(url!);
    } finally {
      stop.abort();
    }
    return { code: await running, stdout, stderr };
  }

  it(
    'serve applies pending migrations, seeds LINGPAI_CONFIG clients and users, answers, and stops cleanly; a restart with the same file changes nothing',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lp-seed-'));
      const path = join(dir, 'lingpai.json');
      writeFileSync(
        path,
        JSON.stringify({
          argon2: { memoryCost: 1024, timeCost: 1 },
          lifetimes: { accessToken: 600 },
          clients: [
            {
              id: 'app',
              kind: 'public',
              grantTypes: ['password', 'refresh_token'],
              scopes: ['user'],
              defaultScopes: ['user'],
            },
            {
              id: 'job',
              kind: 'confidential',
              grantTypes: ['client_credentials'],
              scopes: ['reports'],
              secretEnv: 'JOB_SECRET',
            },
          ],
          users: [{ username: 'seeded', passwordEnv: 'SEED_PASSWORD' }],
        }),
      );
      const env = {
        ...backend.env,
        LINGPAI_CONFIG: path,
        SEED_PASSWORD: 'Seeded-Pass-1',
        JOB_SECRET: 'job-secret-from-the-environment',
      };
      const passwordGrant = (url: string) =>
        fetch(`${url}/auth/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            client_id: 'app',
            grant_type: 'password',
            username: 'seeded',
            password: 'Seeded-Pass-1',
          }),
        });
      try {
        const first = await serveInProcess(env, async (url) => {
          const token = await passwordGrant(url);
          expect(token.status).toBe(200);
          expect(await token.json()).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
          const job = await fetch(`${url}/auth/v1/token`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: basic('job', 'job-secret-from-the-environment'),
            },
            body: 'grant_type=client_credentials',
          });
          expect(job.status, await job.clone().text()).toBe(200);
          expect(await job.json()).toMatchObject({ scope: 'reports', sub: 'service:job' });
        });
        expect(first.code, first.stderr).toBe(0);
        expect(first.stderr).toContain('stop requested: no longer accepting connections');
        expect(first.stdout + first.stderr).not.toContain('Seeded-Pass-1');
        expect(first.stdout + first.stderr).not.toContain('job-secret-from-the-environment');

        const second = await serveInProcess(env, async (url) => {
          expect((await passwordGrant(url)).status).toBe(200);
        });
        expect(second.code, second.stderr).toBe(0);
        const clients = JSON.parse(
          (await runCli(['client', 'list', '--json'], backend.env)).stdout,
        ) as Array<{
          id: string;
        }>;
        expect(clients.map((client) => client.id).filter((id) => id === 'app' || id === 'job')).toEqual([
          'app',
          'job',
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});
