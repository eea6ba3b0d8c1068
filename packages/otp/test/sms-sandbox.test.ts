// The SMS channel end to end over HTTP: @lingpai/sms's Aliyun provider against the sandbox's Aliyun
// imitation, codes read back from the sandbox inbox as a phone would show them.
import { createManualClock } from '@lingpai/auth-core';
import { RedisOtpStore } from '@lingpai/redis';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import { createAliyunProvider, SmsSender } from '@lingpai/sms';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test-support/ports.js';
import {
  createSmsChannel,
  isOtpError,
  MemoryOtpStore,
  type OtpStore,
  VerificationService,
} from '../src/index.js';
import { rejection, SECRET, unreachableMemoryStore } from './otp-store-contract.js';

let sandbox: Sandbox;
let baseUrl: string;

beforeAll(async () => {
  sandbox = await createSandbox();
  baseUrl = await sandbox.listen();
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.sms.clear();
  sandbox.faults.clear();
});

function service(store: OtpStore = new MemoryOtpStore()): VerificationService {
  const { accessKeyId, accessKeySecret } = SANDBOX_SMS_DEFAULTS.aliyun;
  const sender = new SmsSender({
    providers: [
      createAliyunProvider({ baseURL: `${baseUrl}/aliyun`, accessKeyId, accessKeySecret, signName: '令牌' }),
    ],
    circuitBreaker: false,
  });
  return new VerificationService({
    secret: SECRET,
    store,
    clock: createManualClock(Date.now()),
    channels: { sms: createSmsChannel({ sender, templates: { default: { id: 'SMS_100000001' } } }) },
    phone: { defaultRegion: 'CN', allowedCountries: ['CN'] },
  });
}

describe('SMS channel against the sandbox over HTTP', () => {
  it('the code that reaches the phone verifies, and the token redeems once', async () => {
    const otp = service();
    const { verificationId } = await otp.send({ to: '138 0013 8000', channel: 'sms', ip: '127.0.0.1' });
    const [message, ...more] = sandbox.sms.messages({ to: '+8613800138000' });
    expect(more).toHaveLength(0);
    expect(message).toMatchObject({ provider: 'aliyun', sign: '令牌', templateId: 'SMS_100000001' });
    const code = sandbox.sms.lastCode('+8613800138000') ?? '';
    expect(message?.text).toContain(code);
    const { verificationToken } = await otp.verify({ verificationId, code });
    expect((await otp.redeem(verificationToken)).recipient.address).toBe('+8613800138000');
    expect(isOtpError(await rejection(otp.redeem(verificationToken)), 'OTP_TOKEN_INVALID')).toBe(true);
  });

  it("the provider's refusal is OTP_CHANNEL_FAILED; the cooldown is lifted and a retry goes out", async () => {
    const otp = service();
    sandbox.faults.set('aliyun', { quota: true, times: 1 });
    const error = await rejection(otp.send({ to: '+8613800138001', channel: 'sms' }));
    expect(isOtpError(error, 'OTP_CHANNEL_FAILED')).toBe(true);
    expect(sandbox.sms.messages({ to: '+8613800138001' })).toHaveLength(0);
    const { verificationId } = await otp.send({ to: '+8613800138001', channel: 'sms' });
    await otp.verify({ verificationId, code: sandbox.sms.lastCode('+8613800138001') ?? '' });
  });

  it.each([
    ['memory', () => unreachableMemoryStore()],
    [
      'redis',
      async () =>
        new RedisOtpStore({
          url: `redis://127.0.0.1:${await closedPort()}`,
          clientOptions: { commandTimeoutMs: 200, connectTimeoutMs: 200 },
          timeoutMs: 400,
        }),
    ],
  ])('fails closed with the %s store down: no SMS reaches the provider', async (_, makeStore) => {
    const store = await makeStore();
    try {
      const error = await rejection(service(store).send({ to: '+8613800138002', channel: 'sms' }));
      expect(isOtpError(error, 'OTP_STORE_UNAVAILABLE')).toBe(true);
      expect(sandbox.sms.messages()).toHaveLength(0);
    } finally {
      if (store instanceof RedisOtpStore) await store.close();
    }
  });
});
