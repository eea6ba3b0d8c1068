// The README's configuration example is a real file, examples/lingpai.config.json, and this suite
// keeps it from rotting: the README's JSON block is byte-identical to it, the real loader
// (loadEnvConfig, as the bin runs it) reads it with its named variables set, every `{ "env": … }`
// left unset refuses the start naming that variable, and buildApp starts from it on PGlite — the
// seeded clients and user work, the ten platforms (and WeChat's variants) are listed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocksOf } from '../../../test-support/readme-examples.js';
import { buildApp, type TokenServerApp } from '../src/app.js';
import { loadEnvConfig } from '../src/env-config.js';
import { ConfigError } from '../src/errors.js';
import { createPgliteDatabase } from '../src/storage/pglite-database.js';
import { basic, TEST_SECRET } from './support/test-app.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE = `${root}examples/lingpai.config.json`;
const text = readFileSync(EXAMPLE, 'utf8');

/** Every variable the file names, in the order it names them. */
function referencedVariables(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) referencedVariables(item, out);
  else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === 'env' && typeof entries[0][1] === 'string')
      out.push(entries[0][1]);
    else for (const [, item] of entries) referencedVariables(item, out);
  }
  return out;
}

const VARIABLES = referencedVariables(JSON.parse(text));
const PASSWORD = 'DemoPass123!@#';
const BACKEND_SECRET = 'lps_example-backend-secret-0123456789abcdef';

/** A value for every variable: the seeded secrets the test uses, Alipay's a real key, the rest markers. */
function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of VARIABLES) env[name] = `value-of-${name}`;
  env.ZHANGSAN_PASSWORD = PASSWORD;
  env.BACKEND_CLIENT_SECRET = BACKEND_SECRET;
  env.ALIPAY_APP_PRIVATE_KEY = SANDBOX_OAUTH_DEFAULTS.alipay.appPrivateKey;
  return { LINGPAI_CONFIG: EXAMPLE, LINGPAI_SECRET: TEST_SECRET, ...env };
}

describe('examples/lingpai.config.json', () => {
  it('is the README’s configuration block, byte for byte', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const json = blocksOf(readme).filter((block) => block.lang === 'json');
    expect(
      json.some((block) => block.body === text),
      'README.md has no ```json block identical to examples/lingpai.config.json',
    ).toBe(true);
  });

  it('writes every secret as { "env": … }: the variables it names', () => {
    expect(VARIABLES).toEqual(
      expect.arrayContaining([
        'BACKEND_CLIENT_SECRET',
        'ZHANGSAN_PASSWORD',
        'ALIYUN_SMS_ACCESS_KEY_SECRET',
        'TENCENT_SMS_SECRET_KEY',
        'SMTP_PASSWORD',
        'ALIPAY_APP_PRIVATE_KEY',
        'GOOGLE_CLIENT_SECRET',
      ]),
    );
    expect(new Set(VARIABLES).size).toBe(VARIABLES.length);
  });

  it('loads through the real loader with its variables set, secrets read from the environment', () => {
    const config = loadEnvConfig(environment(), root);
    expect(config.warnings).toEqual([]);
    const { options } = config;
    expect(options.seed?.clients?.map((client) => [client.id, client.secret])).toEqual([
      ['web', undefined],
      ['backend', BACKEND_SECRET],
    ]);
    expect(options.seed?.users?.[0]).toMatchObject({ username: 'zhangsan', password: PASSWORD });
    expect(options.sms?.providers.map((provider) => provider.credentials)).toEqual([
      {
        accessKeyId: 'value-of-ALIYUN_SMS_ACCESS_KEY_ID',
        accessKeySecret: 'value-of-ALIYUN_SMS_ACCESS_KEY_SECRET',
      },
      { secretId: 'value-of-TENCENT_SMS_SECRET_ID', secretKey: 'value-of-TENCENT_SMS_SECRET_KEY' },
    ]);
    expect(options.email?.auth?.pass).toBe('value-of-SMTP_PASSWORD');
    expect(options.social?.github?.clientSecret).toBe('value-of-GITHUB_CLIENT_SECRET');
    expect(options.lifetimes).toMatchObject({ accessToken: 7200, sudoToken: 600 });
    expect(options.passwordPolicy).toEqual({ minLength: 8, maxLength: 128, minCharacterClasses: 2 });
  });

  it.each(VARIABLES)('with %s unset the start is refused, naming it', (name) => {
    const env: Record<string, string | undefined> = environment();
    delete env[name];
    expect(() => loadEnvConfig(env, root)).toThrow(ConfigError);
    expect(() => loadEnvConfig(env, root)).toThrow(new RegExp(`\\b${name}\\b.*not set`));
  });

  describe('buildApp starts from it (PGlite)', () => {
    let app: TokenServerApp;

    beforeAll(async () => {
      const { options } = loadEnvConfig(environment(), root);
      app = await buildApp({
        ...options,
        secret: TEST_SECRET,
        database: await createPgliteDatabase(),
        logger: false,
      });
    }, 60_000);
    afterAll(async () => {
      await app?.close();
    });

    it('the seeded user signs in, and lists every configured platform', async () => {
      const token = await app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        payload: { client_id: 'lingpai', grant_type: 'password', username: 'zhangsan', password: PASSWORD },
      });
      expect(token.statusCode, token.body).toBe(200);
      const { access_token, expires_in } = token.json() as { access_token: string; expires_in: number };
      expect(expires_in).toBe(7200);
      const providers = await app.inject({
        method: 'GET',
        url: '/auth/v1/user/provider',
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(providers.statusCode, providers.body).toBe(200);
      expect((providers.json() as { data: Array<{ id: string }> }).data.map((p) => p.id)).toEqual([
        'wechat',
        'wechat_mp',
        'wechat_mini',
        'qq',
        'weibo',
        'alipay',
        'dingtalk',
        'lark',
        'douyin',
        'wecom',
        'github',
        'google',
      ]);
    });

    it('the seeded admin client gets a token from its allowed network and queries users', async () => {
      const token = await app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        remoteAddress: '10.1.2.3',
        headers: { authorization: basic('backend', BACKEND_SECRET) },
        payload: { grant_type: 'client_credentials' },
      });
      expect(token.statusCode, token.body).toBe(200);
      const { access_token } = token.json() as { access_token: string };
      const users = await app.inject({
        method: 'GET',
        url: '/auth/v1/admin/users?username=zhangsan',
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(users.statusCode, users.body).toBe(200);
      expect(users.json()).toMatchObject({
        data: [{ username: 'zhangsan', phone_number: '+86 13800138000', groups: ['staff'] }],
      });

      // Outside its IP allow-list the same client is refused.
      const outside = await app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        remoteAddress: '192.0.2.7',
        headers: { authorization: basic('backend', BACKEND_SECRET) },
        payload: { grant_type: 'client_credentials' },
      });
      expect(outside.json()).toMatchObject({ error: 'unauthorized_client' });
    });
  });
});
