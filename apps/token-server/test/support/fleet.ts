import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@lingpai/auth-core';
import { ClientRegistry } from '../../src/clients/client-registry.js';
import { systemRandom } from '../../src/crypto/opaque-token.js';
import type { Database } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrations.js';
import { createPostgresDatabase } from '../../src/storage/postgres-database.js';
import { createArgon2Hasher } from '../../src/users/password-hasher.js';
import { UserRepository } from '../../src/users/user-repository.js';
import { createTestSchema, TEST_ARGON2 } from './test-app.js';

/**
 * Several real token-server processes on one PostgreSQL schema (and optionally one Redis), for the
 * tests that prove the fleet behaves as one server. Every process spawned here is tracked and killed
 * by `killAllInstances` (call it in `afterAll`) and, as a last resort, when the test worker exits.
 */

const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_ENTRY = fileURLToPath(new URL('./fleet-server.ts', import.meta.url));
// @lingpai/* from source in the children too (see the file), as vitest's alias does for the tests.
const CHILD_TSCONFIG = fileURLToPath(new URL('./fleet-tsconfig.json', import.meta.url));

export const FLEET_ISSUER = 'http://127.0.0.1:8080';
export const FLEET_ENV_ID = 'fleet-env';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A random at-rest secret: limit keys are HMACs under it, so two suites never share a counter. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

export interface InstanceEnv {
  databaseUrl: string;
  schema: string;
  secret: string;
  redisUrl?: string;
  poolSize?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  lifetimes?: Record<string, number>;
  limits?: Record<string, number>;
  resyncSeconds?: number;
}

export interface Instance {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** SIGKILL, no drain: what `kill -9` does. Resolves when the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (drain), then SIGKILL if it does not exit within 5 s. */
  stop(): Promise<void>;
}

function envOf(config: InstanceEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    TSX_TSCONFIG_PATH: CHILD_TSCONFIG,
    DATABASE_URL: config.databaseUrl,
    DATABASE_SCHEMA: config.schema,
    LINGPAI_SECRET: config.secret,
    LINGPAI_ISSUER: FLEET_ISSUER,
    LINGPAI_ENV_ID: FLEET_ENV_ID,
  };
  if (config.redisUrl) env.REDIS_URL = config.redisUrl;
  if (config.poolSize !== undefined) env.FLEET_POOL_SIZE = String(config.poolSize);
  if (config.connectTimeoutMs !== undefined) env.FLEET_CONNECT_TIMEOUT_MS = String(config.connectTimeoutMs);
  if (config.statementTimeoutMs !== undefined)
    env.FLEET_STATEMENT_TIMEOUT_MS = String(config.statementTimeoutMs);
  if (config.lifetimes) env.FLEET_LIFETIMES = JSON.stringify(config.lifetimes);
  if (config.limits) env.FLEET_LIMITS = JSON.stringify(config.limits);
  if (config.resyncSeconds !== undefined) env.FLEET_RESYNC_SECONDS = String(config.resyncSeconds);
  return env;
}

