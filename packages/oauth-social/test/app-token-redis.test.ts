import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createSandbox, SANDBOX_OAUTH_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis } from '../../../test-support/services.js';

const app = SANDBOX_OAUTH_DEFAULTS.apps.wechat.mp;
const CHILD = fileURLToPath(new URL('./fixtures/app-token-child.ts', import.meta.url));
const PROCESSES = 4;

interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: Interface;
  next(): Promise<Record<string, unknown>>;
}

function startChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ...env },
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  lines.on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter === undefined) queue.push(line);
    else waiter(line);
  });
  return {
    process: child,
    lines,
    next: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child timed out; stderr: ${stderr}`)), 20_000);
        const take = (line: string) => {
          clearTimeout(timer);
          resolve(JSON.parse(line) as Record<string, unknown>);
        };
        const queued = queue.shift();
        if (queued === undefined) waiters.push(take);
        else take(queued);
      }),
  };
}

for (const mode of ['stable', 'classic'] as const) {
  describeWithRedis(`WeChat ${mode} app token: ${PROCESSES} processes, one Redis`, (redisUrl) => {
    let sandbox: Sandbox;
    let children: Child[] = [];
    const kind = mode === 'stable' ? 'cgi-bin/stable_token' : 'cgi-bin/token';

    beforeAll(async () => {
      sandbox = await createSandbox();
      const url = await sandbox.listen();
      const env = {
        REDIS_URL: redisUrl,
        SANDBOX_URL: `${url}/wechat`,
        APP_ID: app.appId,
        APP_SECRET: app.secret,
        MODE: mode,
        KEY_PREFIX: `lingpai:test:${randomUUID()}:`,
      };
      children = Array.from({ length: PROCESSES }, () => startChild(env));
      await Promise.all(children.map((child) => child.next()));
    }, 60_000);

    afterAll(async () => {
      for (const child of children) {
        child.process.stdin.write('exit\n');
      }
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => {
              if (child.process.exitCode !== null) return resolve(undefined);
              const timer = setTimeout(() => child.process.kill(), 5_000);
              child.process.once('exit', () => {
                clearTimeout(timer);
                resolve(undefined);
              });
            }),
        ),
      );
      await sandbox?.close();
    });

    const round = async () => {
      for (const child of children) child.process.stdin.write('call\n');
      return Promise.all(children.map((child) => child.next()));
    };

    it('all processes start at once and the platform sees exactly one token fetch', async () => {
      const results = await round();
      for (const result of results) expect(result.error).toBeUndefined();
      const tokens = new Set(results.flatMap((result) => result.tokens as string[]));
      expect(tokens.size).toBe(1);
      expect(sandbox.oauth.fetches('wechat', app.appId, kind)).toBe(1);
    });

    it('a token the platform revokes is replaced once, and no server ever kills another one`s token', async () => {
      const [first] = await round();
      const old = ((first?.tokens ?? []) as string[])[0] ?? '';
      expect(sandbox.oauth.invalidateToken(old)).toBe(true);
      const results = await round();
      for (const result of results) expect(result.error).toBeUndefined();
      const tokens = new Set(results.flatMap((result) => result.tokens as string[]));
      expect(tokens.size).toBe(1);
      expect(tokens.has(old)).toBe(false);
      // One fetch at start, one replacement: 16 concurrent failing calls did not cause 16 fetches, and
      // (classic mode) no fetch invalidated another server's fresh token, which would cascade.
      expect(sandbox.oauth.fetches('wechat', app.appId, kind)).toBe(2);
      const again = await round();
      expect(new Set(again.flatMap((result) => result.tokens as string[]))).toEqual(tokens);
      expect(sandbox.oauth.fetches('wechat', app.appId, kind)).toBe(2);
    });
  });
}
