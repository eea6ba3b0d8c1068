import { createManualClock, type ManualClock } from '@lingpai/auth-core';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  isOtpError,
  MemoryOtpStore,
  type VerificationChannel,
  type VerificationMessage,
  VerificationService,
} from '../src/index.js';
import { rejection, SECRET } from './otp-store-contract.js';

/** A channel whose deliveries wait until the test releases (or fails) them. */
function gatedChannel(): VerificationChannel & {
  sent: VerificationMessage[];
  release(error?: Error): void;
} {
  const sent: VerificationMessage[] = [];
  const waiting: Array<(error?: Error) => void> = [];
  return {
    recipientKind: 'phone',
    sent,
    deliver(message) {
      return new Promise<void>((resolve, reject) => {
        waiting.push((error) => {
          if (error) reject(error);
          else {
            sent.push(message);
            resolve();
          }
        });
      });
    },
    release(error) {
      waiting.shift()?.(error);
    },
  };
}

describe('VerificationService delivery modes', () => {
  let clock: ManualClock;
  let sms: ReturnType<typeof gatedChannel>;
  let otp: VerificationService;

  beforeEach(() => {
    clock = createManualClock(1_750_000_000_000);
    sms = gatedChannel();
    otp = new VerificationService({ secret: SECRET, store: new MemoryOtpStore(), clock, channels: { sms } });
  });

  it("'background' answers before the channel delivers; `delivered` settles after", async () => {
    const result = await otp.send({ to: '+8613800138000', channel: 'sms', delivery: 'background' });
    expect(result.resendAfter).toBe(60);
    expect(sms.sent).toHaveLength(0);
    expect(result.delivered).toBeInstanceOf(Promise);
    sms.release();
    await result.delivered;
    expect(sms.sent).toHaveLength(1);
    const { verificationToken } = await otp.verify({
      verificationId: result.verificationId,
      code: sms.sent[0]?.code ?? '',
    });
    expect((await otp.redeem(verificationToken)).recipient.address).toBe('+8613800138000');
  });

  it("'background': a failed delivery rejects `delivered`, cancels the code and lifts the cooldown", async () => {
    const first = await otp.send({ to: '+8613800138000', channel: 'sms', delivery: 'background' });
    // While delivery is pending the cooldown holds.
    expect(await rejection(otp.send({ to: '+8613800138000', channel: 'sms' }))).toMatchObject({
      code: 'OTP_COOLDOWN',
    });
    sms.release(new Error('provider down'));
    const error = await rejection(first.delivered ?? Promise.resolve());
    expect(isOtpError(error) && error.code).toBe('OTP_CHANNEL_FAILED');
    expect(
      await rejection(otp.verify({ verificationId: first.verificationId, code: '000000' })),
    ).toMatchObject({ code: 'OTP_EXPIRED' });
    const again = await otp.send({ to: '+8613800138000', channel: 'sms', delivery: 'background' });
    sms.release();
    await again.delivered;
    expect(sms.sent).toHaveLength(1);
  });

  it("'none' counts and cools down like a real send but delivers nothing", async () => {
    const result = await otp.send({ to: '+8613800138000', channel: 'sms', delivery: 'none' });
    expect(result.delivered).toBeUndefined();
    expect(result.resendAfter).toBe(60);
    expect(await rejection(otp.send({ to: '+8613800138000', channel: 'sms' }))).toMatchObject({
      code: 'OTP_COOLDOWN',
    });
    sms.release();
    expect(sms.sent).toHaveLength(0);
  });

  it('an unknown delivery mode is refused before anything is counted', async () => {
    const error = await rejection(
      otp.send({ to: '+8613800138000', channel: 'sms', delivery: 'later' as unknown as 'wait' }),
    );
    expect(isOtpError(error) && error.code).toBe('OTP_INVALID_ARGUMENT');
    const sent = await otp.send({ to: '+8613800138000', channel: 'sms', delivery: 'background' });
    sms.release();
    await sent.delivered;
    expect(sms.sent).toHaveLength(1);
  });
});
