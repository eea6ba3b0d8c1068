// Creating device codes is capped per network (RFC 8628 §5.2 leaves it to the server): each code is
// a row that lives ten minutes, so a flood from one address, or from the /64s of one IPv6 /48, is
// refused with Retry-After before it fills the table and the user-code space.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TV_CLIENT } from './support/device-support.js';
import { startTestServer, type TestServer } from './support/test-app.js';

const PER_IP = 3;

describe('the device code budget', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ kind: 'pglite' }, { limits: { deviceCodesPerIp: PER_IP } });
    await server.addClient(TV_CLIENT);
  }, 120_000);
  afterAll(async () => server?.close());

  const start = (remoteAddress: string) =>
    server.app.inject({
      method: 'POST',
      url: '/auth/v1/device/code',
      remoteAddress,
      payload: { client_id: TV_CLIENT.id },
    });

  it('refuses the code after the budget from one address, with Retry-After; other addresses go on', async () => {
    for (let i = 0; i < PER_IP; i++) expect((await start('203.0.113.7')).statusCode).toBe(200);
    const refused = await start('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'rate_limit_exceeded', error_code: 4029 });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await start('203.0.113.8')).statusCode).toBe(200);
    // The window passes: the address may start again.
    server.clock.advance(server.app.lingpai.config.limits.deviceCodeWindow * 1_000 + 1);
    expect((await start('203.0.113.7')).statusCode).toBe(200);
  });

  it('sums the /64s of one IPv6 /48', async () => {
    const site = '2001:db8:77';
    const statuses: number[] = [];
    // Each /64 stays within its own budget; the /48 as a whole gets 16 of them.
    for (let subnet = 0; subnet < 17; subnet++) {
      for (let i = 0; i < PER_IP; i++)
        statuses.push((await start(`${site}:${subnet.toString(16)}::${i + 1}`)).statusCode);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(PER_IP * 16);
    expect(statuses.slice(-PER_IP)).toEqual([429, 429, 429]);
  });
});
