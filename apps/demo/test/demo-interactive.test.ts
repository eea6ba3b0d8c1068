// `pnpm demo` without --once: the servers stay up, the banner says where to go, a code sent from the
// login page shows up in the terminal, and Ctrl-C (here SIGTERM) stops everything with exit 0.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const app = fileURLToPath(new URL('..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

describe('pnpm demo', () => {
  it('prints where to go, shows delivered codes, and stops on a signal', async () => {
    const [port, sandboxPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: app,
      env: { ...process.env, PORT: String(port), SANDBOX_PORT: String(sandboxPort), NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waiting = new Set<() => void>();
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const check of waiting) check();
    });
    // Resolves once `text` is on stdout; bounded, and saying what the demo did print, so a slow or
    // stuck start is diagnosable.
    const printed = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(bound);
          waiting.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (stdout.includes(text)) finish();
        };
        const bound = setTimeout(
          () => finish(new Error(`no "${text}" within 45 s; stdout: ${stdout}\nstderr: ${stderr}`)),
          45_000,
        );
        waiting.add(check);
        void exited.then(() => finish(new Error(`exited before printing "${text}": ${stdout}${stderr}`)));
        check();
      });
    try {
      await printed('Codes as they are delivered:');
      expect(stdout).toContain(`Login page   http://127.0.0.1:${port}/login`);
      expect(stdout).toContain(`SMS inbox    http://127.0.0.1:${sandboxPort}/__sandbox/sms/inbox`);
      expect(stdout).toContain('password Lingpai-Demo-2026');

      const sent = await fetch(`http://127.0.0.1:${port}/auth/v1/verification?client_id=demo-app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: '+86 13800138000' }),
      });
      expect(sent.status).toBe(200);
      await printed('SMS to +8613800138000 via aliyun');
      const inbox = await (await fetch(`http://127.0.0.1:${sandboxPort}/__sandbox/sms/inbox`)).text();
      const code = /→ code (\d{6})/.exec(stdout)?.[1];
      expect(inbox).toContain(`<td class="code">${code}</td>`);

      const mailed = await fetch(`http://127.0.0.1:${port}/auth/v1/verification?client_id=demo-app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'demo@lingpai.test' }),
      });
      expect(mailed.status).toBe(200);
      await printed('email to demo@lingpai.test');
      expect(stdout).toMatch(/email to demo@lingpai\.test: .* → code \d{6}/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  }, 110_000);
});
