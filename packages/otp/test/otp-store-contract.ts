// One contract for every OtpStore: run by otp-store.test.ts against MemoryOtpStore and RedisOtpStore.
import { createManualClock, type ManualClock, StoreUnavailableError } from '@lingpai/auth-core';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  isOtpError,
  type OtpStore,
  type VerificationChannel,
  type VerificationMessage,
  VerificationService,
  type VerificationServiceOptions,
} from '../src/index.js';

export interface OtpStoreFactory {
  /** A fresh, empty store (for Redis: a unique key prefix). */
  create(): Promise<OtpStore> | OtpStore;
  /** A store whose backend cannot be reached. */
  unreachable(): OtpStore;
}

export const SECRET = 'test-secret-0123456789abcdef-0123456789';

/** Stands in for a backend that cannot be reached, the way a real store reports it. */
export function unreachableMemoryStore(): OtpStore {
  const down = async (): Promise<never> => {
    throw new StoreUnavailableError('memory backend switched off');
  };
  return {
    createVerification: down,
    attempt: down,
    cancelVerification: down,
    redeemToken: down,
  };
}

/** A real channel that keeps what it delivered, like an inbox. */
export function inboxChannel(
  kind: 'phone' | 'email' = 'phone',
): VerificationChannel & { sent: VerificationMessage[] } {
  const sent: VerificationMessage[] = [];
  return {
    recipientKind: kind,
    sent,
    async deliver(message) {
      sent.push(message);
    },
  };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

export function otpStoreContract(name: string, factory: OtpStoreFactory): void {
  describe(`${name}: OtpStore contract`, () => {
    let clock: ManualClock;
    let store: OtpStore;
    let sms: ReturnType<typeof inboxChannel>;
    const service = (options: Partial<VerificationServiceOptions> = {}) =>
      new VerificationService({ secret: SECRET, store, clock, channels: { sms }, ...options });
    const lastCode = () => sms.sent.at(-1)?.code ?? '';

    beforeEach(async () => {
      clock = createManualClock(1_750_000_000_000);
      store = await factory.create();
      sms = inboxChannel();
    });

    it('send -> verify -> redeem, once', async () => {
      const otp = service();
      const sent = await otp.send({ to: '+86 138-0013-8000', channel: 'sms', ip: '203.0.113.9' });
      expect(sent).toEqual({
        verificationId: expect.stringMatching(/^[\w-]{22}$/),
        expiresIn: 600,
        resendAfter: 60,
      });
      expect(sms.sent[0]?.recipient).toEqual({ kind: 'phone', address: '+8613800138000', country: 'CN' });
      expect(lastCode()).toMatch(/^\d{6}$/);
      const verified = await otp.verify({ verificationId: sent.verificationId, code: lastCode() });
      expect(verified.expiresIn).toBe(300);
      const redeemed = await otp.redeem(verified.verificationToken);
      expect(redeemed).toEqual({
        recipient: { kind: 'phone', address: '+8613800138000', country: 'CN' },
        purpose: 'sign_in',
        channel: 'sms',
        verificationId: sent.verificationId,
      });
      const again = await rejection(otp.redeem(verified.verificationToken));
      expect(isOtpError(again, 'OTP_TOKEN_INVALID')).toBe(true);
      const reuse = await rejection(otp.verify({ verificationId: sent.verificationId, code: lastCode() }));
      expect(reuse).toMatchObject({ code: 'OTP_EXPIRED', details: { reason: 'used' } });
    });

    it('wrong codes count down, then the code is dead even for the right answer', async () => {
      const otp = service();
      const { verificationId } = await otp.send({ to: '+8613800138001', channel: 'sms' });
      const wrong = lastCode() === '000000' ? '111111' : '000000';
      for (const left of [4, 3, 2, 1, 0]) {
        const error = await rejection(otp.verify({ verificationId, code: wrong }));
        expect(error).toMatchObject({ code: 'OTP_WRONG_CODE', details: { attemptsLeft: left } });
      }
      const dead = await rejection(otp.verify({ verificationId, code: lastCode() }));
      expect(isOtpError(dead, 'OTP_TOO_MANY_ATTEMPTS')).toBe(true);
    });

    it('100 concurrent wrong guesses are counted exactly 100 times', async () => {
      const otp = service({ maxAttempts: 1000 });
      const { verificationId } = await otp.send({ to: '+8613800138002', channel: 'sms' });
      const wrong = lastCode() === '000000' ? '111111' : '000000';
      const errors = await Promise.all(
        Array.from({ length: 100 }, () => rejection(otp.verify({ verificationId, code: wrong }))),
      );
      const left = errors
        .map((e) => (e as { details: { attemptsLeft: number } }).details.attemptsLeft)
        .sort((a, b) => a - b);
      expect(left).toEqual(Array.from({ length: 100 }, (_, i) => 900 + i));
    });

    it('100 concurrent wrong guesses: at most the limit get an answer, the rest are refused', async () => {
      const otp = service();
      const { verificationId } = await otp.send({ to: '+8613800138003', channel: 'sms' });
      const wrong = lastCode() === '000000' ? '111111' : '000000';
      const errors = await Promise.all(
        Array.from({ length: 100 }, () => rejection(otp.verify({ verificationId, code: wrong }))),
      );
      const codes = errors.map((e) => (e as { code: string }).code);
      expect(codes.filter((c) => c === 'OTP_WRONG_CODE')).toHaveLength(5);
      expect(codes.filter((c) => c === 'OTP_TOO_MANY_ATTEMPTS')).toHaveLength(95);
    });

    it('50 concurrent right answers yield exactly one token', async () => {
      const otp = service({ maxAttempts: 100 });
      const { verificationId } = await otp.send({ to: '+8613800138004', channel: 'sms' });
      const code = lastCode();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => otp.verify({ verificationId, code })),
      );
      const tokens = results.filter((r) => r.status === 'fulfilled');
      expect(tokens).toHaveLength(1);
      const failures = results
        .filter((r) => r.status === 'rejected')
        .map((r) => (r as PromiseRejectedResult).reason);
      expect(failures.every((e) => isOtpError(e, 'OTP_EXPIRED'))).toBe(true);
    });

    it('a token is redeemed once under concurrency', async () => {
      const otp = service();
      const { verificationId } = await otp.send({ to: '+8613800138005', channel: 'sms' });
      const { verificationToken } = await otp.verify({ verificationId, code: lastCode() });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => otp.redeem(verificationToken)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('expires on the injected clock; tokens too', async () => {
      const otp = service();
      const first = await otp.send({ to: '+8613800138006', channel: 'sms' });
      clock.advance(600_000);
      const error = await rejection(otp.verify({ verificationId: first.verificationId, code: lastCode() }));
      expect(error).toMatchObject({ code: 'OTP_EXPIRED', details: { reason: 'expired' } });
      const second = await otp.send({ to: '+8613800138006', channel: 'sms' });
      clock.advance(599_999);
      const { verificationToken } = await otp.verify({
        verificationId: second.verificationId,
        code: lastCode(),
      });
      clock.advance(300_000);
      expect(isOtpError(await rejection(otp.redeem(verificationToken)), 'OTP_TOKEN_INVALID')).toBe(true);
    });

    it('only the latest code for a recipient and purpose is valid', async () => {
      const otp = service({ cooldownSeconds: 0 });
      const first = await otp.send({ to: '+8613800138007', channel: 'sms' });
      const firstCode = lastCode();
      const other = await otp.send({ to: '+8613800138007', channel: 'sms', purpose: 'password_reset' });
      const otherCode = lastCode();
      const second = await otp.send({ to: '+8613800138007', channel: 'sms' });
      const stale = await rejection(otp.verify({ verificationId: first.verificationId, code: firstCode }));
      expect(stale).toMatchObject({ code: 'OTP_EXPIRED', details: { reason: 'superseded' } });
      // Another purpose keeps its own latest code.
      await otp.verify({ verificationId: other.verificationId, code: otherCode });
      await otp.verify({ verificationId: second.verificationId, code: sms.sent[2]?.code ?? '' });
    });

    it('resend cooldown is enforced by the store, with seconds left', async () => {
      const otp = service();
      await otp.send({ to: '+8613800138008', channel: 'sms' });
      clock.advance(45_500);
      const error = await rejection(
        otp.send({ to: '+86 138 0013 8008', channel: 'sms', purpose: 'register' }),
      );
      expect(error).toMatchObject({ code: 'OTP_COOLDOWN', details: { retryAfterSeconds: 15 } });
      expect(sms.sent).toHaveLength(1);
      clock.advance(14_500);
      await otp.send({ to: '+8613800138008', channel: 'sms' });
      expect(sms.sent).toHaveLength(2);
    });

    it('per-recipient caps: 5/hour, 10/day, refused sends do not count', async () => {
      const otp = service();
      const to = '+8613800138009';
      for (let i = 0; i < 5; i += 1) {
        await otp.send({ to, channel: 'sms' });
        clock.advance(60_000);
      }
      for (let i = 0; i < 3; i += 1) {
        const error = await rejection(otp.send({ to, channel: 'sms' }));
        expect(error).toMatchObject({
          code: 'OTP_CAP_REACHED',
          details: { limit: 'recipient', retryAfterSeconds: 3600 - 300 },
        });
      }
      clock.advance(3600_000 - 300_000);
      for (let i = 0; i < 5; i += 1) {
        await otp.send({ to, channel: 'sms' });
        clock.advance(60_000);
      }
      const daily = await rejection(otp.send({ to, channel: 'sms' }));
      expect(daily).toMatchObject({ code: 'OTP_CAP_REACHED', details: { limit: 'recipient' } });
      expect((daily as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds).toBeGreaterThan(
        3600,
      );
      expect(sms.sent).toHaveLength(10);
    });

    it('per-IP caps count IPv6 per /64', async () => {
      const otp = service({ limits: { perIp: [{ max: 2, windowSeconds: 3600 }] } });
      await otp.send({ to: '+8613800138010', channel: 'sms', ip: '2001:db8:1:2::1' });
      await otp.send({ to: '+8613800138011', channel: 'sms', ip: '2001:db8:1:2:ffff::9' });
      const error = await rejection(
        otp.send({ to: '+8613800138012', channel: 'sms', ip: '2001:db8:1:2:abcd:1:2:3' }),
      );
      expect(error).toMatchObject({ code: 'OTP_CAP_REACHED', details: { limit: 'ip' } });
      await otp.send({ to: '+8613800138012', channel: 'sms', ip: '2001:db8:1:3::1' });
      // The refused request consumed nothing for its recipient.
      expect(sms.sent.map((m) => m.recipient.address)).toEqual([
        '+8613800138010',
        '+8613800138011',
        '+8613800138012',
      ]);
    });

    it('attack: 200 concurrent sends from one IPv6 /56, each from its own /64, stop at the /56 cap (40)', async () => {
      const otp = service();
      // 2001:db8:aa00:0000::/64 ... 2001:db8:aa00:00c7::/64: 200 of the /56's 256 /64s, one send each,
      // so the per-/64 cap (20/hour) never fires.
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) =>
          otp.send({
            to: `+861380014${String(i).padStart(4, '0')}`,
            channel: 'sms',
            ip: `2001:db8:aa00:${i.toString(16)}::1`,
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(40);
      const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
      expect(refused.every((e) => isOtpError(e, 'OTP_CAP_REACHED') && e.details.limit === 'ip/56')).toBe(
        true,
      );
      expect(sms.sent).toHaveLength(40);
      // Another network is not affected, and the refused sends counted nothing for their numbers.
      await otp.send({ to: '+8613800149999', channel: 'sms', ip: '2001:db8:bb00::1' });
    });

    it('attack: 150 sends from one /48, each from its own /56, stop at the /48 cap (100/hour)', async () => {
      const otp = service();
      let sent = 0;
      let refusedBy = '';
      for (let i = 0; i < 150; i += 1) {
        try {
          await otp.send({
            to: `+861380015${String(i).padStart(4, '0')}`,
            channel: 'sms',
            ip: `2001:db8:cc:${(i << 8).toString(16)}::1`,
          });
          sent += 1;
        } catch (error) {
          refusedBy = (error as { details: { limit: string } }).details.limit;
        }
      }
      expect(sent).toBe(100);
      expect(refusedBy).toBe('ip/48');
    });

    it('50 concurrent sends to one recipient: exactly one passes the cooldown', async () => {
      const otp = service();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => otp.send({ to: '+8613800138013', channel: 'sms' })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(sms.sent).toHaveLength(1);
    });

    it('concurrent sends never exceed a cap', async () => {
      const otp = service({ cooldownSeconds: 0, limits: { global: [{ max: 7, windowSeconds: 60 }] } });
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          otp.send({ to: `+86138001381${String(i).padStart(2, '0')}`, channel: 'sms' }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
      expect(sms.sent).toHaveLength(7);
    });

    it('a failed delivery lifts the cooldown and kills the code, but stays counted', async () => {
      const failing: VerificationChannel = {
        recipientKind: 'phone',
        async deliver() {
          throw new Error('provider down');
        },
      };
      const otp = service({
        channels: { sms, failing },
        limits: { perRecipient: [{ max: 2, windowSeconds: 3600 }] },
      });
      const error = await rejection(otp.send({ to: '+8613800138014', channel: 'failing' }));
      expect(isOtpError(error, 'OTP_CHANNEL_FAILED')).toBe(true);
      await otp.send({ to: '+8613800138014', channel: 'sms' });
      clock.advance(60_000);
      expect(await rejection(otp.send({ to: '+8613800138014', channel: 'sms' }))).toMatchObject({
        code: 'OTP_CAP_REACHED',
      });
    });

    it('fails closed when the store is unreachable: nothing is sent', async () => {
      store = factory.unreachable();
      const otp = service();
      const error = await rejection(otp.send({ to: '+8613800138015', channel: 'sms' }));
      expect(error).toMatchObject({ code: 'OTP_STORE_UNAVAILABLE', retryable: true });
      expect((error as Error).cause).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(sms.sent).toHaveLength(0);
      const verify = await rejection(otp.verify({ verificationId: 'a'.repeat(22), code: '123456' }));
      expect(isOtpError(verify, 'OTP_STORE_UNAVAILABLE')).toBe(true);
      const redeem = await rejection(otp.redeem('a'.repeat(43)));
      expect(isOtpError(redeem, 'OTP_STORE_UNAVAILABLE')).toBe(true);
    });
  });
}
