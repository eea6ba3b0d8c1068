// Attacks on the delivery-report endpoints: Aliyun, Tencent, MoceanAPI, Huawei and SMPP relays do
// not sign their reports, so a route that takes anyone's POST lets anyone mark any message
// delivered or failed. Every unsigned route now needs `auth`, refused callers get 403 before the
// body is read, and Vonage's signed webhooks (`sig`, JWT) are verified.
import { createHash, createHmac } from 'node:crypto';
import { createManualClock } from '@lingpai/auth-core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  computeVonageSignature,
  type DeliveryReport,
  type DeliveryReportError,
  type DeliveryReportProvider,
  type DeliveryReportRouteOptions,
  deliveryReportRoute,
  parseDeliveryReport,
} from '../src/index.js';

const TOKEN = 'a-route-secret-of-some-length';

/** A well-formed report per unsigned provider: what a forger would post. */
const FORGED: Record<string, { contentType: string; body: string }> = {
  aliyun: {
    contentType: 'application/json',
    body: '[{"phone_number":"13800138000","report_time":"2017-01-01 00:00:00","success":true,"err_code":"DELIVERED","biz_id":"900619^0"}]',
  },
  tencent: {
    contentType: 'application/json',
    body: '[{"mobile":"13800138000","nationcode":"86","report_status":"SUCCESS","errmsg":"DELIVRD","sid":"s1"}]',
  },
  mocean: { contentType: 'application/x-www-form-urlencoded', body: 'mocean-msgid=M1&mocean-dlr-status=1' },
  vonage: { contentType: 'application/json', body: '{"messageId":"0B00000127FDBC63","status":"delivered"}' },
  huawei: { contentType: 'application/x-www-form-urlencoded', body: 'smsMsgId=h1&status=DELIVRD' },
  smpp: { contentType: 'text/plain', body: 'id:abc sub:001 dlvrd:001 stat:DELIVRD err:000 text:x' },
};
const UNSIGNED = Object.keys(FORGED) as DeliveryReportProvider[];

let apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});

function build(options: Omit<DeliveryReportRouteOptions, 'onReport' | 'onError'>) {
  const app = Fastify();
  apps.push(app);
  const reports: DeliveryReport[] = [];
  const errors: DeliveryReportError[] = [];
  deliveryReportRoute(app, {
    ...options,
    onReport: (batch) => void reports.push(...batch),
    onError: (error) => void errors.push(error),
  });
  return { app, reports, errors };
}

describe.each(UNSIGNED)('%s delivery reports are not signed', (provider) => {
  it('a route without auth is refused when it is built', () => {
    const app = Fastify();
    apps.push(app);
    expect(() => deliveryReportRoute(app, { path: '/dlr', provider, onReport: () => {} })).toThrow(
      expect.objectContaining({ code: 'DLR_CONFIG_INVALID', message: expect.stringContaining('auth') }),
    );
  });

  it('a forged report without the token, or with a wrong one, gets 403 and never reaches onReport', async () => {
    const { app, reports, errors } = build({ path: '/dlr', provider, auth: { token: TOKEN } });
    const forged = FORGED[provider] as { contentType: string; body: string };
    const post = (url: string) =>
      app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': forged.contentType },
        payload: forged.body,
      });
    for (const url of ['/dlr', '/dlr?token=', `/dlr?token=${TOKEN}x`, `/dlr?token=${TOKEN.slice(0, -1)}`]) {
      const response = await post(url);
      expect(response.statusCode, url).toBe(403);
      expect(response.body).toBe('DLR_UNAUTHENTICATED');
    }
    expect(reports).toEqual([]);
    expect(errors.map((error) => error.code)).toEqual(Array(4).fill('DLR_UNAUTHENTICATED'));
    // The genuine callback URL carries the token.
    expect((await post(`/dlr?token=${TOKEN}`)).statusCode).toBeLessThan(300);
    expect(reports).toHaveLength(1);
  });
});

