import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import type { Environment } from '../../src/env-config.js';
import { createTestSchema } from './test-app.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with its own streams and environment (no `process.env` leaks in). */
export async function runCli(
  argv: string[],
  env: Environment,
  options: { stdin?: string; signal?: AbortSignal; cwd?: string } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env,
    cwd: options.cwd ?? PACKAGE_ROOT,
    processSignals: false,
    // A `serve` expected to refuse that starts after all still stops by itself (bounded tests).
    signal: options.signal ?? AbortSignal.timeout(60_000),
  });
  return { code, stdout, stderr };
}

export interface CliBackend {
  name: string;
  /** The environment pointing the CLI at this backend's fresh database. */
  env: Environment;
  /** The embedded data directory (PGlite only). */
  dataDir?: string;
  cleanup(): Promise<void>;
}

/** A fresh embedded data directory, removed afterwards. */
export function pgliteBackend(extra: Environment = {}): CliBackend {
  const root = mkdtempSync(join(tmpdir(), 'lp-cli-'));
  const dataDir = join(root, 'data');
  return {
    name: 'pglite',
    env: { LINGPAI_DATA_DIR: dataDir, ...extra },
    dataDir,
    async cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A schema of its own on the shared PostgreSQL (DATABASE_SCHEMA), dropped afterwards. */
export async function postgresBackend(url: string, extra: Environment = {}): Promise<CliBackend> {
  const { schema, drop } = await createTestSchema(url);
  return {
    name: 'postgres',
    env: {
      DATABASE_URL: url,
      DATABASE_SCHEMA: schema,
      LINGPAI_SECRET: 'cli-test-secret-cli-test-secret-0123456',
      ...extra,
    },
    cleanup: drop,
  };
}

/** A real `serve` process on source (`node --import tsx src/cli.ts serve`), its output collected. */
export interface ServeChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the URL once it says it listens; rejects if it exits first or takes too long. */
  listening: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnServe(env: Environment, args: string[] = [], timeoutMs = 60_000): ServeChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', ...args], {
    cwd: PACKAGE_ROOT,
    // Only what the test gives, plus PATH/HOME for node itself: the developer's LINGPAI_* stay out.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LINGPAI_LOG_LEVEL: 'warn', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not listen within ${timeoutMs} ms:\n${err}`));
    }, timeoutMs);
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stderr?.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${err}`));
    });
  });
  listening.catch(() => undefined);
  return { child, stdout: () => out, stderr: () => err, listening, exited };
}

/** Kills a child that is still running (test cleanup), and waits for it. */
export async function killChild(serve: ServeChild | undefined): Promise<void> {
  if (!serve || serve.child.exitCode !== null || serve.child.signalCode !== null) return;
  serve.child.kill('SIGKILL');
  await serve.exited;
}

export { createTestSchema };
