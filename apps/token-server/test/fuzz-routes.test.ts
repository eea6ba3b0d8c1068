// Every route, fuzzed (seeded, bounded: 2,500 runs, about 30 per route): random bodies, content types, duplicated parameters, huge
// and non-string values. The server must never answer a 5xx other than a 503, and every answer must
// be JSON; every refusal must carry the error shape. Routes come from the OpenAPI document, so a
// route added later is fuzzed without touching this file.
import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxServerOptions } from './support/social-sandbox.js';
import { startTestServer, type TestServer } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

interface Operation {
  method: string;
  path: string;
}

const PARAM_NAMES = [
  'grant_type',
  'client_id',
  'client_secret',
  'refresh_token',
  'username',
  'password',
  'scope',
  'code',
  'redirect_uri',
  'code_verifier',
  'device_code',
  'user_code',
  'token',
  'token_type_hint',
  'response_type',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  // The user side (issue 9).
  'phone_number',
  'email',
  'target',
  'usage',
  'verification_id',
  'verification_code',
  'verification_token',
  'provider_id',
  'provider_token',
  'provider_code',
  'provider_redirect_uri',
  'sudo_token',
  'old_password',
  'new_password',
  'anonymous_token',
  'name',
  'gender',
  'picture',
  'locale',
  '__proto__',
  'constructor',
];
const GRANTS = [
  'password',
  'refresh_token',
  'client_credentials',
  'authorization_code',
  'urn:ietf:params:oauth:grant-type:device_code',
];

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(...GRANTS, 'test-env', '', ' ', '\u0000', '%00', '../../etc/passwd', 'Basic x', '{"a":1}'),
  fc.constantFrom(
    '+86 13800138000',
    '13800138000',
    '+1 2025550123',
    'a@example.com',
    '"q"@x',
    'wechat',
    'github',
  ),
  fc.constantFrom(
    'ANY',
    'USER',
    'NOT_USER',
    'CUR_USER',
    'SIGN_IN',
    'REGISTER',
    'PASSWORD_RESET',
    'SUDO',
    'MALE',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
  fc.constant('x'.repeat(70_000)),
);
const body = fc.dictionary(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 10 })), value, {
  maxKeys: 6,
});
const contentType = fc.constantFrom(
  'application/json',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  undefined,
);

const text = (item: unknown): string =>
  typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item);

function encode(type: string | undefined, data: Record<string, unknown>, raw: string | undefined): string {
  if (raw !== undefined) return raw;
  if (type === 'application/x-www-form-urlencoded') {
    return Object.entries(data)
      .flatMap(([name, item]) =>
        Array.isArray(item) ? item.map((part) => [name, text(part)]) : [[name, text(item)]],
      )
      .map(([name, item]) => `${encodeURIComponent(name!)}=${encodeURIComponent(item!)}`)
      .join('&');
  }
  return JSON.stringify(data);
}

interface FuzzSetup {
  server: TestServer;
  close(): Promise<void>;
}

/**
 * Bare (no SMS, email or platforms: those routes answer their "not configured" refusals), and with
 * every channel and platform configured against the sandbox and a real SMTP server, so the fuzz
 * reaches the code behind them.
 */
const SETUPS: Array<[string, () => Promise<FuzzSetup>]> = [
  [
    'bare',
    async () => {
      const server = await startTestServer();
      return { server, close: () => server.close() };
    },
  ],
  [
    'every channel and platform configured',
    async () => {
      const platforms: Sandbox = await createSandbox();
      const fixture: VerificationFixture = await startServerWithSandbox(
        { kind: 'pglite' },
        sandboxServerOptions(await platforms.listen()),
      );
      return {
        server: fixture.server,
        async close() {
          await fixture.server.app.lingpai.verification.settled();
          await fixture.close();
          await platforms.close();
        },
      };
    },
  ],
];

describe.each(SETUPS)('fuzzing every route (%s)', (_name, setup) => {
  let fuzzed: FuzzSetup;
  let server: TestServer;
  let operations: Operation[];

  beforeAll(async () => {
    fuzzed = await setup();
    server = fuzzed.server;
    await server.addUser('fuzz-user', 'FuzzPass123!');
    const doc = (await server.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
    );
  }, 120_000);
  afterAll(async () => fuzzed?.close());

  it('the OpenAPI document lists the routes with response schemas', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(5);
    const doc = (await server.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const codes = Object.keys(operation.responses ?? {});
        expect(
          codes.some((code) => /^[23]/.test(code)),
          `${method} ${path} documents its success answer`,
        ).toBe(true);
        expect(codes, `${method} ${path} documents its errors`).toEqual(
          expect.arrayContaining(['4XX', '5XX']),
        );
      }
    }
  });

  it('never answers a 5xx other than 503, always JSON with the error shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        contentType,
        body,
        fc.option(
          fc.oneof(
            fc.string({ maxLength: 50 }),
            fc.constantFrom('{', '[]', 'null', '"str"', '{"a":', 'a=1&a=2&a=3'),
          ),
          { nil: undefined },
        ),
        fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        fc.option(fc.constantFrom('Basic !!!', 'Basic dGVzdC1lbnY6', 'Bearer x.y.z', 'Bearer ', 'Digest a'), {
          nil: undefined,
        }),
        async (index, otherMethod, type, data, raw, pathParam, authorization) => {
          const operation = operations[index % operations.length]!;
          const method = index % 5 === 0 ? otherMethod : operation.method;
          const path = operation.path.replace(/\{[^}]+\}|:[A-Za-z]+/g, encodeURIComponent(pathParam ?? 'x'));
          const query =
            index % 3 === 0
              ? `?${new URLSearchParams(Object.entries(data).map(([k, v]) => [k, text(v).slice(0, 50)])).toString()}`
              : '';
          const headers: Record<string, string> = {};
          if (type) headers['content-type'] = type;
          if (authorization) headers.authorization = authorization;
          if (index % 7 === 0) headers['x-device-id'] = String(pathParam ?? '');
          const response = await server.app.inject({
            method: method as 'GET',
            url: path + query,
            headers,
            ...(method === 'GET' ? {} : { payload: encode(type, data, raw) }),
          });
          expect(
            response.statusCode === 503 || response.statusCode < 500,
            `${method} ${path} → ${response.statusCode} ${response.body.slice(0, 200)}`,
          ).toBe(true);
          if (response.statusCode === 302 || response.statusCode === 303) return;
          const contentTypeHeader = String(response.headers['content-type'] ?? '');
          if (contentTypeHeader.startsWith('text/html')) return; // error pages of the browser routes
          expect(contentTypeHeader, `${method} ${path}`).toMatch(/^application\/json/);
          const parsed = JSON.parse(response.body) as Record<string, unknown>;
          if (response.statusCode >= 400) {
            expect(typeof parsed.error, `${method} ${path} ${response.body.slice(0, 200)}`).toBe('string');
            expect(typeof parsed.error_code).toBe('number');
            expect(typeof parsed.error_description).toBe('string');
          }
        },
      ),
      { seed: 20261201, numRuns: 2_500, interruptAfterTimeLimit: 60_000 },
    );
  }, 120_000);
});
