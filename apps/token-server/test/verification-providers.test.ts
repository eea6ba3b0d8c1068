import { createSmsChannel } from '@lingpai/otp';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import { SmsSender } from '@lingpai/sms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resolveVerificationSettings,
  type SmsProviderInput,
} from '../src/verification/verification-config.js';

// Each provider kind the config accepts, built from its config entry and sent through the sandbox,
// which checks the real signature, the sign, the template and its parameters.
describe('SMS providers built from the configuration, through the sandbox', () => {
  let sandbox: Sandbox;
  let url = '';
  beforeAll(async () => {
    sandbox = await createSandbox({ sms: { perNumberPerMinute: 0 } });
    url = await sandbox.listen();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const d = SANDBOX_SMS_DEFAULTS;
  const entries = (): Array<[string, SmsProviderInput]> => [
    [
      'aliyun',
      {
        kind: 'aliyun',
        baseURL: `${url}/aliyun`,
        credentials: { accessKeyId: d.aliyun.accessKeyId, accessKeySecret: d.aliyun.accessKeySecret },
        signName: '令牌',
        templates: { default: 'SMS_100000001' },
      },
    ],
    [
      'tencent',
      {
        kind: 'tencent',
        baseURL: `${url}/tencent`,
        credentials: { secretId: d.tencent.secretId, secretKey: d.tencent.secretKey },
        smsSdkAppId: d.tencent.smsSdkAppId,
        signName: '令牌',
        templates: { default: '1235' },
      },
    ],
    [
      'huawei',
      {
        kind: 'huawei',
        baseURL: `${url}/huawei`,
        credentials: { appKey: d.huawei.appKey, appSecret: d.huawei.appSecret },
        from: '8824110605001',
        signName: '令牌',
        templates: { default: '8ff55eac1d0b478ab3c06c3c6a492300' },
      },
    ],
    [
      'volcengine',
      {
        kind: 'volcengine',
        baseURL: `${url}/volcengine`,
        credentials: { accessKeyId: d.volcengine.accessKeyId, secretAccessKey: d.volcengine.secretAccessKey },
        smsAccount: '7a2b3c4d',
        signName: '令牌',
        templates: { default: 'ST_7a2b3c4d' },
      },
    ],
    [
      'twilio',
      {
        kind: 'twilio',
        baseURL: `${url}/twilio`,
        credentials: { accountSid: d.twilio.accountSid, authToken: d.twilio.authToken },
        from: '+15005550006',
      },
    ],
  ];

  it.each([0, 1, 2, 3, 4])(
    'provider %#: the code arrives, signed and templated as the platform wants',
    async (index) => {
      const [kind, entry] = entries()[index] as [string, SmsProviderInput];
      const sms = resolveVerificationSettings({ sms: { providers: [entry] } }).sms;
      if (sms === undefined) throw new Error('sms settings missing');
      const channel = createSmsChannel({
        sender: new SmsSender({ providers: sms.providers }),
        templates: sms.templates,
      });
      const to = `+861380020000${index}`;
      await channel.deliver({
        verificationId: 'AAAAAAAAAAAAAAAAAAAAAA',
        recipient: { kind: 'phone', address: to, country: 'CN' },
        code: `48291${index}`,
        purpose: 'SIGN_IN',
        expiresInSeconds: 600,
      });
      const message = sandbox.sms.last(to);
      expect(message?.provider).toBe(kind);
      expect(sandbox.sms.lastCode(to)).toBe(`48291${index}`);
    },
  );
});
