import { createManualClock, LingpaiError, type ManualClock } from '@lingpai/auth-core';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CODE_ALPHABETS,
  foldEmailForLimits,
  generateCode,
  ipRateLimitKey,
  isOtpError,
  MemoryOtpStore,
  normalizeEmail,
  normalizePhone,
  OtpError,
  type OtpStore,
  type RiskContext,
  type VerificationChannel,
  VerificationService,
  type VerificationServiceOptions,
} from '../src/index.js';
import { inboxChannel, rejection, SECRET } from './otp-store-contract.js';

describe('VerificationService', () => {
  let clock: ManualClock;
  let sms: ReturnType<typeof inboxChannel>;
  let email: ReturnType<typeof inboxChannel>;
  const service = (options: Partial<VerificationServiceOptions> = {}) =>
    new VerificationService({
      secret: SECRET,
      store: new MemoryOtpStore(),
      clock,
      channels: { sms, email },
      ...options,
    });

  beforeEach(() => {
    clock = createManualClock(1_750_000_000_000);
    sms = inboxChannel('phone');
    email = inboxChannel('email');
  });

  it('re-formatted numbers and re-cased emails share one cooldown and one set of caps', async () => {
    const otp = service();
    await otp.send({ to: '+8613800138000', channel: 'sms' });
    for (const to of ['+86 138 0013 8000', '0086-138-0013-8000', '+86 (138) 0013-8000']) {
      expect(await rejection(otp.send({ to, channel: 'sms' }))).toMatchObject({ code: 'OTP_COOLDOWN' });
    }
    await otp.send({ to: 'Zhang.San@Example.COM', channel: 'email' });
    expect(await rejection(otp.send({ to: ' zhang.san@example.com ', channel: 'email' }))).toMatchObject({
      code: 'OTP_COOLDOWN',
    });
  });

  it('attack: alice+1@ ... alice+6@ share one per-recipient cap (5/hour), not six', async () => {
    const otp = service({ cooldownSeconds: 0 });
    for (let i = 1; i <= 5; i += 1) await otp.send({ to: `alice+${i}@example.com`, channel: 'email' });
    expect(await rejection(otp.send({ to: 'alice+6@example.com', channel: 'email' }))).toMatchObject({
      code: 'OTP_CAP_REACHED',
      details: { limit: 'recipient' },
    });
    expect(await rejection(otp.send({ to: 'Alice@Example.com', channel: 'email' }))).toMatchObject({
      code: 'OTP_CAP_REACHED',
      details: { limit: 'recipient' },
    });
    await otp.send({ to: 'bob+1@example.com', channel: 'email' });
  });

  it("attack: Gmail's dotted spellings and googlemail.com share one cooldown", async () => {
    const otp = service();
    await otp.send({ to: 'alicesmith@gmail.com', channel: 'email' });
    for (const to of [
      'alice.smith@gmail.com',
      'A.L.I.C.E.S.M.I.T.H@gmail.com',
      'alicesmith@googlemail.com',
      'alice.smith+otp@googlemail.com',
    ]) {
      expect(await rejection(otp.send({ to, channel: 'email' }))).toMatchObject({ code: 'OTP_COOLDOWN' });
    }
    // Dots matter outside Gmail (Outlook, Workspace domains): a different mailbox, its own cooldown.
    await otp.send({ to: 'alice.smith@example.com', channel: 'email' });
    await otp.send({ to: 'alicesmith@example.com', channel: 'email' });
    expect(email.sent).toHaveLength(3);
  });

  it('the code goes to, and redeem proves, the address as typed; the folded form only counts', async () => {
    const otp = service({ cooldownSeconds: 0 });
    const first = await otp.send({ to: 'Alice.Smith+Shop@GoogleMail.com', channel: 'email' });
    const firstCode = email.sent[0]?.code ?? '';
    expect(email.sent[0]?.recipient).toEqual({ kind: 'email', address: 'alice.smith+shop@googlemail.com' });
    // A code for another spelling of the same mailbox supersedes it ("use the most recent code")...
    const second = await otp.send({ to: 'alicesmith@gmail.com', channel: 'email' });
    expect(
      await rejection(otp.verify({ verificationId: first.verificationId, code: firstCode })),
    ).toMatchObject({
      code: 'OTP_EXPIRED',
      details: { reason: 'superseded' },
    });
    // ...and the first spelling's code does not verify the second's id.
    const wrong = firstCode === email.sent[1]?.code ? '000000' : firstCode;
    expect(await rejection(otp.verify({ verificationId: second.verificationId, code: wrong }))).toMatchObject(
      {
        code: 'OTP_WRONG_CODE',
      },
    );
    const { verificationToken } = await otp.verify({
      verificationId: second.verificationId,
      code: email.sent[1]?.code ?? '',
    });
    expect((await otp.redeem(verificationToken)).recipient).toEqual({
      kind: 'email',
      address: 'alicesmith@gmail.com',
    });
    const third = await otp.send({ to: 'alice.smith+shop@googlemail.com', channel: 'email' });
    const { verificationToken: typed } = await otp.verify({
      verificationId: third.verificationId,
      code: email.sent[2]?.code ?? '',
    });
    expect((await otp.redeem(typed)).recipient.address).toBe('alice.smith+shop@googlemail.com');
  });

  it('national numbers need a default region', async () => {
    expect(await rejection(service().send({ to: '13800138000', channel: 'sms' }))).toMatchObject({
      code: 'OTP_INVALID_RECIPIENT',
    });
    await service({ phone: { defaultRegion: 'CN' } }).send({ to: '13800138000', channel: 'sms' });
    expect(sms.sent[0]?.recipient.address).toBe('+8613800138000');
  });

  it('country allow-list', async () => {
    const otp = service({ phone: { allowedCountries: ['cn', 'HK'] } });
    await otp.send({ to: '+85251234567', channel: 'sms' });
    const error = await rejection(otp.send({ to: '+12015550123', channel: 'sms' }));
    expect(isOtpError(error, 'OTP_COUNTRY_NOT_ALLOWED')).toBe(true);
    expect(sms.sent).toHaveLength(1);
    // Email is not subject to the phone allow-list.
    await otp.send({ to: 'a@example.org', channel: 'email' });
  });

  it("per-country cap: a walk through one country's numbers stops, other countries still get codes", async () => {
    const otp = service({ limits: { perCountry: [{ max: 2, windowSeconds: 3600 }] } });
    await otp.send({ to: '+12015550121', channel: 'sms' });
    await otp.send({ to: '+12015550122', channel: 'sms' });
    expect(await rejection(otp.send({ to: '+12015550123', channel: 'sms' }))).toMatchObject({
      code: 'OTP_CAP_REACHED',
      details: { limit: 'country', retryAfterSeconds: 3600 },
    });
    await otp.send({ to: '+8613800138000', channel: 'sms' });
    await otp.send({ to: 'a@example.org', channel: 'email' });
    expect(sms.sent.map((m) => m.recipient.address)).toEqual([
      '+12015550121',
      '+12015550122',
      '+8613800138000',
    ]);
  });

  it('IPv6 aggregates only: 30 sends from one IPv4 /24 (a CGNAT pool) all pass', async () => {
    const otp = service();
    for (let i = 1; i <= 30; i += 1) {
      await otp.send({ to: `+86138002${String(i).padStart(5, '0')}`, channel: 'sms', ip: `198.51.100.${i}` });
    }
    // IPv4-mapped IPv6 is IPv4 too: no /56 counter for ::ffff:198.51.100.x.
    for (let i = 31; i <= 60; i += 1) {
      await otp.send({
        to: `+86138002${String(i).padStart(5, '0')}`,
        channel: 'sms',
        ip: `::ffff:198.51.100.${i}`,
      });
    }
    expect(sms.sent).toHaveLength(60);
  });

  it('IPv6 aggregate caps are configurable; a prefix not coarser than the per-IP one is refused', async () => {
    const otp = service({
      limits: { perIpv6Prefix: [{ prefixLength: 32, max: 3, windowSeconds: 60 }] },
    });
    for (const [n, ip] of ['2001:db8:1::1', '2001:db8:2::1', '2001:db8:3::1'].entries()) {
      await otp.send({ to: `+861380013900${n}`, channel: 'sms', ip });
    }
    expect(
      await rejection(otp.send({ to: '+8613800139999', channel: 'sms', ip: '2001:db8:ffff::1' })),
    ).toMatchObject({
      code: 'OTP_CAP_REACHED',
      details: { limit: 'ip/32', retryAfterSeconds: 60 },
    });
    expect(() =>
      service({ limits: { perIpv6Prefix: [{ prefixLength: 64, max: 1, windowSeconds: 60 }] } }),
    ).toThrow(/prefixLength/);
    expect(() =>
      service({
        limits: { ipv6PrefixLength: 48, perIpv6Prefix: [{ prefixLength: 56, max: 1, windowSeconds: 60 }] },
      }),
    ).toThrow(/coarser/);
    expect(() =>
      service({
        limits: {
          perIpv6Prefix: [
            { prefixLength: 48, max: 1, windowSeconds: 60 },
            { prefixLength: 48, max: 2, windowSeconds: 60 },
          ],
        },
      }),
    ).toThrow(/one window/);
    // A coarser per-IP prefix keeps the default aggregates that are still coarser (here /48 only).
    const per56 = service({ limits: { ipv6PrefixLength: 56, perIp: [{ max: 50, windowSeconds: 3600 }] } });
    for (let i = 0; i < 100; i += 1) {
      await per56.send({
        to: `+861380016${String(i).padStart(4, '0')}`,
        channel: 'sms',
        ip: `2001:db8:dd:${(i << 8).toString(16)}::1`,
      });
    }
    expect(
      await rejection(per56.send({ to: '+8613800169999', channel: 'sms', ip: '2001:db8:dd:ff00::1' })),
    ).toMatchObject({ details: { limit: 'ip/48' } });
  });

  it('attack: SMS pumping one country with fresh numbers and fresh IPs stops at the default country cap', async () => {
    const otp = service();
    let accepted = 0;
    let refused: unknown;
    // Every request has a new number and a new IPv4 address: no per-recipient or per-IP cap fires.
    for (let i = 0; i < 210 && refused === undefined; i += 1) {
      await otp
        .send({
          to: `+1201555${String(i).padStart(4, '0')}`,
          channel: 'sms',
          ip: `203.0.${i >> 8}.${i & 255}`,
        })
        .then(
          () => {
            accepted += 1;
          },
          (error: unknown) => {
            refused = error;
          },
        );
    }
    expect(accepted).toBe(200);
    expect(refused).toMatchObject({ code: 'OTP_CAP_REACHED', details: { limit: 'country' } });
    // Other countries keep their own budget; an override lifts the home country.
    await otp.send({ to: '+8613800138000', channel: 'sms' });
    const home = service({ limits: { perCountryOverrides: { us: [{ max: 5000, windowSeconds: 3600 }] } } });
    for (let i = 0; i < 201; i += 1) {
      await home.send({
        to: `+1201556${String(i).padStart(4, '0')}`,
        channel: 'sms',
        ip: `203.1.${i >> 8}.${i & 255}`,
      });
    }
    expect(() => service({ limits: { perCountryOverrides: { USA: [] } } })).toThrow(/ISO 3166/);
    expect(() => service({ limits: { perCountryOverrides: { us: [], US: [] } } })).toThrow(/distinct/);
  });

  it('the global cap is per channel: an email flood (1,000/hour) does not stop SMS', async () => {
    const otp = service({ limits: { perIp: [] } });
    for (let i = 0; i < 1000; i += 1) await otp.send({ to: `user${i}@example.com`, channel: 'email' });
    expect(await rejection(otp.send({ to: 'user1000@example.com', channel: 'email' }))).toMatchObject({
      code: 'OTP_CAP_REACHED',
      details: { limit: 'global' },
    });
    await otp.send({ to: '+8613800138000', channel: 'sms' });
    expect(sms.sent).toHaveLength(1);
  });

  it('risk hook: captcha demanded, then satisfied; deny; nothing counted before it allows', async () => {
    const seen: RiskContext[] = [];
    const otp = service({
      riskCheck: (context) => {
        seen.push(context);
        if (context.ip === '192.0.2.66') return 'deny';
        return context.captchaToken === 'solved' ? 'allow' : 'captcha';
      },
    });
    const request = { to: '+8613800138000', channel: 'sms', ip: '2001:db8::1', deviceId: 'dev-1' };
    expect(await rejection(otp.send(request))).toMatchObject({ code: 'OTP_CAPTCHA_REQUIRED' });
    expect(sms.sent).toHaveLength(0);
    await otp.send({ ...request, captchaToken: 'solved' });
    expect(seen[1]).toMatchObject({
      channel: 'sms',
      purpose: 'sign_in',
      recipient: { kind: 'phone', address: '+8613800138000', country: 'CN' },
      ip: '2001:db8::1',
      ipKey: '2001:db8:0:0:0:0:0:0/64',
      deviceId: 'dev-1',
      captchaToken: 'solved',
    });
    expect(seen[1]?.recipientKey).toMatch(/^[\w-]{22}$/);
    expect(
      await rejection(
        otp.send({ ...request, to: '+8613800138001', ip: '192.0.2.66', captchaToken: 'solved' }),
      ),
    ).toMatchObject({
      code: 'OTP_RISK_DENIED',
    });
  });

  it('test recipients get a fixed code, no delivery and no caps; off by default', async () => {
    const otp = service({ testRecipients: [{ channel: 'sms', to: '+86 138 0000 0000', code: '246810' }] });
    for (let i = 0; i < 12; i += 1) {
      const { verificationId, resendAfter } = await otp.send({ to: '+8613800000000', channel: 'sms' });
      expect(resendAfter).toBe(0);
      const { verificationToken } = await otp.verify({ verificationId, code: '246810' });
      expect((await otp.redeem(verificationToken)).recipient.address).toBe('+8613800000000');
    }
    expect(sms.sent).toHaveLength(0);
    await service().send({ to: '+8613800000000', channel: 'sms' });
    expect(sms.sent).toHaveLength(1);
    expect(() =>
      service({ testRecipients: [{ channel: 'sms', to: '+8613800000000', code: '123' }] }),
    ).toThrow(/length/);
  });

  it('letters and mixed codes; input is case- and space-insensitive', async () => {
    const otp = service({ codeAlphabet: 'mixed', codeLength: 8 });
    const { verificationId } = await otp.send({ to: '+8613800138000', channel: 'sms' });
    const code = sms.sent[0]?.code ?? '';
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    const typed = `${code.slice(0, 4).toLowerCase()} ${code.slice(4)}`;
    await otp.verify({ verificationId, code: typed });
  });

  it('full-width digits from a CJK input method are the same code, not a wasted attempt', async () => {
    const otp = service();
    const { verificationId } = await otp.send({ to: '+8613800138000', channel: 'sms' });
    const code = sms.sent[0]?.code ?? '';
    const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
    await otp.verify({ verificationId, code: `${fullWidth.slice(0, 3)}\u3000${fullWidth.slice(3)}` });
  });

  it('redeem can insist on the purpose; a forged or tampered token is refused', async () => {
    const otp = service();
    const { verificationId } = await otp.send({ to: '+8613800138000', channel: 'sms', purpose: 'register' });
    const { verificationToken } = await otp.verify({ verificationId, code: sms.sent[0]?.code ?? '' });
    const forged = `${verificationToken.slice(0, -1)}${verificationToken.endsWith('A') ? 'B' : 'A'}`;
    expect(isOtpError(await rejection(otp.redeem(forged)), 'OTP_TOKEN_INVALID')).toBe(true);
    expect(
      isOtpError(await rejection(otp.redeem(verificationToken, { purpose: 'sign_in' })), 'OTP_TOKEN_INVALID'),
    ).toBe(true);
    expect(isOtpError(await rejection(otp.redeem('short')), 'OTP_TOKEN_INVALID')).toBe(true);
  });

  it('every verification token is fresh, across refills of the random pool', async () => {
    const otp = service({ cooldownSeconds: 0, limits: { perRecipient: [], perIp: [] } });
    const tokens = new Set<string>();
    for (let i = 0; i < 150; i += 1) {
      const { verificationId } = await otp.send({ to: `user${i}@example.com`, channel: 'email' });
      const { verificationToken } = await otp.verify({ verificationId, code: email.sent.at(-1)?.code ?? '' });
      expect(verificationToken).toMatch(/^[\w-]{43}$/);
      tokens.add(verificationToken);
    }
    expect(tokens.size).toBe(150);
  });

  it('a stored token entry moved to another token or edited is refused (write access to the store)', async () => {
    const memory = new MemoryOtpStore();
    const issued: string[] = [];
    let redeemAs: (key: string) => Promise<string | undefined> = (key) => memory.redeemToken(key);
    const store: OtpStore = {
      createVerification: (input) => memory.createVerification(input),
      attempt: (input) =>
        memory.attempt({
          ...input,
          issueToken: () => {
            const entry = input.issueToken();
            issued.push(entry.key);
            return entry;
          },
        }),
      cancelVerification: (input) => memory.cancelVerification(input),
      redeemToken: (key) => redeemAs(key),
    };
    const otp = service({ store });
    const verified = async (to: string) => {
      const { verificationId } = await otp.send({ to, channel: 'sms' });
      return (await otp.verify({ verificationId, code: sms.sent.at(-1)?.code ?? '' })).verificationToken;
    };
    await verified('+8613800138001');
    const attacker = await verified('+8613800138002');
    // The attacker's token finds the victim's entry.
    redeemAs = (key) => memory.redeemToken(key === issued[1] ? (issued[0] ?? '') : key);
    expect(isOtpError(await rejection(otp.redeem(attacker)), 'OTP_TOKEN_INVALID')).toBe(true);
    // An entry whose expiry was pushed a day out.
    redeemAs = async (key) => {
      const [expiresAt = '', ...rest] = ((await memory.redeemToken(key)) ?? '').split('.');
      return [String(Number(expiresAt) + 86_400_000), ...rest].join('.');
    };
    expect(
      isOtpError(await rejection(otp.redeem(await verified('+8613800138003'))), 'OTP_TOKEN_INVALID'),
    ).toBe(true);
    // Untouched, the same path redeems.
    redeemAs = (key) => memory.redeemToken(key);
    expect((await otp.redeem(await verified('+8613800138004'))).recipient.address).toBe('+8613800138004');
  });

  it('a code is bound to its verification id and to the server secret', async () => {
    const store = new MemoryOtpStore();
    const a = new VerificationService({ secret: SECRET, store, clock, channels: { sms } });
    const b = new VerificationService({ secret: `${SECRET}-other`, store, clock, channels: { sms } });
    const { verificationId } = await a.send({ to: '+8613800138000', channel: 'sms' });
    expect(await rejection(b.verify({ verificationId, code: sms.sent[0]?.code ?? '' }))).toMatchObject({
      code: 'OTP_WRONG_CODE',
    });
    expect(await rejection(a.verify({ verificationId: 'not-an-id', code: '1' }))).toMatchObject({
      code: 'OTP_EXPIRED',
      details: { reason: 'unknown' },
    });
  });

  it('custom channels normalize their own recipients', async () => {
    const sent: string[] = [];
    const wecom: VerificationChannel = {
      recipientKind: 'custom',
      normalize: (to) => {
        if (!/^[a-z0-9_]{3,32}$/i.test(to.trim())) throw new OtpError('OTP_INVALID_RECIPIENT', 'bad user id');
        return to.trim().toLowerCase();
      },
      async deliver(message) {
        sent.push(`${message.recipient.address}:${message.code}`);
      },
    };
    const otp = service({ channels: { wecom } });
    const { verificationId } = await otp.send({ to: ' ZhangSan ', channel: 'wecom' });
    expect(sent[0]).toMatch(/^zhangsan:\d{6}$/);
    const { verificationToken } = await otp.verify({ verificationId, code: sent[0]?.split(':')[1] ?? '' });
    expect((await otp.redeem(verificationToken)).recipient).toEqual({ kind: 'custom', address: 'zhangsan' });
    expect(await rejection(otp.send({ to: '!', channel: 'wecom' }))).toMatchObject({
      code: 'OTP_INVALID_RECIPIENT',
    });
    expect(await rejection(otp.send({ to: 'x', channel: 'fax' }))).toMatchObject({
      code: 'OTP_INVALID_ARGUMENT',
    });
  });

  it('a store that reports STORE_FULL fails closed like one that is down: nothing is sent', async () => {
    const full = async (): Promise<never> => {
      throw new LingpaiError('STORE_FULL', 'full of live entries', { retryable: true });
    };
    const store: OtpStore = {
      createVerification: full,
      attempt: full,
      cancelVerification: full,
      redeemToken: full,
    };
    const error = await rejection(service({ store }).send({ to: '+8613800138000', channel: 'sms' }));
    expect(error).toMatchObject({ code: 'OTP_STORE_UNAVAILABLE', retryable: true });
    expect((error as Error).cause).toMatchObject({ code: 'STORE_FULL' });
    expect(sms.sent).toHaveLength(0);
  });

  it('validates its options', () => {
    expect(() => service({ secret: 'short' })).toThrow(/at least 32 required/);
    expect(() => service({ codeLength: 3 })).toThrow(/4 to 10/);
    expect(() => service({ codeLength: 11 })).toThrow(/4 to 10/);
    expect(() => service({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => service({ limits: { perIp: [{ max: 0, windowSeconds: 60 }] } })).toThrow(/perIp/);
    expect(() => service({ limits: { ipv6PrefixLength: 0 } })).toThrow(/ipv6PrefixLength/);
    const twoOnOneWindow = [
      { max: 5, windowSeconds: 3600 },
      { max: 3, windowSeconds: 3600 },
    ];
    expect(() => service({ limits: { perRecipient: twoOnOneWindow } })).toThrow(/one window/);
  });

  it('errors serialize without the recipient and with client-safe details', async () => {
    const otp = service();
    await otp.send({ to: '+8613800138000', channel: 'sms' });
    const error = await rejection(otp.send({ to: '+8613800138000', channel: 'sms' }));
    const json = JSON.stringify(error);
    expect(JSON.parse(json)).toEqual({
      name: 'OtpError',
      code: 'OTP_COOLDOWN',
      message: 'Wait 60 s before requesting another code',
      retryable: false,
      details: { retryAfterSeconds: 60 },
    });
    expect(json).not.toContain('13800138000');
  });
});

describe('code generation', () => {
  it('rejection sampling: bytes 250-255 are never used for digits', () => {
    const bytes = [250, 251, 252, 253, 254, 255, 0, 9, 19, 249, 123, 7];
    let calls = 0;
    const random = (size: number) => {
      calls += 1;
      return new Uint8Array(Array.from({ length: size }, (_, i) => bytes[i] ?? 0));
    };
    expect(generateCode(6, 'numeric', random)).toBe('099937');
    expect(calls).toBe(1);
  });

  it('asks for more randomness when a draw is mostly rejected', () => {
    let calls = 0;
    const random = (size: number) => {
      calls += 1;
      return new Uint8Array(size).fill(calls === 1 ? 255 : 3);
    };
    expect(generateCode(4, 'numeric', random)).toBe('3333');
    expect(calls).toBe(2);
  });

  it('every character of every alphabet is reachable, and only those', () => {
    for (const [name, alphabet] of Object.entries(CODE_ALPHABETS)) {
      const seen = new Set<string>();
      const all = new Uint8Array(256).map((_, i) => i);
      let offset = 0;
      const random = (size: number) => {
        const out = new Uint8Array(size).map((_, i) => all[(offset + i) % 256] ?? 0);
        offset += size;
        return out;
      };
      for (let i = 0; i < 60; i += 1)
        for (const c of generateCode(10, name as keyof typeof CODE_ALPHABETS, random)) seen.add(c);
      expect([...seen].sort().join('')).toBe([...alphabet].sort().join(''));
    }
    expect(CODE_ALPHABETS.mixed).not.toMatch(/[01ILO]/);
  });
});

describe('recipients and IPs', () => {
  it.each([
    ['  Zhang.San@Example.COM ', 'zhang.san@example.com'],
    ['ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'zhang@example.com'],
    ['用户@例子.中国', '用户@xn--fsqu00a.xn--fiqs8s'],
    ['a@XN--FSQU00A.xn--fiqs8s', 'a@xn--fsqu00a.xn--fiqs8s'],
    ['a@example.com.', 'a@example.com'],
  ])('normalizes email %j', (input, expected) => {
    expect(normalizeEmail(input).address).toBe(expected);
  });

  it.each([
    ['alice+tag@example.com', 'alice@example.com'],
    ['alice+a+b@example.com', 'alice@example.com'],
    ['+tag@example.com', '@example.com'],
    ['alice.smith@example.com', 'alice.smith@example.com'],
    ['alice.smith@gmail.com', 'alicesmith@gmail.com'],
    ['a.l.i.c.e+x.y@googlemail.com', 'alice@gmail.com'],
    ['alice.smith@mail.gmail.com', 'alice.smith@mail.gmail.com'],
    ['alice-shop@yahoo.com', 'alice-shop@yahoo.com'],
  ])('folds email %j to %j for limits', (input, expected) => {
    expect(foldEmailForLimits(normalizeEmail(input).address)).toBe(expected);
  });

  it.each([
    'plain',
    '@example.com',
    'a@',
    'a@localhost',
    'a b@example.com',
    'a..b@example.com',
    'a@-x.com',
    `${'x'.repeat(65)}@example.com`,
    'a@exa_mple.com',
  ])('rejects email %j', (input) => {
    expect(() => normalizeEmail(input)).toThrow(expect.objectContaining({ code: 'OTP_INVALID_RECIPIENT' }));
  });

  it('normalizes phones to E.164 with their region', () => {
    expect(normalizePhone('0086 138 0013 8000')).toEqual({
      kind: 'phone',
      address: '+8613800138000',
      country: 'CN',
    });
    expect(() => normalizePhone('+86 123')).toThrow(
      expect.objectContaining({ code: 'OTP_INVALID_RECIPIENT' }),
    );
    expect(() => normalizePhone('123', { defaultRegion: 'XX' })).toThrow(
      expect.objectContaining({ code: 'OTP_INVALID_ARGUMENT' }),
    );
  });

  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['[2001:DB8:1:2:3:4:5:6]', '2001:db8:1:2:0:0:0:0/64'],
    ['2001:db8:1:2::7%eth0', '2001:db8:1:2:0:0:0:0/64'],
    ['::1', '0:0:0:0:0:0:0:0/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0:0:0:0:0/64'],
  ])('ip key %s -> %s', (ip, key) => {
    expect(ipRateLimitKey(ip)).toBe(key);
  });

  it('ip keys with other prefix lengths; bad input refused', () => {
    expect(ipRateLimitKey('2001:db8:abcd:1234::1', 56)).toBe('2001:db8:abcd:1200:0:0:0:0/56');
    expect(ipRateLimitKey('2001:db8:abcd:1234::1', 128)).toBe('2001:db8:abcd:1234:0:0:0:1/128');
    expect(() => ipRateLimitKey('not-an-ip')).toThrow(
      expect.objectContaining({ code: 'OTP_INVALID_ARGUMENT' }),
    );
  });
});
