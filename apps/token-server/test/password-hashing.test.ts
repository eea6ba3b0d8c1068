// Passwords are argon2id with OWASP's parameters; a hash made with other parameters is replaced on
// the next successful login. This is the one suite that runs the real (expensive) parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2 } from '../src/config.js';
import { createArgon2Hasher } from '../src/users/password-hasher.js';
import { postToken } from './support/http.js';
import { startTestServer, TEST_ARGON2, type TestServer } from './support/test-app.js';

describe('password hashing', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      { kind: 'pglite' },
      { passwordHasher: createArgon2Hasher(DEFAULT_ARGON2) },
    );
  });
  afterAll(async () => server?.close());

  it('stores argon2id with the OWASP parameters (m=19456, t=2, p=1)', async () => {
    const sub = await server.addUser('owasp', 'Correct-Horse-9');
    const rows = await server.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE sub = $1',
      [sub],
    );
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });

  it('rehashes a hash made with old parameters on the next successful login, and only then', async () => {
    const cheap = createArgon2Hasher(TEST_ARGON2);
    const sub = await server.addUser('legacy', 'placeholder');
    await server.db.query('UPDATE users SET password_hash = $1 WHERE sub = $2', [
      await cheap.hash('Legacy-Pass-1'),
      sub,
    ]);
    const read = async () =>
      (
        await server.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE sub = $1', [
          sub,
        ])
      )[0]!.password_hash;

    expect(
      (await postToken(server.app, { grant_type: 'password', username: 'legacy', password: 'wrong' })).status,
    ).toBe(400);
    expect(await read()).toMatch(/m=1024,p=1,t=1/);

    expect(
      (await postToken(server.app, { grant_type: 'password', username: 'legacy', password: 'Legacy-Pass-1' }))
        .status,
    ).toBe(200);
    for (let i = 0; i < 50 && /m=1024/.test(await read()); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await read()).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(
      (await postToken(server.app, { grant_type: 'password', username: 'legacy', password: 'Legacy-Pass-1' }))
        .status,
    ).toBe(200);
  });

  it('the dummy hash unknown users are checked against uses the same parameters', () => {
    expect(server.app.lingpai.dummyPasswordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });
});
