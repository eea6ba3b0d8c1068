import { type AddressInfo, createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test-support/services.js';
import { loadMigrations } from '../src/storage/migrations.js';
import {
  type CliBackend,
  killChild,
  postgresBackend,
  runCli,
  type ServeChild,
  spawnServe,
} from './support/cli-support.js';

const SLOW = 120_000;

describeWithPostgres('serve and the CLI on PostgreSQL', (url) => {
  let backend: CliBackend;
  const children: ServeChild[] = [];
  beforeAll(async () => {
    backend = await postgresBackend(url);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await killChild(child);
  });
  afterAll(async () => backend?.cleanup());

  it('two migrate runs racing on one database apply each migration exactly once (advisory lock)', async () => {
    const [first, second] = await Promise.all([
      runCli(['migrate'], backend.env),
      runCli(['migrate'], backend.env),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const applied = `${first.stdout}${second.stdout}`.match(/^applied \S+$/gm) ?? [];
    expect(applied.sort()).toEqual(
      loadMigrations()
        .map((migration) => `applied ${migration.version}_${migration.name}`)
        .sort(),
    );
  });

  it('without LINGPAI_SECRET, serve and keys refuse and say how to generate one; nothing was generated', async () => {
    const { LINGPAI_SECRET: _secret, ...env } = backend.env;
    for (const argv of [['serve'], ['keys', 'list']]) {
      const result = await runCli(argv, { ...env, PORT: '0' });
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.stderr).toBe(
        'lingpai-token-server: error: LINGPAI_SECRET is required with DATABASE_URL (every instance must share it): generate one with `openssl rand -base64 32` and set it in the environment\n',
      );
    }
  });

  it('a port already in use is one line naming PORT, exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await runCli(['serve'], {
        ...backend.env,
        PORT: String(port),
        LINGPAI_LOG_LEVEL: 'silent',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `lingpai-token-server: error: 127.0.0.1:${port} is already in use: stop what listens there, or set PORT\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it(
    'an admin command runs beside a serving process (no directory lock on PostgreSQL) and the server sees its client',
    async () => {
      const serve = spawnServe(backend.env);
      children.push(serve);
      const serverUrl = await serve.listening;
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
      const secret = /client_secret: (\S+)/.exec(added.stdout)![1]!;
      const token = await fetch(`${serverUrl}/auth/v1/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      expect(token.status, await token.clone().text()).toBe(200);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
    },
    SLOW,
  );
});
