import {
  type Clock,
  isLingpaiError,
  type RandomBytes,
  secureRandomBytes,
  systemClock,
} from '@lingpai/auth-core';
import type { VerificationChannel } from './channel.js';
import { assertCodeFormat, type CodeAlphabet, generateCode, normalizeCodeInput } from './code-generator.js';
import { OtpError } from './errors.js';
import { OtpKeys } from './internal/keys.js';
import { checkServiceOptions, networkCause } from './internal/service-options.js';
import { ipRateLimitKey } from './ip-address.js';
import type { OtpStore, SendLimit, TokenEntry } from './otp-store.js';
import { foldEmailForLimits, normalizeEmail, normalizePhone, type Recipient } from './recipient.js';

/** A fixed-window cap. */
export interface RateRule {
  max: number;
  windowSeconds: number;
}

/** A fixed-window cap on every client inside one IPv6 prefix of `prefixLength` bits. */
export interface Ipv6PrefixRule extends RateRule {
  /** Coarser than `ipv6PrefixLength`: 56 (one home or small site), 48 (one organisation or hosting customer). */
  prefixLength: number;
}

export interface VerificationLimits {
  /** Successful sends per normalized recipient (all purposes; email aliases folded). Default 5/hour and 10/day. */
  perRecipient?: readonly RateRule[];
  /** Successful sends per client IP (IPv4 address, IPv6 per `ipv6PrefixLength`, /64). Default 20/hour. */
  perIp?: readonly RateRule[];
  /**
   * Successful sends summed over a whole IPv6 prefix: one client gets a /56 or a /48, i.e. 256 or
   * 65,536 /64s, each with its own `perIp` budget. Default /56: 40/hour; /48: 100/hour and 500/day.
   * Not applied to IPv4 (CGNAT puts thousands of people behind one /24).
   */
  perIpv6Prefix?: readonly Ipv6PrefixRule[];
  /** Successful sends per `deviceId`. Client-chosen, so only a speed bump. Default none. */
  perDevice?: readonly RateRule[];
  /**
   * Successful sends per destination country (phones only): SMS pumping walks a number range of one
   * expensive country, which no per-recipient cap sees. Numbers without a region share one bucket.
   * Default 200/hour and 1,000/day per country; raise your home countries with `perCountryOverrides`.
   */
  perCountry?: readonly RateRule[];
  /** Rules that replace `perCountry` for the given ISO regions, e.g. `{ CN: [{ max: 5000, windowSeconds: 3600 }] }`. */
  perCountryOverrides?: Readonly<Record<string, readonly RateRule[]>>;
  /**
   * Successful sends per channel in total: a ceiling on each provider's bill (an email flood does not
   * stop SMS). Default 1,000/hour and 10,000/day per channel.
   */
  global?: readonly RateRule[];
  /** Prefix length IPv6 addresses are counted by in `perIp`. Default 64. */
  ipv6PrefixLength?: number;
}

export type RiskDecision = 'allow' | 'captcha' | 'deny';

/**
 * What the risk hook sees. The recipient is normalized (as typed); `recipientKey` is the HMAC of the
 * form limits count (email aliases folded, see `foldEmailForLimits`), safe to log.
 */
export interface RiskContext {
  channel: string;
  purpose: string;
  recipient: Recipient;
  recipientKey: string;
  ip?: string;
  /** The IP as rate limits count it (IPv6 /64). */
  ipKey?: string;
  deviceId?: string;
  captchaToken?: string;
}

export interface TestRecipient {
  channel: string;
  to: string;
  /** The fixed code; must match the configured length and alphabet. */
  code: string;
}

