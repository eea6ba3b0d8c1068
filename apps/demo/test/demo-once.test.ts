// `pnpm demo --once` as a newcomer runs it: a child process on the built packages (the root `demo`
// script builds them first; `pnpm test` builds everything before vitest). Every sign-in must pass,
// the output must say what happened, stderr must stay empty, and the process must end by itself.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const app = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, PORT: '', SANDBOX_PORT: '', NODE_OPTIONS: '' };

describe('pnpm demo --once', () => {
  it('signs in every way the login page does, then exits 0 with nothing on stderr', async () => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', '--once'], {
      cwd: app,
      env,
      timeout: 100_000,
    });
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    const line = (start: string) => lines.find((text) => text.trimStart().startsWith(start)) ?? '';
    expect(line('✓ password')).toMatch(
      /"demo" \/ "Lingpai-Demo-2026" → signed in as 演示用户 Demo \(sub \d+\)/,
    );
    expect(line('✓ SMS code')).toMatch(
      /sent to \+86 13800138000 via the sandbox's aliyun, code \d{6} read from its inbox → signed in as 演示用户 Demo/,
    );
    expect(line('✓ email code')).toMatch(
      /sent to demo@lingpai.test via SMTP to the demo's mail server, code \d{6} → signed in as 演示用户 Demo/,
    );
    expect(line('✓ WeChat')).toMatch(
      /"alice" allowed on the sandbox's WeChat QR page → provider token \(爱丽丝\) → user_not_found, so signed up with the same token → sub \d+/,
    );
    expect(stdout).toMatch(
      /✓ WeChat +the same person via the official account \(the in-WeChat flow\) → the same account/,
    );
    expect(line('✓ GitHub')).toMatch(
      /authorize \+ PKCE → \/login\?interaction=… → "bob" allowed on GitHub's page → code → tokens for Bob Li/,
    );
    expect(line('✓ user/me')).toContain('password set: yes');
    expect(line('✓ refresh')).toContain('refresh token rotated');
    expect(line('✓ sign-out')).toContain('invalid_token');
    expect(line('✓ login page')).toContain('shows the tokens: yes');
    expect(line('1. SMS failover')).toContain('so tencent sent it (aliyun:failed → tencent:accepted)');
    expect(line('6. TOTP')).toContain('the code accepted once, its replay rejected');
    expect(lines).toContain(
      'Everything worked. Run `pnpm demo` (without --once) to click through the login page yourself.',
    );
  }, 120_000);

  it('refuses a bad port with the fix, exit code 2', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', '--once'], {
      cwd: app,
      env: { ...env, PORT: 'http' },
      timeout: 30_000,
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'pnpm demo: PORT must be a port number from 0 to 65535, got "http" (e.g. PORT=8081 pnpm demo)\n',
    });
  }, 40_000);

  it('says which port is taken and how to move, exit code 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const failure = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', '--once'], {
        cwd: app,
        env: { ...env, PORT: String(port) },
        timeout: 60_000,
      }).catch((error: { code: number; stdout: string; stderr: string }) => error);
      expect(failure).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `pnpm demo: port ${port} (the token server) is in use — is another \`pnpm demo\` running? Stop it or set PORT=${port + 1}\n`,
      });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 70_000);
});
