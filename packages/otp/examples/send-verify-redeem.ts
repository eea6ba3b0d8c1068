// examples/send-verify-redeem.ts
import { createSmsChannel, VerificationService } from '@lingpai/otp';
import { RedisOtpStore } from '@lingpai/redis';
import { createSandbox, SANDBOX_SMS_DEFAULTS } from '@lingpai/sandbox';
import { createAliyunProvider, SmsSender } from '@lingpai/sms';

// The sandbox stands in for Aliyun SMS here; in production, baseURL is left out.
const sandbox = await createSandbox();
const baseURL = `${await sandbox.listen()}/aliyun`;
const { accessKeyId, accessKeySecret } = SANDBOX_SMS_DEFAULTS.aliyun;
const providers = [createAliyunProvider({ baseURL, accessKeyId, accessKeySecret, signName: '令牌' })];

const store = new RedisOtpStore({ url: process.env.REDIS_URL, keyPrefix: `example:${Date.now()}:` });
const otp = new VerificationService({
  secret: process.env.OTP_SECRET ?? '', // ≥ 32 bytes; keys, hashes and seals derive from it
  store,
  channels: {
    sms: createSmsChannel({
      sender: new SmsSender({ providers }),
      templates: { default: { id: 'SMS_100000001' } },
    }),
  },
  phone: { defaultRegion: 'CN', allowedCountries: ['CN', 'HK'] },
});

const { verificationId, expiresIn, resendAfter } = await otp.send({
  to: '138 0013 8000',
  channel: 'sms',
  ip: '203.0.113.7',
  deviceId: 'device-1',
});
console.log({ expiresIn, resendAfter }); // { expiresIn: 600, resendAfter: 60 }

const code = sandbox.sms.lastCode('+8613800138000') ?? ''; // what the person reads on the phone
const { verificationToken } = await otp.verify({ verificationId, code });
const { recipient, purpose } = await otp.redeem(verificationToken); // once; then sign in
console.log(recipient.address, purpose); // +8613800138000 sign_in

await store.close();
await sandbox.close();