export interface VerificationServiceOptions {
  /** Server secret, at least 32 bytes; every hash, key name and seal is derived from it. */
  secret: string | Uint8Array;
  store: OtpStore;
  /** Channels by name, e.g. `{ sms: createSmsChannel(…), email: createEmailChannel(…) }`. */
  channels: Readonly<Record<string, VerificationChannel>>;
  clock?: Clock;
  random?: RandomBytes;
  /** Code length, 4–10. Default 6. */
  codeLength?: number;
  /** `numeric` (default), `letters` or `mixed`. */
  codeAlphabet?: CodeAlphabet;
  /** Code lifetime. Default 600 s. */
  ttlSeconds?: number;
  /** Tries per code (right or wrong) before it is dead. Default 5. */
  maxAttempts?: number;
  /** Lifetime of the verification token `verify` returns. Default 300 s. */
  tokenTtlSeconds?: number;
  /** Minimum time between two sends to one recipient, enforced by the store. Default 60 s; 0 turns it off. */
  cooldownSeconds?: number;
  limits?: VerificationLimits;
  phone?: {
    /** Region for numbers without a country code, e.g. `CN`. */
    defaultRegion?: string;
    /** ISO 3166 regions that may receive codes; unset = all. Numbers without a region are refused when set. */
    allowedCountries?: readonly string[];
  };
  /** Runs before anything is counted or sent: verify a captcha, consult a fraud score. */
  riskCheck?: (context: RiskContext) => RiskDecision | Promise<RiskDecision>;
  /** Fixed codes for QA numbers/addresses: nothing is delivered and no cap applies. Off by default. */
  testRecipients?: readonly TestRecipient[];
}

/** The defaults, in one place; the README compares them with Twilio, Auth0, Logto, better-auth, Supabase. */
export const VERIFICATION_DEFAULTS = {
  codeLength: 6,
  codeAlphabet: 'numeric',
  ttlSeconds: 600,
  maxAttempts: 5,
  tokenTtlSeconds: 300,
  cooldownSeconds: 60,
  perRecipient: [
    { max: 5, windowSeconds: 3600 },
    { max: 10, windowSeconds: 86_400 },
  ],
  perIp: [{ max: 20, windowSeconds: 3600 }],
  perIpv6Prefix: [
    { prefixLength: 56, max: 40, windowSeconds: 3600 },
    { prefixLength: 48, max: 100, windowSeconds: 3600 },
    { prefixLength: 48, max: 500, windowSeconds: 86_400 },
  ],
  perDevice: [],
  perCountry: [
    { max: 200, windowSeconds: 3600 },
    { max: 1000, windowSeconds: 86_400 },
  ],
  perCountryOverrides: {},
  global: [
    { max: 1000, windowSeconds: 3600 },
    { max: 10_000, windowSeconds: 86_400 },
  ],
  ipv6PrefixLength: 64,
} as const;

export interface SendRequest {
  /** Phone number or email address as the person typed it. */
  to: string;
  /** A key of `channels`. */
  channel: string;
  /** Default `sign_in`. Letters, digits, `_ . -`; at most 32 characters. */
  purpose?: string;
  ip?: string;
  deviceId?: string;
  captchaToken?: string;
  locale?: string;
  /**
   * When `send` resolves. `'wait'` (default): after the channel accepted the message, so a delivery
   * failure rejects `send`. `'background'`: as soon as the code is stored and counted, before any
   * delivery, so the answer's timing says nothing about the recipient or the provider; the outcome
   * is `SendResult.delivered`. `'none'`: counted, stored and cooled down exactly like a real send,
   * but never delivered — a decoy for enumeration protection, indistinguishable to the caller.
   * A failed delivery cancels the code and lifts the cooldown in every mode.
   */
  delivery?: 'wait' | 'background' | 'none';
}

export interface SendResult {
  verificationId: string;
  /** Seconds the code stays valid. */
  expiresIn: number;
  /** Seconds before another code can be sent to this recipient. */
  resendAfter: number;
  /**
   * With `delivery: 'background'`: settles when the channel is done — resolves once delivered,
   * rejects with `OTP_CHANNEL_FAILED` after the code was cancelled and the cooldown lifted. Always
   * handled internally, so an unobserved rejection is not an unhandled one.
   */
  delivered?: Promise<void>;
}

export interface VerifyRequest {
  verificationId: string;
  code: string;
}

export interface VerifyResult {
  /** Single-use proof that the recipient was verified; pass it to `redeem`. */
  verificationToken: string;
  expiresIn: number;
}

