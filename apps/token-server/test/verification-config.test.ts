import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../src/env-config.js';
import {
  resolveVerificationSettings,
  type VerificationSettings,
} from '../src/verification/verification-config.js';
import { startTestServer, type TestServer } from './support/test-app.js';

const dir = mkdtempSync(join(tmpdir(), 'lp-verification-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withFile(body: unknown, env: Record<string, string> = {}) {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(body));
  return () => loadEnvConfig({ LINGPAI_CONFIG: path, LINGPAI_SECRET: 's'.repeat(40), ...env }, dir);
}

const ALIYUN = {
  kind: 'aliyun',
  credentials: { accessKeyId: { env: 'ALIYUN_KEY_ID' }, accessKeySecret: { env: 'ALIYUN_KEY_SECRET' } },
  signName: '令牌',
  templates: { default: 'SMS_100000001', REGISTER: { CN: 'SMS_1', default: 'SMS_2' } },
};
const ENV = { ALIYUN_KEY_ID: 'id-from-env', ALIYUN_KEY_SECRET: 'secret-from-env', SMTP_PASS: 'smtp-pass' };

describe('verification settings in LINGPAI_CONFIG', () => {
  it('a full file: sms providers with env secrets, SMTP, verification; the secrets come from the environment', () => {
    const config = withFile(
      {
        sms: {
          providers: [
            ALIYUN,
            {
              kind: 'tencent',
              credentials: { secretId: { env: 'ALIYUN_KEY_ID' }, secretKey: { env: 'ALIYUN_KEY_SECRET' } },
              smsSdkAppId: '1400006666',
              templates: { default: '1235' },
              weight: 3,
            },
          ],
          strategy: 'weighted',
        },
        email: {
          host: 'smtp.example.com',
          port: 465,
          auth: { user: 'mailer', pass: { env: 'SMTP_PASS' } },
          from: 'Lingpai <no-reply@example.com>',
        },
        verification: { codeLength: 8, enumerationProtection: true, allowedCountries: ['CN', 'HK'] },
      },
      ENV,
    )();
    const options = config.options as VerificationSettings;
    expect(options.sms?.providers[0]?.credentials).toEqual({
      accessKeyId: 'id-from-env',
      accessKeySecret: 'secret-from-env',
    });
    expect(options.email?.auth?.pass).toBe('smtp-pass');
    const resolved = resolveVerificationSettings(options);
    expect(resolved.sms?.providers.map((p) => p.name)).toEqual(['aliyun', 'tencent']);
    expect(resolved.sms?.templates.REGISTER?.ids).toEqual({
      aliyun: { CN: 'SMS_1', default: 'SMS_2' },
      tencent: '1235',
    });
    expect(resolved.email?.transport).toMatchObject({ host: 'smtp.example.com', port: 465, secure: true });
    expect(resolved).toMatchObject({ codeLength: 8, enumerationProtection: true, defaultRegion: 'CN' });
  });

  it.each([
    [
      'a secret written into the file',
      { sms: { providers: [{ ...ALIYUN, credentials: { accessKeyId: 'x', accessKeySecret: 'y' } }] } },
      /LINGPAI_CONFIG sms\.providers\[0\]\.credentials\.accessKeyId must be \{ "env": "VARIABLE_NAME" \}/,
    ],
    [
      'an unset variable',
      {
        sms: {
          providers: [
            {
              ...ALIYUN,
              credentials: { accessKeyId: { env: 'NOPE_ID' }, accessKeySecret: { env: 'ALIYUN_KEY_SECRET' } },
            },
          ],
        },
      },
      /sms\.providers\[0\]\.credentials\.accessKeyId: the environment variable NOPE_ID is not set/,
    ],
    [
      'an unknown kind',
      { sms: { providers: [{ ...ALIYUN, kind: 'carrier-pigeon' }] } },
      /sms\.providers\[0\]\.kind must be one of aliyun, tencent, huawei, volcengine, twilio/,
    ],
    [
      'a provider without templates',
      { sms: { providers: [{ ...ALIYUN, templates: undefined }] } },
      /sms\.providers\[0\] \(aliyun\) needs "templates"/,
    ],
    [
      'tencent without smsSdkAppId',
      {
        sms: {
          providers: [
            {
              kind: 'tencent',
              credentials: { secretId: { env: 'ALIYUN_KEY_ID' }, secretKey: { env: 'ALIYUN_KEY_SECRET' } },
              templates: { default: '1' },
            },
          ],
        },
      },
      /sms\.providers\[0\] \(tencent\) needs "smsSdkAppId"/,
    ],
    [
      'a misspelt field',
      { sms: { providers: [{ ...ALIYUN, sigName: 'x' }] } },
      /sms\.providers\[0\]: unknown key "sigName"/,
    ],
    ['an unknown strategy', { sms: { providers: [ALIYUN], strategy: 'fastest' } }, /sms\.strategy must be/],
    ['email without from', { email: { host: 'smtp.example.com' } }, /email\.from must be a non-empty string/],
    [
      'a code length of 3',
      { verification: { codeLength: 3 } },
      /verification\.codeLength must be an integer from 4 to 10/,
    ],
    [
      'a lower-case region',
      { verification: { defaultRegion: 'cn' } },
      /verification\.defaultRegion must be an upper-case ISO region/,
    ],
    [
      'a misspelt verification key',
      { verification: { enumerationProtect: true } },
      /verification: unknown key "enumerationProtect"/,
    ],
  ])('refuses %s, naming the entry', (_what, body, message) => {
    expect(withFile(body, ENV)).toThrow(message);
  });
});

describe('verification settings at start', () => {
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it('requireCaptcha without a captcha verifier refuses to start', async () => {
    await expect(
      startTestServer({ kind: 'pglite' }, { verification: { requireCaptcha: true } }),
    ).rejects.toThrow(/verification\.requireCaptcha is on but no captcha verifier/);
  }, 120_000);

  it('with neither SMS nor email configured a send answers invalid_request, naming the channel', async () => {
    server = await startTestServer();
    const sms = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/verification',
      payload: { phone_number: '+86 13800138000', target: 'ANY' },
    });
    expect(sms.statusCode).toBe(400);
    expect(sms.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'verification codes by SMS are not configured on this server',
    });
    const email = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/verification',
      payload: { email: 'a@example.com', target: 'ANY' },
    });
    expect(email.json()).toMatchObject({
      error_description: 'verification codes by email are not configured on this server',
    });
    const verify = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/verification/verify',
      payload: { verification_id: 'AAAAAAAAAAAAAAAAAAAAAA', verification_code: '123456' },
    });
    expect(verify.json()).toMatchObject({ error: 'invalid_verification_code' });
  }, 120_000);
});
