// The README examples of @lingpai/auth-client, run as its own test runs them (node --import tsx,
// on source), but against the real token server: what the README promises is what the server does.
// The device example is approved from here, as a signed-in user would on the login page. The PKCE
// example needs a browser signed in at the login page (the browser suite's job), so it runs only
// against the package's stand-in server.
import { spawn } from 'node:child_process';
import { AuthClient } from '@lingpai/auth-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeExamples } from '../../../../test-support/readme-examples.js';
import { startListeningServer } from '../support/listening-server.js';
import type { TestServer } from '../support/test-app.js';
import { sharedStorage } from './auth-client-support.js';

const examples = readmeExamples({
  packageDir: new URL('../../../../packages/auth-client/', import.meta.url),
  runOn: 'source',
});
const loader = { TSX_TSCONFIG_PATH: `${examples.root}test/examples.tsconfig.json`, NODE_OPTIONS: '' };

describe('the README examples of @lingpai/auth-client, against the token server', () => {
  let server: TestServer & { issuer: string };

  beforeAll(async () => {
    // The examples use the environment id's own client, `lingpai`, as a first `serve` has it.
    server = await startListeningServer(
      { kind: 'pglite' },
      { envId: 'lingpai', lifetimes: { deviceInterval: 1 } },
    );
    await server.addUser('zhangsan', 'DemoPass123!@#');
  });
  afterAll(async () => server?.close());

  for (const file of ['browser-app.ts', 'errors.ts', 'file-storage.ts']) {
    it(`examples/${file}`, async () => {
      const { stdout, stderr } = await examples.runExample(file, {
        ...process.env,
        LINGPAI_ISSUER: server.issuer,
        ...loader,
      });
      expect(stderr).toBe('');
      if (file === 'errors.ts')
        expect(stdout).toBe('invalid_username_or_password 4043 400\nunauthenticated\n');
      if (file === 'browser-app.ts') expect(stdout).toMatch(/^signed_in\nhello zhangsan\nsigned_out\n$/);
    });
  }

  it('examples/cli-device-login.ts, approved by a signed-in user', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/cli-device-login.ts'], {
      cwd: examples.root,
      env: { ...process.env, LINGPAI_ISSUER: server.issuer, ...loader },
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const userCode = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const code = /enter ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(stdout)?.[1];
        if (code) resolve(code);
      });
      child.once('exit', () => reject(new Error(`the example exited early: ${stdout}${stderr}`)));
    });
    const approver = new AuthClient({ issuer: server.issuer, clientId: 'lingpai', storage: sharedStorage() });
    await approver.signIn({ username: 'zhangsan', password: 'DemoPass123!@#' });
    await approver.authorizeDevice({ user_code: userCode });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    approver.dispose();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/signed in as \d+; the session refreshes by itself/);
  });
});
