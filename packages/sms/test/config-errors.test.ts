// A missing environment variable used to surface as `Cannot read properties of undefined` (no
// options at all) or a bare "`x` is required"; an unknown enum value was silently replaced by the
// default. Every factory now refuses at construction with SMS_CONFIG_INVALID naming the field and
// its likely cause, and never quoting a credential's value.
import { describe, expect, it } from 'vitest';
import {
  countryStrategy,
  createAliyunProvider,
  createAwsSnsProvider,
  createHuaweiProvider,
  createMemoryProvider,
  createMoceanProvider,
  createTencentProvider,
  createTwilioProvider,
  createVolcengineProvider,
  createVonageProvider,
  SmsSender,
  weightedRoundRobinStrategy,
} from '../src/index.js';
import { createSmppProvider } from '../src/smpp.js';

function configError(build: () => unknown): { code: string; message: string } {
  try {
    build();
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
  throw new Error('expected a config error');
}

// Each factory with its options, and the credential whose absence names an environment variable.
const factories: {
  name: string;
  build: (options: never) => unknown;
  valid: object;
  field: string;
  env: string;
}[] = [
  {
    name: 'aliyun',
    build: createAliyunProvider,
    valid: { accessKeyId: 'id', accessKeySecret: 'secret' },
    field: 'accessKeyId',
    env: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
  },
  {
    name: 'tencent',
    build: createTencentProvider,
    valid: { secretId: 'id', secretKey: 'key', smsSdkAppId: '1400006666' },
    field: 'secretKey',
    env: 'TENCENTCLOUD_SECRET_KEY',
  },
  {
    name: 'twilio',
    build: createTwilioProvider,
    valid: { accountSid: 'AC1', authToken: 'token', from: '+15005550006' },
    field: 'authToken',
    env: 'TWILIO_AUTH_TOKEN',
  },
  {
    name: 'huawei',
    build: createHuaweiProvider,
    valid: { appKey: 'key', appSecret: 'secret', from: '8824110605001' },
    field: 'appSecret',
    env: 'HUAWEI_SMS_APP_SECRET',
  },
  {
    name: 'volcengine',
    build: createVolcengineProvider,
    valid: { accessKeyId: 'id', secretAccessKey: 'secret', smsAccount: '7a2b3c4d' },
    field: 'secretAccessKey',
    env: 'VOLCENGINE_SECRET_KEY',
  },
  {
    name: 'vonage',
    build: createVonageProvider,
    valid: { apiKey: 'key', apiSecret: 'secret', from: 'ACME' },
    field: 'apiKey',
    env: 'VONAGE_API_KEY',
  },
  {
    name: 'aws-sns',
    build: createAwsSnsProvider,
    valid: { region: 'us-east-1', accessKeyId: 'id', secretAccessKey: 'secret' },
    field: 'accessKeyId',
    env: 'AWS_ACCESS_KEY_ID',
  },
  {
    name: 'mocean',
    build: createMoceanProvider,
    valid: { apiKey: 'key', apiSecret: 'secret', from: 'ACME' },
    field: 'apiSecret',
    env: 'MOCEAN_API_SECRET',
  },
  {
    name: 'smpp',
    build: createSmppProvider,
    valid: { url: 'smpp://127.0.0.1:2775', systemId: 'acme', password: 'secret', sourceAddr: 'ACME' },
    field: 'password',
    env: 'SMPP_PASSWORD',
  },
];

describe.each(factories)('$name options', ({ name, build, valid, field, env }) => {
  const make = (options: unknown) => () => build(options as never);

  it('builds with valid options', () => {
    expect(make(valid)).not.toThrow();
  });

  it('no options at all names what the call needs, instead of a TypeError', () => {
    const error = configError(make(undefined));
    expect(error.code).toBe('SMS_CONFIG_INVALID');
    expect(error.message).toMatch(
      new RegExp(`^${name}: the options object is undefined — call create\\w+\\(\\{ .+ \\}\\)$`),
    );
  });

  it('a credential read from an unset variable names the field and the variable', () => {
    expect(configError(make({ ...valid, [field]: undefined }))).toEqual({
      code: 'SMS_CONFIG_INVALID',
      message: `${name}: \`${field}\` is undefined — is ${env} set?`,
    });
    expect(configError(make({ ...valid, [field]: '' })).message).toBe(
      `${name}: \`${field}\` is an empty string — is ${env} set?`,
    );
  });

  it('a credential of the wrong type says so without quoting it', () => {
    const error = configError(make({ ...valid, [field]: 12345678 }));
    expect(error.message).toBe(`${name}: \`${field}\` is a number — it must be a string`);
    expect(error.message).not.toContain('12345678');
  });

  it('a baseURL (or url) that is not a URL is refused with an example', () => {
    const key = name === 'smpp' ? 'url' : 'baseURL';
    const error = configError(make({ ...valid, [key]: '127.0.0.1:4010' }));
    expect(error.code).toBe('SMS_CONFIG_INVALID');
    expect(error.message).toContain(`\`${key}\``);
  });
});

describe('enum options', () => {
  const aliyun = { accessKeyId: 'id', accessKeySecret: 'secret' };

  it('an unknown value is refused, not silently replaced by the default', () => {
    expect(configError(() => createAliyunProvider({ ...aliyun, site: 'intl' as never })).message).toBe(
      'aliyun: `site` is "intl", not one of "china", "international"',
    );
    expect(
      configError(() => createAliyunProvider({ ...aliyun, signatureVersion: 'v3' as never })).message,
    ).toBe('aliyun: `signatureVersion` is "v3", not one of "acs3", "rpc"');
    expect(
      configError(() =>
        createAwsSnsProvider({
          region: 'us-east-1',
          accessKeyId: 'a',
          secretAccessKey: 'b',
          smsType: 'otp' as never,
        }),
      ).message,
    ).toMatch(/`smsType` is "otp", not one of "Transactional", "Promotional"/);
    expect(
      configError(() =>
        createHuaweiProvider({ appKey: 'k', appSecret: 's', from: '1', digestEncoding: 'hex' as never }),
      ).message,
    ).toMatch(/`digestEncoding` is "hex"/);
    expect(
      configError(() =>
        createSmppProvider({
          url: 'smpp://127.0.0.1:2775',
          systemId: 'a',
          password: 'b',
          sourceAddr: 'ACME',
          encoding: 'utf8' as never,
        }),
      ).message,
    ).toMatch(/`encoding` is "utf8", not one of "auto", "gsm", "ucs2"/);
  });

  it('a Tencent SecretId pasted as smsSdkAppId is caught', () => {
    expect(
      configError(() => createTencentProvider({ secretId: 'AKID1', secretKey: 'k', smsSdkAppId: 'AKID1' }))
        .message,
    ).toMatch(/`smsSdkAppId` must be the numeric SMS application id/);
  });

  it('an AWS region that is not a region name is caught (a pasted endpoint, say)', () => {
    expect(
      configError(() =>
        createAwsSnsProvider({
          region: 'sns.us-east-1.amazonaws.com',
          accessKeyId: 'a',
          secretAccessKey: 'b',
        }),
      ).message,
    ).toMatch(/`region` is not an AWS region name/);
  });
});

describe('SmsSender options', () => {
  const memory = createMemoryProvider();

  it('no options, no providers, or a factory instead of a provider name the fix', () => {
    expect(configError(() => new SmsSender(undefined as never)).message).toMatch(
      /the options object is undefined/,
    );
    expect(configError(() => new SmsSender({ providers: [] })).message).toMatch(/`providers` is empty/);
    expect(configError(() => new SmsSender({ providers: [createMemoryProvider as never] })).message).toMatch(
      /`providers\[0\]` is not a provider .* did you pass the factory instead of calling it\?/,
    );
  });

  it('an unknown strategy name lists the known ones', () => {
    expect(configError(() => new SmsSender({ providers: [memory], strategy: 'weighted' as never }))).toEqual({
      code: 'SMS_CONFIG_INVALID',
      message:
        "Unknown strategy \"weighted\": use 'ordered', 'random' or 'round-robin', or pass a strategy function",
    });
  });

  it('a strategy naming a provider the sender lacks is refused at construction (it routed nothing before)', () => {
    const aliyun = createAliyunProvider({ accessKeyId: 'id', accessKeySecret: 'secret' });
    expect(
      configError(
        () =>
          new SmsSender({
            providers: [aliyun, memory],
            strategy: countryStrategy({ routes: { '+86': ['alyun'], '*': ['memory'] } }),
          }),
      ).message,
    ).toBe(
      'SmsSender: countryStrategy names "alyun", which matches no provider name or kind here (aliyun, memory)',
    );
    expect(
      configError(
        () =>
          new SmsSender({
            providers: [aliyun, memory],
            strategy: weightedRoundRobinStrategy({ tencent: 3 }),
          }),
      ).message,
    ).toMatch(/weightedRoundRobinStrategy names "tencent"/);
    // Kinds count as names, as they do for routing.
    expect(
      () =>
        new SmsSender({ providers: [aliyun, memory], strategy: weightedRoundRobinStrategy({ aliyun: 5 }) }),
    ).not.toThrow();
  });

  it('an unknown phoneValidation is refused', () => {
    expect(
      configError(() => new SmsSender({ providers: [memory], phoneValidation: 'strict' as never })).message,
    ).toBe('SmsSender: `phoneValidation` is "strict", not one of "valid", "possible"');
  });

  it('a regional template key that can never match is refused before any provider is called', async () => {
    const sender = new SmsSender({ providers: [memory] });
    for (const key of ['cn', '+86', 'China']) {
      await expect(
        sender.send({ to: '+8613800138000', template: { id: { [key]: 'SMS_1', default: 'SMS_2' } } }),
      ).rejects.toMatchObject({
        code: 'SMS_CONFIG_INVALID',
        message: expect.stringContaining(JSON.stringify(key)),
      });
    }
    expect(memory.messages).toHaveLength(0);
    await sender.send({
      to: '+8613800138000',
      template: { ids: { memory: { CN: 'SMS_1', default: 'SMS_2' } } },
    });
    expect(memory.messages).toHaveLength(1);
  });
});
