// What a user meets when an option or a credential is missing: before, `createApiKeyVerifier`
// without `nonceStore`, `new TokenCache({})` and a signer given `process.env.X` that was unset threw
// "Cannot read properties of undefined" or a bare TypeError from node:crypto, far from the cause.
// Now each is refused where it is passed, with auth-core's typed error naming the field and the fix.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  computeAcs3Authorization,
  computeAliyunRpcSignature,
  computeTwilioSignature,
  createApiKeyVerifier,
  legacyPresets,
  MemoryStore,
  SignatureError,
  signAliyunAcs3,
  signAliyunRpc,
  signApiKeyRequest,
  signAwsSigV4,
  signHuaweiWsse,
  signTencentTc3,
  signVolcengine,
  TokenCache,
  verifyTwilioSignature,
} from '../src/index.js';

/** The error `run` throws (fails the test if it does not throw). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

const unset = process.env['LINGPAI_SURELY_UNSET_VARIABLE']; // undefined, as an unset env var is

describe('signer credentials that are not strings', () => {
  const tcRequest = {
    host: 'sms.tencentcloudapi.com',
    action: 'SendSms',
    version: '2021-01-11',
    payload: '{}',
  };
  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      'Tencent secretKey undefined',
      () => signTencentTc3(tcRequest, { secretId: 'AKID', secretKey: unset as unknown as string }),
      /^signTencentTc3: `secretKey` is undefined — is TENCENTCLOUD_SECRET_KEY set\?$/,
    ],
    [
      'Tencent secretId empty',
      () => signTencentTc3(tcRequest, { secretId: '', secretKey: 'k' }),
      /^signTencentTc3: `secretId` is an empty string — is TENCENTCLOUD_SECRET_ID set\?$/,
    ],
    [
      'Tencent credentials undefined',
      () => signTencentTc3(tcRequest, undefined as never),
      /^signTencentTc3: the credentials are undefined — pass \{ secretId, secretKey \}$/,
    ],
    [
      'Aliyun RPC secret a number',
      () =>
        signAliyunRpc(
          { method: 'POST', params: { Action: 'SendSms' } },
          { accessKeyId: 'LTAI', accessKeySecret: 12345 as unknown as string },
        ),
      /^signAliyunRpc: `accessKeySecret` must be a string, got a number \(12345\)$/,
    ],
    [
      'Aliyun ACS3 key id undefined',
      () =>
        signAliyunAcs3(
          { method: 'POST', host: 'dysmsapi.aliyuncs.com', action: 'SendSms', version: '2017-05-25' },
          { accessKeyId: unset as unknown as string, accessKeySecret: 's' },
        ),
      /^signAliyunAcs3: `accessKeyId` is undefined — is ALIBABA_CLOUD_ACCESS_KEY_ID set\?$/,
    ],
    [
      'computeAliyunRpcSignature secret undefined',
      () => computeAliyunRpcSignature({ Action: 'SendSms' }, 'GET', unset as unknown as string),
      /`accessKeySecret` is undefined — is ALIBABA_CLOUD_ACCESS_KEY_SECRET set\?/,
    ],
    [
      'computeAcs3Authorization secret undefined',
      () => computeAcs3Authorization({ method: 'GET' }, '', 'ak', unset as unknown as string),
      /`accessKeySecret` is undefined/,
    ],
    [
      'AWS secret null',
      () =>
        signAwsSigV4(
          { method: 'GET', url: 'https://sns.us-east-1.amazonaws.com/', service: 'sns', region: 'us-east-1' },
          { accessKeyId: 'AKIA', secretAccessKey: null as unknown as string },
        ),
      /^signAwsSigV4: `secretAccessKey` is null — is AWS_SECRET_ACCESS_KEY set\?$/,
    ],
    [
      'Volcengine secret undefined',
      () =>
        signVolcengine(
          { method: 'POST', host: 'sms.volcengineapi.com', service: 'volcSMS', region: 'cn-north-1' },
          { accessKeyId: 'AK', secretAccessKey: unset as unknown as string },
        ),
      /^signVolcengine: `secretAccessKey` is undefined — is VOLC_SECRETKEY set\?$/,
    ],
    [
      'Huawei appSecret undefined',
      () => signHuaweiWsse({ appKey: 'k', appSecret: unset as unknown as string }),
      /^signHuaweiWsse: `appSecret` is undefined — pass it in the credentials$/,
    ],
    [
      'API-key secret undefined',
      () =>
        signApiKeyRequest(
          { method: 'GET', url: 'https://api.example.com/' },
          { keyId: 'k1', secret: unset as unknown as string },
        ),
      /^signApiKeyRequest: `secret` is undefined/,
    ],
    [
      'legacy preset apiSecret undefined',
      () =>
        legacyPresets.hmacSha256TimestampNonce.sign({
          apiKey: 'k',
          apiSecret: unset as unknown as string,
          timestamp: '1',
          nonce: 'n',
        }),
      /^legacyPresets: `apiSecret` is undefined/,
    ],
    [
      'Twilio computeTwilioSignature authToken undefined',
      () => computeTwilioSignature(unset as unknown as string, 'https://example.com/sms'),
      /^computeTwilioSignature: `authToken` is undefined — is TWILIO_AUTH_TOKEN set\?$/,
    ],
    [
      'Twilio verifyTwilioSignature authToken undefined (was: every webhook silently "invalid")',
      () =>
        verifyTwilioSignature({
          authToken: unset as unknown as string,
          url: 'https://example.com/sms',
          signature: 'x',
        }),
      /^verifyTwilioSignature: `authToken` is undefined — is TWILIO_AUTH_TOKEN set\?$/,
    ],
  ];
  for (const [name, run, message] of cases) {
    it(`${name}: SIGNATURE_MISSING_CREDENTIALS naming the field and its source`, () => {
      const error = thrown(run);
      expect(error).toBeInstanceOf(SignatureError);
      expect((error as SignatureError).code).toBe('SIGNATURE_MISSING_CREDENTIALS');
      expect(error.message).toMatch(message);
    });
  }

  it('never echoes a wrong-typed credential that is a string elsewhere (it may be a secret)', () => {
    const error = thrown(() =>
      signTencentTc3(tcRequest, { secretId: 'AKID', secretKey: ['s3cr3t-value'] as unknown as string }),
    );
    expect(error.message).toBe('signTencentTc3: `secretKey` must be a string, got an array');
  });

  it('a missing request field is SIGNATURE_INVALID_INPUT naming it', () => {
    const error = thrown(() =>
      signTencentTc3({ ...tcRequest, host: unset as unknown as string }, { secretId: 'a', secretKey: 'b' }),
    );
    expect((error as SignatureError).code).toBe('SIGNATURE_INVALID_INPUT');
    expect(error.message).toBe('signTencentTc3: `host` is undefined, expected a non-empty string');
    const noRequest = thrown(() =>
      signAliyunRpc(undefined as never, { accessKeyId: 'a', accessKeySecret: 'b' }),
    );
    expect(noRequest.message).toBe('signAliyunRpc: the request is undefined, expected an object');
  });
});

describe('createApiKeyVerifier options', () => {
  const base = {
    hosts: ['api.example.com'],
    lookupSecret: async () => 's',
    nonceStore: new MemoryStore(),
  };

  it('without nonceStore: CONFIG_INVALID naming nonceStore and what to pass (was a TypeError)', () => {
    const { nonceStore: _omitted, ...withoutStore } = base;
    const error = thrown(() => createApiKeyVerifier(withoutStore as never));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    expect((error as ConfigError).option).toBe('nonceStore');
    expect(error.message).toMatch(/^createApiKeyVerifier: `nonceStore` is undefined — it is required/);
    expect(error.message).toMatch(/new MemoryStore\(\)/);
  });

  it('without hosts: CONFIG_INVALID saying it is required, with an example', () => {
    const { hosts: _omitted, ...withoutHosts } = base;
    const error = thrown(() => createApiKeyVerifier(withoutHosts as never));
    expect((error as ConfigError).option).toBe('hosts');
    expect(error.message).toMatch(/`hosts` is undefined — it is required.*hosts: \['api\.example\.com'\]/);
    expect((thrown(() => createApiKeyVerifier({ ...base, hosts: [''] })) as ConfigError).option).toBe(
      'hosts',
    );
  });

  it('without lookupSecret, or without any options', () => {
    const { lookupSecret: _omitted, ...withoutLookup } = base;
    expect((thrown(() => createApiKeyVerifier(withoutLookup as never)) as ConfigError).option).toBe(
      'lookupSecret',
    );
    const none = thrown(() => createApiKeyVerifier(undefined as never));
    expect(none).toBeInstanceOf(ConfigError);
    expect(none.message).toMatch(/pass \{ hosts, lookupSecret, nonceStore \}/);
  });
});

describe('TokenCache options', () => {
  const fetchToken = async () => ({ token: 't', expiresIn: 7200 });

  it('without key: CONFIG_INVALID naming key and what it should be (was "Cannot read properties")', () => {
    const error = thrown(() => new TokenCache({ fetchToken } as never));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('key');
    expect(error.message).toMatch(/^TokenCache: `key` is undefined — pass the credential's identity/);
  });

  it('without fetchToken, with no options, or with a store that is not one', () => {
    const noFetch = thrown(() => new TokenCache({ key: 'k' } as never));
    expect((noFetch as ConfigError).option).toBe('fetchToken');
    expect(noFetch.message).toMatch(/`fetchToken` is undefined — pass \(\{ signal \}\) =>/);
    expect((thrown(() => new TokenCache(undefined as never)) as ConfigError).option).toBe('options');
    const badStore = thrown(() => new TokenCache({ key: 'k', fetchToken, store: {} as never }));
    expect((badStore as ConfigError).option).toBe('store');
    const badLock = thrown(() => new TokenCache({ key: 'k', fetchToken, lock: {} as never }));
    expect((badLock as ConfigError).option).toBe('lock');
  });

  it('a bad number names the option and the range', () => {
    const error = thrown(() => new TokenCache({ key: 'k', fetchToken, retry: { attempts: 0 } }));
    expect((error as ConfigError).option).toBe('retry.attempts');
    expect(error.message).toMatch(/`retry.attempts` must be a number >= 1/);
  });
});

describe('MemoryStore options', () => {
  it('maxEntries that is not a positive integer is CONFIG_INVALID', () => {
    const error = thrown(() => new MemoryStore({ maxEntries: 0 }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('maxEntries');
  });
});
