import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestServer, type TestServer } from './support/test-app.js';

// The verifier remembers verified signatures by token string; these pin that a remembered token is
// still refused the moment anything but its signature stops holding.
describe.each(backends())('access token verification cache on %s', (_name, backend) => {
  let server: TestServer;
  let sub: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    sub = await server.addUser('cache-user', 'Cache-Password-1!');
  });
  afterAll(async () => server?.close());

  async function issue(deviceId: string) {
    const { lingpai } = server.app;
    const client = await lingpai.clients.get(lingpai.config.envId);
    return lingpai.issuer.issueForUser({
      user: { sub, groups: [] },
      client: client!,
      scope: ['user'],
      deviceId,
      authTime: server.clock.now(),
      amr: ['pwd'],
    });
  }

  it('a remembered token dies with its session (sid revoked after the first verification)', async () => {
    const { verifier, revoked, db } = server.app.lingpai;
    const issued = await issue('cache-sid');
    expect(verifier.verify(issued.access_token)?.sub).toBe(sub);
    await revoked.revokeWhere(db, 'id = $3', [issued.familyId], 'test');
    expect(verifier.verify(issued.access_token)).toBeUndefined();
  });

  it('a remembered token expires on time', async () => {
    const { verifier, config } = server.app.lingpai;
    const issued = await issue('cache-exp');
    expect(verifier.verify(issued.access_token)).toBeDefined();
    server.clock.advance(config.lifetimes.accessToken * 1_000);
    expect(verifier.verify(issued.access_token)).toBeUndefined();
    expect(verifier.verify(issued.access_token, { allowExpired: true })?.sub).toBe(sub);
  });

  it('a remembered token dies with its key (kid revoked after the first verification)', async () => {
    const { verifier, keys } = server.app.lingpai;
    const issued = await issue('cache-key');
    expect(verifier.verify(issued.access_token)).toBeDefined();
    expect(await keys.revoke(keys.current().kid)).toBe(true);
    expect(verifier.verify(issued.access_token)).toBeUndefined();
  });

  it('a caller changing its claims does not change what the next caller gets', async () => {
    const { verifier } = server.app.lingpai;
    const issued = await issue('cache-copy');
    const first = verifier.verify(issued.access_token)!;
    first.sub = 'someone-else';
    expect(verifier.verify(issued.access_token)?.sub).toBe(sub);
  });

  it('a token with one changed signature character is refused even after the real one was remembered', async () => {
    const { verifier } = server.app.lingpai;
    const issued = await issue('cache-forged');
    expect(verifier.verify(issued.access_token)).toBeDefined();
    const last = issued.access_token.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${issued.access_token.slice(0, -2)}${last}${issued.access_token.at(-1)}`;
    expect(verifier.verify(forged)).toBeUndefined();
  });
});