describe('refused before the body is read', () => {
  it('a wrong token with a malformed body is 403, not 400; with an oversized body 403, not 413', async () => {
    const { app, errors } = build({ path: '/dlr', provider: 'aliyun', auth: { token: TOKEN } });
    const malformed = await app.inject({
      method: 'POST',
      url: '/dlr?token=nope',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(malformed.statusCode).toBe(403);
    const oversized = await app.inject({
      method: 'POST',
      url: '/dlr?token=nope',
      headers: { 'content-type': 'application/json' },
      payload: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(oversized.statusCode).toBe(403);
    expect(errors.map((error) => error.code)).toEqual(['DLR_UNAUTHENTICATED', 'DLR_UNAUTHENTICATED']);
  });

  it('parseDeliveryReport with `auth` refuses before parsing, from any framework', () => {
    expect(() =>
      parseDeliveryReport(
        'tencent',
        { method: 'POST', url: '/dlr', body: '{not json' },
        { auth: { token: TOKEN } },
      ),
    ).toThrow(expect.objectContaining({ code: 'DLR_UNAUTHENTICATED', status: 403 }));
  });
});

describe('route token and address allow-list', () => {
  const forged = FORGED.tencent as { contentType: string; body: string };
  const post = (app: FastifyInstance, url: string, remoteAddress?: string) =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': forged.contentType },
      payload: forged.body,
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
    });

  it('a token as the last path segment: the right one passes, a wrong one is 403, none is 404', async () => {
    const { app } = build({
      path: '/dlr/tencent',
      provider: 'tencent',
      auth: { token: TOKEN, tokenIn: 'path' },
    });
    expect((await post(app, `/dlr/tencent/${TOKEN}`)).statusCode).toBe(200);
    expect((await post(app, '/dlr/tencent/guess')).statusCode).toBe(403);
    expect((await post(app, '/dlr/tencent')).statusCode).toBe(404);
  });

  it('two tokens while rotating, both accepted; a token given twice is refused', async () => {
    const next = 'the-next-route-secret-0000';
    const { app } = build({ path: '/dlr', provider: 'tencent', auth: { token: [TOKEN, next] } });
    expect((await post(app, `/dlr?token=${TOKEN}`)).statusCode).toBe(200);
    expect((await post(app, `/dlr?token=${next}`)).statusCode).toBe(200);
    expect((await post(app, `/dlr?token=${TOKEN}&token=${next}`)).statusCode).toBe(403);
  });

  it('allowIps: CIDR blocks, single addresses, IPv6 and IPv4-mapped IPv6', async () => {
    const { app } = build({
      path: '/dlr',
      provider: 'tencent',
      auth: { allowIps: ['10.0.0.0/8', '203.0.113.7', '2001:db8::/32'] },
    });
    expect((await post(app, '/dlr', '10.20.30.40')).statusCode).toBe(200);
    expect((await post(app, '/dlr', '203.0.113.7')).statusCode).toBe(200);
    expect((await post(app, '/dlr', '2001:db8::7')).statusCode).toBe(200);
    expect((await post(app, '/dlr', '::ffff:10.1.2.3')).statusCode).toBe(200);
    expect((await post(app, '/dlr', '203.0.113.8')).statusCode).toBe(403);
    expect((await post(app, '/dlr', '127.0.0.1')).statusCode).toBe(403);
    expect((await post(app, '/dlr', '2001:db9::1')).statusCode).toBe(403);
  });

  it('token and allowIps together: both must pass', async () => {
    const { app } = build({
      path: '/dlr',
      provider: 'tencent',
      auth: { token: TOKEN, allowIps: ['10.0.0.0/8'] },
    });
    expect((await post(app, `/dlr?token=${TOKEN}`, '10.0.0.1')).statusCode).toBe(200);
    expect((await post(app, `/dlr?token=${TOKEN}`, '192.0.2.1')).statusCode).toBe(403);
    expect((await post(app, '/dlr', '10.0.0.1')).statusCode).toBe(403);
  });

  it.each([
    [{ token: 'short' }, 'at least 16'],
    [{ token: [] }, 'empty'],
    [{ allowIps: ['10.0.0.0/33'] }, 'prefix'],
    [{ allowIps: ['not-an-ip'] }, 'not an IP'],
    [{}, 'token'],
  ])('malformed auth %j is refused when the route is built', (auth, fix) => {
    const app = Fastify();
    apps.push(app);
    expect(() =>
      deliveryReportRoute(app, { path: '/dlr', provider: 'aliyun', auth, onReport: () => {} }),
    ).toThrow(expect.objectContaining({ code: 'DLR_CONFIG_INVALID', message: expect.stringContaining(fix) }));
  });
});

describe('Vonage signed webhooks', () => {
  const secret = 'vonage-signature-secret';
  const now = 1_700_000_000;
  const clock = createManualClock(now * 1000);

  it('computes the sig of the Vonage SDK test vector (md5hash)', () => {
    expect(computeVonageSignature({ a: '1', b: '2', timestamp: '1461605396' }, 'secret', 'md5hash')).toBe(
      '6af838ef94998832dbfc29020b564830',
    );
  });

  it.each(['md5hash', 'sha256', 'sha512'] as const)(
    '%s: a signed receipt passes; a tampered, unsigned or stale one is 403',
    async (method) => {
      const { app, reports } = build({
        path: '/dlr',
        provider: 'vonage',
        vonage: { signatureSecret: secret, signatureMethod: method, clock },
      });
      const signedForm = (fields: Record<string, string>) => {
        const sig = computeVonageSignature(fields, secret, method);
        return new URLSearchParams({ ...fields, sig }).toString();
      };
      const fields = { messageId: 'V1', status: 'delivered', msisdn: '447547232824', timestamp: String(now) };
      const post = (payload: string) =>
        app.inject({
          method: 'POST',
          url: '/dlr',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload,
        });
      expect((await post(signedForm(fields))).statusCode).toBe(204);
      expect(reports.map((report) => report.status)).toEqual(['delivered']);

      const tampered = signedForm(fields).replace('delivered', 'failed');
      expect((await post(tampered)).statusCode).toBe(403);
      expect((await post(new URLSearchParams(fields).toString())).statusCode).toBe(403);
      const stale = signedForm({ ...fields, timestamp: String(now - 301) });
      expect((await post(stale)).statusCode).toBe(403);
      expect(reports).toHaveLength(1);
    },
  );

  it('a JSON receipt with sig is checked the same way', () => {
    const fields = { messageId: 'V2', status: 'failed', 'err-code': '5', timestamp: String(now) };
    const sig = computeVonageSignature(fields, secret, 'sha1');
    const vonage = { signatureSecret: secret, signatureMethod: 'sha1' as const, clock };
    const request = (body: unknown) => ({
      method: 'POST',
      url: '/dlr',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(parseDeliveryReport('vonage', request({ ...fields, sig }), { vonage }).reports[0]?.status).toBe(
      'failed',
    );
    expect(() =>
      parseDeliveryReport('vonage', request({ ...fields, status: 'delivered', sig }), { vonage }),
    ).toThrow(expect.objectContaining({ code: 'DLR_SIGNATURE_INVALID' }));
  });

  describe('jwt', () => {
    const vonage = { signatureSecret: secret, signatureMethod: 'jwt' as const, clock };
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = (
      claims: Record<string, unknown>,
      header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
    ) => {
      const unsigned = `${b64(header)}.${b64(claims)}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    };
    const body = '{"messageId":"V3","status":"delivered"}';
    const hash = createHash('sha256').update(body).digest('hex');
    const request = (token: string, payload = body) => ({
      method: 'POST',
      url: '/dlr',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: payload,
    });

    it('an HS256 token over the body passes', () => {
      const parsed = parseDeliveryReport('vonage', request(jwt({ iat: now, payload_hash: hash })), {
        vonage,
      });
      expect(parsed.reports[0]).toMatchObject({ messageId: 'V3', status: 'delivered' });
    });

    it.each([
      [
        'a token for another body',
        () => request(jwt({ iat: now, payload_hash: hash }), body.replace('delivered', 'failed')),
      ],
      [
        'alg none',
        () =>
          request(
            `${jwt({ iat: now, payload_hash: hash }, { alg: 'none' }).split('.').slice(0, 2).join('.')}.`,
          ),
      ],
      ['alg none, signed anyway', () => request(jwt({ iat: now, payload_hash: hash }, { alg: 'none' }))],
      ['another secret', () => request(jwt({ iat: now, payload_hash: hash }).replace(/\.[^.]+$/, '.AAAA'))],
      ['no payload_hash', () => request(jwt({ iat: now }))],
      ['a stale iat', () => request(jwt({ iat: now - 301, payload_hash: hash }))],
      ['no token', () => ({ method: 'POST', url: '/dlr', headers: {}, body })],
    ])('%s is refused', (_case, make) => {
      expect(() => parseDeliveryReport('vonage', make(), { vonage })).toThrow(
        expect.objectContaining({ code: 'DLR_SIGNATURE_INVALID', status: 403 }),
      );
    });

    it('a signed Vonage route needs no route token', () => {
      const app = Fastify();
      apps.push(app);
      expect(() =>
        deliveryReportRoute(app, { path: '/dlr', provider: 'vonage', vonage, onReport: () => {} }),
      ).not.toThrow();
    });
  });
});
