import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, systemRandom } from '../src/crypto/opaque-token.js';
import {
  approveDevice,
  findPendingDevice,
  generateUserCode,
  normalizeUserCode,
  USER_CODE_ALPHABET,
  USER_CODE_LENGTH,
  userCodeHash,
} from '../src/grants/device-approval.js';
import { DEVICE_CODE_PREFIX } from '../src/routes/device-routes.js';
import {
  authorizeDevice,
  PASSWORD,
  poll,
  signIn,
  startDevice,
  THIRD_PARTY_CLIENT,
  TV_CLIENT,
  USERNAME,
} from './support/device-support.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';

describe('user codes: alphabet, entropy, normalization', () => {
  it('user codes are XXXX-XXXX from ≥ 20 unambiguous symbols (no 0/1/I/O), ≥ 8 characters', () => {
    expect(USER_CODE_LENGTH).toBeGreaterThanOrEqual(8);
    expect(new Set(USER_CODE_ALPHABET).size).toBe(USER_CODE_ALPHABET.length);
    expect(USER_CODE_ALPHABET.length).toBeGreaterThanOrEqual(20);
    for (const ambiguous of ['0', '1', 'I', 'O']) expect(USER_CODE_ALPHABET).not.toContain(ambiguous);
    // ≥ 34 bits (RFC 8628 §6.1's 20⁸ example); ours is 28⁸ ≈ 2³⁸.
    expect(USER_CODE_LENGTH * Math.log2(USER_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(34);

    const counts = new Map<string, number>();
    const draws = 2_000;
    for (let i = 0; i < draws; i++) {
      const code = generateUserCode(systemRandom);
      expect(code).toMatch(/^[B-DF-HJ-NP-TV-XZ2-9]{4}-[B-DF-HJ-NP-TV-XZ2-9]{4}$/);
      for (const char of code.replace('-', '')) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    // Every symbol is used and none is favoured: a biased or truncated generator fails this.
    const expected = (draws * USER_CODE_LENGTH) / USER_CODE_ALPHABET.length;
    expect(counts.size).toBe(USER_CODE_ALPHABET.length);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(expected * 0.75);
      expect(count).toBeLessThan(expected * 1.25);
    }
  });

  it('modulo bias: bytes past the last whole multiple of the alphabet are skipped, not folded', () => {
    // 252 = 9 × 28: byte 252 would map to symbol 0 with a plain modulo.
    let call = 0;
    const random = (size: number) => {
      call++;
      return call === 1 ? Buffer.alloc(size, 252) : Buffer.alloc(size, 1);
    };
    expect(generateUserCode(random)).toBe(
      `${USER_CODE_ALPHABET[1]!.repeat(4)}-${USER_CODE_ALPHABET[1]!.repeat(4)}`,
    );
  });

  it('what people type is normalized: case, spaces, dashes, full-width forms', () => {
    expect(normalizeUserCode('bcdf-2345')).toBe('BCDF2345');
    expect(normalizeUserCode(' BCDF 2345 ')).toBe('BCDF2345');
    expect(normalizeUserCode('ＢＣＤＦ－２３４５')).toBe('BCDF2345');
    expect(normalizeUserCode('bcdf—2345')).toBe('BCDF2345');
    expect(normalizeUserCode('BCDF-234O')).toBeUndefined();
    expect(normalizeUserCode('BCDF-23456')).toBeUndefined();
    expect(normalizeUserCode('B'.repeat(10_000))).toBeUndefined();
  });
});

describe.each(backends())('device approval on %s', (_name, backend) => {
  let server: TestServer;
  let userSub: string;
  beforeAll(async () => {
    server = await startTestServer(backend, { limits: { userCodeFailuresPerIp: 3 } });
    await server.addClient(TV_CLIENT);
    await server.addClient(THIRD_PARTY_CLIENT);
    userSub = await server.addUser(USERNAME, PASSWORD);
  });
  afterAll(async () => server?.close());

  it('device_code carries ≥ 256 bits and only its SHA-256 is stored; the user code only as an HMAC', async () => {
    const { app } = server;
    const started = await startDevice(app, {}, { 'x-device-id': 'tv-42' });
    expect(started.device_code.startsWith(DEVICE_CODE_PREFIX)).toBe(true);
    const raw = Buffer.from(started.device_code.slice(DEVICE_CODE_PREFIX.length), 'base64url');
    expect(raw.length * 8).toBeGreaterThanOrEqual(256);

    const rows = await server.db.query<{ hash: string; user_code_hash: string; everything: string }>(
      'SELECT hash, user_code_hash, row_to_json(device_codes)::text AS everything FROM device_codes WHERE hash = $1',
      [hashToken(started.device_code)],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    const bare = started.user_code.replace('-', '');
    expect(row.everything).not.toContain(started.device_code);
    expect(row.everything).not.toContain(started.device_code.slice(DEVICE_CODE_PREFIX.length));
    expect(row.everything).not.toContain(bare);
    expect(row.everything).not.toContain(started.user_code);
    // A keyed hash: a plain SHA-256 of the 38-bit code would be reversible from a stolen table.
    expect(row.user_code_hash).not.toBe(hashToken(bare));
    expect(row.user_code_hash).toBe(userCodeHash(app.lingpai.hmacKey, bare));
  });

  it('findPendingDevice finds the client and scope by a sloppily typed code', async () => {
    const { app } = server;
    const started = await startDevice(app, { scope: 'user profile' });
    const typed = ` ${started.user_code.toLowerCase().replace('-', ' ')} `;
    expect(await findPendingDevice(app.lingpai, typed, '192.0.2.10')).toEqual({
      clientId: TV_CLIENT.id,
      clientName: TV_CLIENT.name,
      scope: ['user', 'profile'],
    });
  });

  it('user code brute force is limited per IP; other IPs are unaffected; the window ends it', async () => {
    const { app, clock } = server;
    const started = await startDevice(app);
    const token = await signIn(app);
    const attacker = '198.51.100.7';
    for (let i = 0; i < 3; i++) {
      const wrong = await authorizeDevice(app, token, { user_code: 'BCDF-GHJK' }, attacker);
      expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }
    // Past the limit even the right code is refused from there, so guessing cannot continue.
    const blocked = await authorizeDevice(app, token, { user_code: started.user_code }, attacker);
    expect(blocked).toMatchObject({ status: 429, body: { error: 'rate_limit_exceeded', error_code: 4029 } });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    await expect(findPendingDevice(app.lingpai, started.user_code, attacker)).rejects.toMatchObject({
      code: 'rate_limit_exceeded',
    });
    // The same /64 is the same subscriber: its other addresses share the count.
    for (let i = 0; i < 3; i++) await findPendingDevice(app.lingpai, 'BCDF-GHJK', '2001:db8:1:2::1');
    await expect(
      findPendingDevice(app.lingpai, started.user_code, '2001:db8:1:2::ffff'),
    ).rejects.toMatchObject({
      code: 'rate_limit_exceeded',
    });

    expect(await findPendingDevice(app.lingpai, started.user_code, '203.0.113.9')).toBeDefined();
    clock.advance(900_000);
    const later = await startDevice(app);
    const fresh = await signIn(app);
    expect(await authorizeDevice(app, fresh, { user_code: later.user_code }, attacker)).toMatchObject({
      status: 200,
    });
  });

  it("a first-party app's token approves; a third-party app's token is refused", async () => {
    const { app, clock } = server;
    const started = await startDevice(app);
    const thirdParty = await signIn(app, THIRD_PARTY_CLIENT.id);
    expect(await authorizeDevice(app, thirdParty, { user_code: started.user_code })).toMatchObject({
      status: 403,
      body: { error: 'permission_denied' },
    });
    clock.advance(5_000);
    expect((await poll(app, started.device_code)).body.error).toBe('authorization_pending');
    expect(await authorizeDevice(app, 'not-a-token', { user_code: started.user_code })).toMatchObject({
      status: 401,
      body: { error: 'invalid_token' },
    });
  });

  it('a sign-in 10 minutes old or older is refused with insufficient_user_authentication (RFC 9470)', async () => {
    const { app, clock } = server;
    const token = await signIn(app);
    clock.advance(599_000);
    const started = await startDevice(app);
    // The access token (2 h) is still valid; only the sign-in is too old.
    clock.advance(1_000);
    const stale = await authorizeDevice(app, token, { user_code: started.user_code });
    expect(stale).toMatchObject({
      status: 401,
      body: { error: 'insufficient_user_authentication', error_code: 4014 },
    });
    expect(stale.headers['www-authenticate']).toContain('max_age="600"');
    expect(app.lingpai.verifier.verify(token)).toBeDefined();

    const recent = await signIn(app);
    clock.advance(300_000);
    expect(await authorizeDevice(app, recent, { user_code: started.user_code })).toMatchObject({
      status: 200,
    });
  });

  it('approval never widens the scope beyond what the device asked for', async () => {
    const { app, clock } = server;
    const started = await startDevice(app, { scope: 'user' });
    const token = await signIn(app);
    const wider = await authorizeDevice(app, token, { user_code: started.user_code, scope: 'user profile' });
    expect(wider).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    // Called directly (the interaction API), wider asks are cut down to the device's request.
    expect(
      await approveDevice(app.lingpai, {
        userCode: started.user_code,
        userSub,
        scope: ['user', 'profile', 'admin'],
        authTime: clock.now(),
        amr: ['pwd'],
      }),
    ).toBe(true);
    clock.advance(5_000);
    const tokens = await poll(app, started.device_code);
    expect(tokens).toMatchObject({ status: 200, body: { scope: 'user' } });
  });

  it('an empty approved scope grants no scope, never "everything the device asked for"', async () => {
    const { app, clock } = server;
    const started = await startDevice(app, { scope: 'user profile' });
    expect(
      await approveDevice(app.lingpai, {
        userCode: started.user_code,
        userSub,
        scope: [],
        authTime: clock.now(),
        amr: ['pwd'],
      }),
    ).toBe(true);
    clock.advance(5_000);
    const tokens = await poll(app, started.device_code);
    expect(tokens).toMatchObject({ status: 200, body: { scope: '' } });
  });

  it('approval may narrow the scope the device asked for', async () => {
    const { app, clock } = server;
    const started = await startDevice(app, { scope: 'user profile openid' });
    const token = await signIn(app);
    expect(await authorizeDevice(app, token, { user_code: started.user_code, scope: 'user' })).toMatchObject({
      status: 200,
      body: {},
    });
    clock.advance(5_000);
    const tokens = await poll(app, started.device_code);
    expect(tokens).toMatchObject({ status: 200, body: { scope: 'user' } });
    expect(tokens.body.id_token).toBeUndefined();
  });

  it('the tokens carry the approving sign-in: its auth_time, and its amr in the session', async () => {
    const { app, clock } = server;
    const started = await startDevice(app, { scope: 'user openid' });
    const signedInAt = Math.floor(clock.now() / 1_000);
    const token = await signIn(app);
    clock.advance(60_000);
    expect(await authorizeDevice(app, token, { user_code: started.user_code })).toMatchObject({
      status: 200,
    });
    clock.advance(5_000);
    const tokens = await poll(app, started.device_code);
    expect(tokens.status).toBe(200);
    const claims = app.lingpai.verifier.verify(tokens.body.access_token as string);
    expect(claims?.auth_time).toBe(signedInAt);
    const family = await server.db.query<{ amr: string[] }>(
      'SELECT amr FROM refresh_families WHERE id = $1',
      [claims?.sid],
    );
    expect(family[0]?.amr).toEqual(['pwd']);
  });

  it('racing approvals of one code: exactly one wins', async () => {
    const { app } = server;
    const started = await startDevice(app);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        approveDevice(app.lingpai, {
          userCode: started.user_code,
          userSub,
          scope: ['user'],
          authTime: server.clock.now(),
          amr: ['pwd'],
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('parallel polls of an approved code: exactly one gets tokens; the rest slow_down (or, once it is used, invalid_grant)', async () => {
    const { app, clock } = server;
    const started = await startDevice(app);
    expect(await authorizeDevice(app, await signIn(app), { user_code: started.user_code })).toMatchObject({
      status: 200,
    });
    clock.advance(5_000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => poll(app, started.device_code)));
    const ok = answers.filter((answer) => answer.status === 200);
    expect(ok).toHaveLength(1);
    const others = answers.filter((answer) => answer.status !== 200).map((answer) => answer.body.error);
    expect(others.every((error) => error === 'slow_down' || error === 'invalid_grant')).toBe(true);
    const issued = await server.db.query<{ count: string }>(
      'SELECT count(*)::text AS count FROM refresh_families WHERE id IN (SELECT family_id FROM device_codes WHERE hash = $1)',
      [hashToken(started.device_code)],
    );
    expect(issued[0]?.count).toBe('1');
  });
});