/** Spawns one instance and waits (at most 30 s) until it prints its port. */
export function startInstance(name: string, config: InstanceEnv): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
    cwd: APP_ROOT,
    env: envOf(config),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  return new Promise<Instance>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`instance ${name} did not start within 30 s:\n${stderr}`));
    }, 30_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /LISTENING (\d+)/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      const signalAndWait = async (signal: NodeJS.Signals) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      };
      resolve({
        name,
        url: `http://127.0.0.1:${match[1]}`,
        pid: child.pid ?? -1,
        exited,
        kill9: () => signalAndWait('SIGKILL'),
        async stop() {
          const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await signalAndWait('SIGTERM');
          clearTimeout(force);
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${name} exited with ${String(code)} before listening:\n${stderr}`));
    });
  });
}

/** Kills every instance this worker spawned that is still running. For `afterAll`. */
export async function killAllInstances(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

/** The schema a fleet shares, migrated, with the tools to seed it from the test process. */
export interface FleetDatabase {
  url: string;
  schema: string;
  db: Database;
  clients: ClientRegistry;
  users: UserRepository;
  addUser(username: string, password: string): Promise<string>;
  /** Closes the seeding connection and drops the schema. */
  drop(): Promise<void>;
}

export async function createFleetDatabase(url: string): Promise<FleetDatabase> {
  const { schema, drop } = await createTestSchema(url);
  const db = createPostgresDatabase({ url, schema, poolSize: 4 });
  await migrate(db, new Date());
  const clients = new ClientRegistry(db, systemClock, systemRandom);
  const users = new UserRepository(db, systemClock, systemRandom, createArgon2Hasher(TEST_ARGON2));
  return {
    url,
    schema,
    db,
    clients,
    users,
    async addUser(username, password) {
      return (await users.create({ username, password })).sub;
    },
    async drop() {
      await db.close().catch(() => undefined);
      await drop();
    },
  };
}

/**
 * `count` instances on one schema. The first starts alone (it creates the first signing key, as the
 * first `serve` does); the others then start together.
 */
export async function startFleet(count: number, config: InstanceEnv): Promise<Instance[]> {
  const first = await startInstance('A', config);
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, (_, index) => startInstance(String.fromCharCode(66 + index), config)),
  );
  return [first, ...rest];
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers: every call bounded in time, 127.0.0.1 only.

/** The JSON fields the tests read; anything else stays `unknown`. */
export interface AnswerBody {
  access_token?: string;
  refresh_token?: string;
  error?: string;
  error_code?: number;
  sub?: string;
  active?: boolean;
  keys?: Array<{ kid: string }>;
  [field: string]: unknown;
}

export interface HttpAnswer {
  status: number;
  body: AnswerBody;
  headers: Headers;
  ms: number;
}

export async function request(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  let body: AnswerBody;
  try {
    body = JSON.parse(text) as AnswerBody;
  } catch {
    body = { text }; // not JSON: keep the text so the assertion shows it
  }
  return { status: response.status, body, headers: response.headers, ms: performance.now() - started };
}

export function passwordGrant(
  base: string,
  input: { username: string; password: string; clientId?: string; deviceId?: string },
): Promise<HttpAnswer> {
  return request(base, '/auth/v1/token', {
    body: {
      grant_type: 'password',
      client_id: input.clientId ?? FLEET_ENV_ID,
      username: input.username,
      password: input.password,
    },
    headers: input.deviceId ? { 'x-device-id': input.deviceId } : {},
  });
}

export function refreshGrant(
  base: string,
  input: { refreshToken: string; clientId?: string; deviceId?: string; timeoutMs?: number },
): Promise<HttpAnswer> {
  return request(base, '/auth/v1/token', {
    body: {
      grant_type: 'refresh_token',
      client_id: input.clientId ?? FLEET_ENV_ID,
      refresh_token: input.refreshToken,
    },
    headers: input.deviceId ? { 'x-device-id': input.deviceId } : {},
    ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
  });
}

/** The `kid` of a JWT's header. */
export function kidOf(jwt: string): string {
  const header = JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
    kid?: string;
  };
  return header.kid ?? '';
}

/**
 * Does this instance accept the access token? CloudBase's `GET /auth/v1/token/introspect` when the
 * server has it (claims when valid, `{}` or 401 otherwise), else the fleet server's own Bearer route.
 */
export async function accepts(base: string, accessToken: string): Promise<boolean> {
  const headers = { authorization: `Bearer ${accessToken}` };
  const introspect = await request(base, '/auth/v1/token/introspect', { headers });
  if (introspect.status !== 404) {
    return introspect.status === 200 && typeof introspect.body?.sub === 'string';
  }
  const own = await request(base, '/__fleet/verify', { headers });
  if (own.status !== 200 && own.status !== 401) throw new Error(`verify answered ${own.status}`);
  return own.status === 200 && own.body.active === true;
}

/** Polls `check` every 50 ms until it is true or `timeoutMs` passes; returns the time it took or -1. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (await check()) ? performance.now() - started : -1;
}