export interface RedeemResult {
  recipient: Recipient;
  purpose: string;
  channel: string;
  verificationId: string;
}

interface SealedRecipient {
  k: Recipient['kind'];
  a: string;
  c?: string;
  p: string;
  ch: string;
}

const PURPOSE = /^[A-Za-z0-9_.-]{1,32}$/;
const DELIVERY_MODES: ReadonlySet<string> = new Set(['wait', 'background', 'none']);
const VERIFICATION_ID = /^[A-Za-z0-9_-]{22}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
// Records stay a while after expiry so a late `verify` says "expired", not "unknown".
const RETAIN_AFTER_EXPIRY_MS = 10 * 60 * 1000;

function positiveInteger(value: number, name: string, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new OtpError('OTP_INVALID_ARGUMENT', `${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

function rules(value: readonly RateRule[], name: string): readonly RateRule[] {
  const windows = new Set<number>();
  for (const rule of value) {
    positiveInteger(rule.max, `${name}.max`);
    positiveInteger(rule.windowSeconds, `${name}.windowSeconds`);
    // One counter per window length: two rules on one window would count every send twice.
    if (windows.has(rule.windowSeconds)) {
      throw new OtpError('OTP_INVALID_ARGUMENT', `${name} has two rules for one window; keep the stricter`);
    }
    windows.add(rule.windowSeconds);
  }
  return value;
}

function prefixRules(value: readonly Ipv6PrefixRule[], ipv6PrefixLength: number): readonly Ipv6PrefixRule[] {
  const byPrefix = new Map<number, RateRule[]>();
  for (const rule of value) {
    const { prefixLength } = rule;
    if (!Number.isInteger(prefixLength) || prefixLength < 8 || prefixLength >= ipv6PrefixLength) {
      throw new OtpError(
        'OTP_INVALID_ARGUMENT',
        `perIpv6Prefix.prefixLength must be an integer from 8 to ${ipv6PrefixLength - 1} (coarser than ipv6PrefixLength), got ${String(prefixLength)}`,
      );
    }
    byPrefix.set(prefixLength, [...(byPrefix.get(prefixLength) ?? []), rule]);
  }
  for (const [prefixLength, list] of byPrefix) rules(list, `perIpv6Prefix /${prefixLength}`);
  return value;
}

function countryOverrides(
  value: Readonly<Record<string, readonly RateRule[]>>,
): ReadonlyMap<string, readonly RateRule[]> {
  const out = new Map<string, readonly RateRule[]>();
  for (const [region, list] of Object.entries(value)) {
    const code = region.toUpperCase();
    if (!/^[A-Z]{2}$/.test(code) || out.has(code)) {
      throw new OtpError(
        'OTP_INVALID_ARGUMENT',
        `perCountryOverrides keys must be distinct ISO 3166 regions like "CN", got ${JSON.stringify(region)}`,
      );
    }
    out.set(code, rules(list, `perCountryOverrides.${code}`));
  }
  return out;
}

/**
 * Verification codes over SMS, email or any channel: `send` → `verify` → `redeem`.
 * See the package README for the defaults and how the limits interact.
 */
export class VerificationService {
  readonly #store: OtpStore;
  readonly #channels: Readonly<Record<string, VerificationChannel>>;
  readonly #clock: Clock;
  readonly #random: RandomBytes;
  readonly #keys: OtpKeys;
  readonly #codeLength: number;
  readonly #alphabet: CodeAlphabet;
  readonly #ttlMs: number;
  readonly #maxAttempts: number;
  readonly #tokenTtlMs: number;
  readonly #cooldownMs: number;
  readonly #limits: {
    perRecipient: readonly RateRule[];
    perIp: readonly RateRule[];
    perIpv6Prefix: readonly Ipv6PrefixRule[];
    perDevice: readonly RateRule[];
    perCountry: readonly RateRule[];
    perCountryOverrides: ReadonlyMap<string, readonly RateRule[]>;
    global: readonly RateRule[];
  };
  readonly #ipv6PrefixLength: number;
  readonly #defaultRegion: string | undefined;
  readonly #allowedCountries: ReadonlySet<string> | undefined;
  readonly #riskCheck: VerificationServiceOptions['riskCheck'];
  readonly #testCodes = new Map<string, string>();

  constructor(options: VerificationServiceOptions) {
    checkServiceOptions(options);
    const d = VERIFICATION_DEFAULTS;
    this.#store = options.store;
    this.#channels = options.channels;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? secureRandomBytes;
    this.#keys = new OtpKeys(options.secret, this.#random);
    this.#codeLength = options.codeLength ?? d.codeLength;
    this.#alphabet = options.codeAlphabet ?? d.codeAlphabet;
    assertCodeFormat(this.#codeLength, this.#alphabet);
    this.#ttlMs = positiveInteger(options.ttlSeconds ?? d.ttlSeconds, 'ttlSeconds') * 1000;
    this.#maxAttempts = positiveInteger(options.maxAttempts ?? d.maxAttempts, 'maxAttempts');
    this.#tokenTtlMs =
      positiveInteger(options.tokenTtlSeconds ?? d.tokenTtlSeconds, 'tokenTtlSeconds') * 1000;
    this.#cooldownMs =
      positiveInteger(options.cooldownSeconds ?? d.cooldownSeconds, 'cooldownSeconds', 0) * 1000;
    const limits = options.limits ?? {};
    this.#ipv6PrefixLength = limits.ipv6PrefixLength ?? d.ipv6PrefixLength;
    // Checked here, not at the first IPv6 request, so a bad value fails at startup.
    ipRateLimitKey('::', this.#ipv6PrefixLength);
    this.#limits = {
      perRecipient: rules(limits.perRecipient ?? d.perRecipient, 'perRecipient'),
      perIp: rules(limits.perIp ?? d.perIp, 'perIp'),
      // The defaults keep only the prefixes coarser than the per-IP one (`ipv6PrefixLength: 56` keeps
      // /48); rules you pass are checked strictly.
      perIpv6Prefix: prefixRules(
        limits.perIpv6Prefix ?? d.perIpv6Prefix.filter((rule) => rule.prefixLength < this.#ipv6PrefixLength),
        this.#ipv6PrefixLength,
      ),
      perDevice: rules(limits.perDevice ?? d.perDevice, 'perDevice'),
      perCountry: rules(limits.perCountry ?? d.perCountry, 'perCountry'),
      perCountryOverrides: countryOverrides(limits.perCountryOverrides ?? d.perCountryOverrides),
      global: rules(limits.global ?? d.global, 'global'),
    };
    this.#defaultRegion = options.phone?.defaultRegion;
    const allowed = options.phone?.allowedCountries;
    this.#allowedCountries = allowed === undefined ? undefined : new Set(allowed.map((c) => c.toUpperCase()));
    this.#riskCheck = options.riskCheck;
    for (const test of options.testRecipients ?? []) {
      const recipient = this.#normalize(this.#channel(test.channel), test.to);
      const code = normalizeCodeInput(test.code);
      if (code.length !== this.#codeLength) {
        throw new OtpError('OTP_INVALID_ARGUMENT', 'a test recipient code has the wrong length');
      }
      this.#testCodes.set(`${test.channel}\0${recipient.kind}\0${recipient.address}`, code);
    }
  }

  /** Creates a code, counts it against every cap, and delivers it. Sends nothing unless all of that succeeded. */
  async send(request: SendRequest): Promise<SendResult> {
    const channelName = request.channel;
    const channel = this.#channel(channelName);
    const purpose = request.purpose ?? 'sign_in';
    if (!PURPOSE.test(purpose))
      throw new OtpError('OTP_INVALID_ARGUMENT', 'purpose must match [A-Za-z0-9_.-]{1,32}');
    if (request.delivery !== undefined && !DELIVERY_MODES.has(request.delivery))
      throw new OtpError('OTP_INVALID_ARGUMENT', "delivery must be 'wait', 'background' or 'none'");
    const recipient = this.#normalize(channel, request.to);
    if (recipient.kind === 'phone' && this.#allowedCountries !== undefined) {
      if (recipient.country === undefined || !this.#allowedCountries.has(recipient.country)) {
        throw new OtpError('OTP_COUNTRY_NOT_ALLOWED', 'Codes cannot be sent to numbers in this country');
      }
    }
    // Limits, the cooldown and the latest pointer count per mailbox (aliases folded); the record keeps,
    // delivers to and `redeem` returns the address as typed.
    const limitForm = recipient.kind === 'email' ? foldEmailForLimits(recipient.address) : recipient.address;
    const recipientKey = this.#keys.name('recipient', `${recipient.kind}:${limitForm}`);
    const ipKey = request.ip === undefined ? undefined : ipRateLimitKey(request.ip, this.#ipv6PrefixLength);
    const fixedCode = this.#testCodes.get(`${channelName}\0${recipient.kind}\0${recipient.address}`);

    if (fixedCode === undefined && this.#riskCheck !== undefined) {
      const context: RiskContext = { channel: channelName, purpose, recipient, recipientKey };
      if (request.ip !== undefined) context.ip = request.ip;
      if (ipKey !== undefined) context.ipKey = ipKey;
      if (request.deviceId !== undefined) context.deviceId = request.deviceId;
      if (request.captchaToken !== undefined) context.captchaToken = request.captchaToken;
      const decision = await this.#riskCheck(context);
      if (decision === 'captcha') {
        throw new OtpError('OTP_CAPTCHA_REQUIRED', 'Solve the captcha, then request the code again');
      }
      if (decision !== 'allow')
        throw new OtpError('OTP_RISK_DENIED', 'The request was refused by the risk check');
    }

    const now = this.#clock.now();
    const id = Buffer.from(this.#random(16)).toString('base64url');
    const code = fixedCode ?? generateCode(this.#codeLength, this.#alphabet, this.#random);
    const latestKey = this.#keys.name('latest', `${recipientKey}:${purpose}`);
    const sealed: SealedRecipient = { k: recipient.kind, a: recipient.address, p: purpose, ch: channelName };
    if (recipient.kind === 'phone' && recipient.country !== undefined) sealed.c = recipient.country;
    const cooldownKey = this.#keys.name('cooldown', recipientKey);
    const useLimits = fixedCode === undefined;
    const result = await this.#storeCall(() =>
      this.#store.createVerification({
        now,
        retainMs: this.#ttlMs + RETAIN_AFTER_EXPIRY_MS,
        record: {
          id,
          codeHash: this.#keys.codeHash(id, code),
          maxAttempts: this.#maxAttempts,
          expiresAt: now + this.#ttlMs,
          latestKey,
          data: this.#keys.seal(JSON.stringify(sealed), `record:${id}`),
        },
        ...(useLimits && this.#cooldownMs > 0
          ? { cooldown: { key: cooldownKey, ms: this.#cooldownMs } }
          : {}),
        limits: useLimits
          ? this.#sendLimits(channelName, recipient, recipientKey, request.ip, ipKey, request.deviceId)
          : [],
      }),
    );
    if (!result.ok) {
      const retryAfterSeconds = Math.ceil(result.retryAfterMs / 1000);
      if (result.blockedBy === 'cooldown') {
        throw new OtpError('OTP_COOLDOWN', `Wait ${retryAfterSeconds} s before requesting another code`, {
          details: { retryAfterSeconds },
        });
      }
      throw new OtpError('OTP_CAP_REACHED', `Too many codes requested (${result.blockedBy} limit)`, {
        details: { limit: result.blockedBy, retryAfterSeconds },
      });
    }

    const answer: SendResult = {
      verificationId: id,
      expiresIn: this.#ttlMs / 1000,
      resendAfter: useLimits ? this.#cooldownMs / 1000 : 0,
    };
    const mode = request.delivery ?? 'wait';
    if (fixedCode !== undefined || mode === 'none') return answer;
    const deliver = async (): Promise<void> => {
      try {
        await channel.deliver({
          verificationId: id,
          recipient,
          code,
          purpose,
          expiresInSeconds: this.#ttlMs / 1000,
          ...(request.locale === undefined ? {} : { locale: request.locale }),
        });
      } catch (error) {
        // The code never arrived (as far as we know): forget it and lift the cooldown; caps stay counted.
        await this.#store.cancelVerification({ id, latestKey, cooldownKey }).catch(() => undefined);
        const cause = networkCause(error);
        const why = cause === undefined ? '' : ` (${cause})`;
        throw new OtpError(
          'OTP_CHANNEL_FAILED',
          `The ${channelName} channel could not deliver the code${why}`,
          {
            cause: error,
            retryable: isLingpaiError(error) ? error.retryable : true,
          },
        );
      }
    };
    if (mode === 'wait') {
      await deliver();
      return answer;
    }
    const delivered = deliver();
    // Marked handled: a caller that only wants the early answer must not crash the process.
    delivered.catch(() => undefined);
    return { ...answer, delivered };
  }

  /** Checks a code. Every call counts as one attempt; the right code yields a single-use token. */
  async verify(request: VerifyRequest): Promise<VerifyResult> {
    const { verificationId } = request;
    if (typeof verificationId !== 'string' || !VERIFICATION_ID.test(verificationId)) {
      throw expired('unknown');
    }
    const now = this.#clock.now();
    const input = typeof request.code === 'string' ? normalizeCodeInput(request.code).slice(0, 64) : '';
    let token = '';
    // The store compares the hashes and, on a match, stores the token in the same atomic step. The
    // token entry is a tag plus the record's own sealed data: nothing to open or re-seal here.
    const issueToken = (): TokenEntry => {
      token = this.#keys.newToken();
      const key = this.#keys.name('token', token);
      const expiresAt = String(now + this.#tokenTtlMs);
      const tag = this.#keys.tokenTag(key, verificationId, expiresAt);
      return { key, head: `${expiresAt}.${verificationId}.${tag}.`, ttlMs: this.#tokenTtlMs };
    };
    const attempt = await this.#storeCall(() =>
      this.#store.attempt({
        id: verificationId,
        now,
        codeHash: this.#keys.codeHash(verificationId, input),
        issueToken,
      }),
    );
    switch (attempt.status) {
      case 'verified':
        return { verificationToken: token, expiresIn: this.#tokenTtlMs / 1000 };
      case 'wrong': {
        const attemptsLeft = attempt.maxAttempts - attempt.attempts;
        throw new OtpError(
          'OTP_WRONG_CODE',
          attemptsLeft > 0 ? `Wrong code, ${attemptsLeft} attempts left` : 'Wrong code; request a new code',
          { details: { attemptsLeft } },
        );
      }
      case 'locked':
        throw new OtpError('OTP_TOO_MANY_ATTEMPTS', 'Too many wrong codes: request a new code');
      case 'not_found':
        throw expired('unknown');
      default:
        throw expired(attempt.status);
    }
  }

  /**
   * Consumes a verification token: the first call returns what it was issued for, every later call
   * (and any call after it expired) throws `OTP_TOKEN_INVALID`. Pass `purpose` to refuse a token
   * issued for another purpose.
   */
  async redeem(verificationToken: string, expected: { purpose?: string } = {}): Promise<RedeemResult> {
    const invalid = () =>
      new OtpError('OTP_TOKEN_INVALID', 'The verification token is invalid, expired or used');
    if (typeof verificationToken !== 'string' || !TOKEN.test(verificationToken)) throw invalid();
    const tokenKey = this.#keys.name('token', verificationToken);
    const entry = await this.#storeCall(() => this.#store.redeemToken(tokenKey));
    if (entry === undefined) throw invalid();
    // `expiresAt.verificationId.tag.sealedRecord`, as `verify` issued it; every part is dot-free.
    const [expiresAt = '', verificationId = '', tag = '', sealed = '', extra] = entry.split('.');
    if (extra !== undefined) throw invalid();
    if (!OtpKeys.hashesEqual(this.#keys.tokenTag(tokenKey, verificationId, expiresAt), tag)) throw invalid();
    if (this.#clock.now() >= Number(expiresAt)) throw invalid();
    const opened = this.#keys.open(sealed, `record:${verificationId}`);
    if (opened === undefined) throw invalid();
    const token = JSON.parse(opened) as SealedRecipient;
    if (expected.purpose !== undefined && expected.purpose !== token.p) throw invalid();
    const recipient: Recipient =
      token.k === 'phone'
        ? token.c === undefined
          ? { kind: 'phone', address: token.a }
          : { kind: 'phone', address: token.a, country: token.c }
        : { kind: token.k, address: token.a };
    return { recipient, purpose: token.p, channel: token.ch, verificationId };
  }

  #channel(name: string): VerificationChannel {
    const channel = Object.hasOwn(this.#channels, name) ? this.#channels[name] : undefined;
    if (channel === undefined)
      throw new OtpError('OTP_INVALID_ARGUMENT', `Unknown channel ${JSON.stringify(name)}`);
    return channel;
  }

  #normalize(channel: VerificationChannel, to: string): Recipient {
    if (typeof to !== 'string') throw new OtpError('OTP_INVALID_RECIPIENT', 'Recipient must be a string');
    switch (channel.recipientKind) {
      case 'phone':
        return normalizePhone(
          to,
          this.#defaultRegion === undefined ? {} : { defaultRegion: this.#defaultRegion },
        );
      case 'email':
        return normalizeEmail(to);
      case 'custom': {
        if (channel.normalize === undefined) {
          throw new OtpError('OTP_INVALID_ARGUMENT', 'A custom channel must implement normalize()');
        }
        return { kind: 'custom', address: channel.normalize(to) };
      }
    }
  }

  #sendLimits(
    channelName: string,
    recipient: Recipient,
    recipientKey: string,
    ip: string | undefined,
    ipKey: string | undefined,
    deviceId: string | undefined,
  ): SendLimit[] {
    const out: SendLimit[] = [];
    const add = (name: string, value: string, list: readonly RateRule[]) => {
      for (const rule of list) {
        const windowMs = rule.windowSeconds * 1000;
        out.push({
          name,
          key: this.#keys.name('limit', `${name}:${windowMs}:${value}`),
          max: rule.max,
          windowMs,
        });
      }
    };
    add('recipient', recipientKey, this.#limits.perRecipient);
    if (ip !== undefined && ipKey !== undefined) {
      add('ip', ipKey, this.#limits.perIp);
      // IPv6 only (an IPv4 key, mapped IPv6 included, has no prefix suffix). Every prefix is its own
      // counter in the same atomic store step, so a /56 cap holds however its /64s are spread.
      if (ipKey.includes('/')) {
        for (const rule of this.#limits.perIpv6Prefix) {
          add(`ip/${rule.prefixLength}`, ipRateLimitKey(ip, rule.prefixLength), [rule]);
        }
      }
    }
    if (deviceId !== undefined) add('device', deviceId, this.#limits.perDevice);
    if (recipient.kind === 'phone') {
      const country = recipient.country ?? '';
      add('country', country, this.#limits.perCountryOverrides.get(country) ?? this.#limits.perCountry);
    }
    // Per channel: each channel is its own bill, and a cheap email flood must not stop SMS.
    add('global', channelName, this.#limits.global);
    return out;
  }

  async #storeCall<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      // A bounded store that is full refuses like one that is down: fail closed, retry later.
      if (isLingpaiError(error, 'STORE_UNAVAILABLE') || isLingpaiError(error, 'STORE_FULL')) {
        const cause = networkCause(error);
        throw new OtpError(
          'OTP_STORE_UNAVAILABLE',
          `The verification store is ${isLingpaiError(error, 'STORE_FULL') ? 'full' : 'unavailable'}${cause === undefined ? '' : ` (${cause})`}; nothing was sent`,
          {
            cause: error,
            retryable: true,
          },
        );
      }
      throw error;
    }
  }
}

function expired(reason: string): OtpError {
  const messages: Record<string, string> = {
    expired: 'The code has expired: request a new one',
    superseded: 'A newer code was sent: use the most recent code',
    used: 'The code was already used',
    unknown: 'Unknown or expired verification: request a new code',
  };
  return new OtpError('OTP_EXPIRED', messages[reason] ?? 'The code has expired', { details: { reason } });
}
