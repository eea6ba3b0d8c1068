import { createManualClock } from '@lingpai/auth-core';
import { createMemoryProvider, SmsSender } from '@lingpai/sms';
import { describe, expect, it } from 'vitest';
import {
  createSmsChannel,
  deliveryReference,
  isOtpError,
  MemoryOtpStore,
  VerificationService,
} from '../src/index.js';
import { SECRET } from './otp-store-contract.js';

describe('SMS channel through @lingpai/sms', () => {
  const setup = () => {
    const primary = createMemoryProvider({ name: 'primary' });
    const backup = createMemoryProvider({ name: 'backup' });
    const sender = new SmsSender({ providers: [primary, backup], circuitBreaker: false });
    const sms = createSmsChannel({
      sender,
      signName: '令牌',
      templates: {
        sign_in: {
          id: { CN: 'SMS_SIGNIN_CN', default: 'SMS_SIGNIN_INTL' },
          content: 'Code {{code}}, valid {{minutes}} min',
        },
        default: { id: '1234567', params: 'positional' },
      },
    });
    const otp = new VerificationService({
      secret: SECRET,
      store: new MemoryOtpStore(),
      clock: createManualClock(1e12),
      channels: { sms },
    });
    return { primary, backup, otp };
  };

  it('sends the purpose template with named params and a delivery reference', async () => {
    const { primary, otp } = setup();
    const { verificationId } = await otp.send({ to: '+86 138 0013 8000', channel: 'sms' });
    const message = primary.last();
    expect(message).toMatchObject({
      to: '+8613800138000',
      templateId: 'SMS_SIGNIN_CN',
      signName: '令牌',
      reference: deliveryReference(verificationId),
      params: { code: expect.stringMatching(/^\d{6}$/), minutes: '10' },
    });
    await otp.verify({ verificationId, code: primary.lastCode() ?? '' });
  });

  it('never hands the provider the verification id (with the code in the text, it would pass verify)', async () => {
    const { primary, otp } = setup();
    const { verificationId } = await otp.send({ to: '+8613800138003', channel: 'sms' });
    expect(JSON.stringify(primary.messages)).not.toContain(verificationId);
    expect(deliveryReference(verificationId)).toMatch(/^[\w-]{22}$/);
  });

  it('falls back to the default template (positional params) for other purposes', async () => {
    const { primary, otp } = setup();
    await otp.send({ to: '+85251234567', channel: 'sms', purpose: 'password_reset' });
    expect(primary.last()).toMatchObject({
      to: '+85251234567',
      templateId: '1234567',
      params: [expect.stringMatching(/^\d{6}$/), '10'],
    });
  });

  it('fails over inside @lingpai/sms; when every provider fails the send is OTP_CHANNEL_FAILED', async () => {
    const { primary, backup, otp } = setup();
    primary.failNext('SMS_PROVIDER_UNAVAILABLE');
    await otp.send({ to: '+8613800138001', channel: 'sms' });
    expect(backup.messages).toHaveLength(1);
    primary.failNext('SMS_INVALID_NUMBER');
    const error = await otp.send({ to: '+8613800138002', channel: 'sms' }).catch((e: unknown) => e);
    expect(isOtpError(error, 'OTP_CHANNEL_FAILED')).toBe(true);
    expect((error as Error).cause).toMatchObject({ code: 'SMS_INVALID_NUMBER' });
    // The failed send lifted the cooldown: a retry goes out at once.
    await otp.send({ to: '+8613800138002', channel: 'sms' });
    expect(primary.last()?.to).toBe('+8613800138002');
  });
});
