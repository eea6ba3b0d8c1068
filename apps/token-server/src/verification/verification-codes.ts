import { createHmac } from 'node:crypto';
import type { Clock } from '@lingpai/auth-core';
import {
  createSmsChannel,
  type OtpStore,
  type RiskDecision,
  type VerificationChannel,
  VerificationService,
} from '@lingpai/otp';
import { createEmailChannel } from '@lingpai/otp/email';
import { SmsSender } from '@lingpai/sms';
import type { FastifyBaseLogger } from 'fastify';
import { TokenServerError } from '../errors.js';
import type { CaptchaVerifier } from '../limits/password-guard.js';
import type { Queryable } from '../storage/database.js';
import type { AuditLog } from '../tokens/audit-log.js';
import { parseEmailInput, parsePhoneInput } from '../users/contact-address.js';
import { mapOtpError } from './otp-error-mapping.js';
import type { ResolvedVerification } from './verification-config.js';

/** CloudBase's `VerificationUsages`, plus `SUDO` for the sudo step. An absent usage is `SIGN_IN`. */
export const VERIFICATION_USAGES = [
  'REGISTER',
  'SIGN_IN',
  'PASSWORD_RESET',
  'EMAIL_ADDRESS_CHANGE',
  'PHONE_NUMBER_CHANGE',
  'SUDO',
] as const;
export type VerificationUsage = (typeof VERIFICATION_USAGES)[number];

export const VERIFICATION_TARGETS = ['ANY', 'USER', 'NOT_USER', 'CUR_USER'] as const;
export type VerificationTarget = (typeof VERIFICATION_TARGETS)[number];

/** Short forms, so `usage.client-tag` fits otp's 32-character purpose. */
const USAGE_CODES: Record<VerificationUsage, string> = {
  REGISTER: 'reg',
  SIGN_IN: 'in',
  PASSWORD_RESET: 'pwr',
  EMAIL_ADDRESS_CHANGE: 'emc',
  PHONE_NUMBER_CHANGE: 'phc',
  SUDO: 'sudo',
};
const USAGE_BY_CODE = new Map(
  Object.entries(USAGE_CODES).map(([usage, code]) => [code, usage as VerificationUsage]),
);

export interface SendCodeInput {
  phoneNumber?: string;
  email?: string;
  target: VerificationTarget;
  usage: string;
  clientId: string;
  ip: string;
  deviceId: string;
  captchaToken?: string;
  currentSub?: string;
  locale?: string;
}

export interface SendCodeResult {
  verification_id: string;
  expires_in: number;
  is_user?: boolean;
  resend_after_seconds: number;
}

export interface RedeemedVerification {
  kind: 'phone' | 'email';
  /** The stored form (`"+86 13800138000"`, a lower-cased email). */
  address: string;
  usage: string;
}

export interface VerificationCodesDeps {
  settings: ResolvedVerification;
  store: OtpStore;
  /** ≥ 32 bytes; otp derives its hash, key-name, seal and token keys from it. */
  secret: Buffer;
  /** Keys the client tag bound into each code's purpose. */
  hmacKey: Buffer;
  db: Queryable;
  clock: Clock;
  audit: AuditLog;
  captcha: CaptchaVerifier | undefined;
  log: FastifyBaseLogger;
}

export function parseUsage(usage: string | undefined): VerificationUsage {
  const value = usage === undefined || usage === '' ? 'SIGN_IN' : usage.toUpperCase();
  if (!(VERIFICATION_USAGES as readonly string[]).includes(value))
    throw new TokenServerError('invalid_request', `usage must be one of ${VERIFICATION_USAGES.join(', ')}`);
  return value as VerificationUsage;
}

/**
 * CloudBase's verification codes (`services.verification`), composed from `@lingpai/otp`: SMS
 * through `@lingpai/sms` (routing and failover over the configured providers), email over SMTP.
 *
 * - Each code's otp purpose is `<usage>.<client tag>`, so a token redeemed for another usage or by
 *   another client is refused, and each (usage, client) has its own "latest code".
 * - Every send answers before delivery: the code is stored and counted first (fail closed: store down,
 *   nothing sent), then delivered in the background; a failed delivery cancels it and lifts the
 *   cooldown. `settled()` waits for deliveries in flight.
 * - Enumeration protection (a setting): `is_user` is omitted and a `target` mismatch answers like a
 *   send — counted and cooled down like one, so its cooldown and caps behave the same — but sends nothing.
 */
export class VerificationCodes {
  readonly #deps: VerificationCodesDeps;
  /** Absent when neither SMS nor email is configured: every send is then `invalid_request`. */
  readonly #otp: VerificationService | undefined;
  readonly #channels: { sms: boolean; email: boolean };
  readonly #inFlight = new Set<Promise<void>>();
  readonly #close: Array<() => void> = [];

  constructor(deps: VerificationCodesDeps) {
    this.#deps = deps;
    const { settings } = deps;
    const channels: Record<string, VerificationChannel> = {};
    if (settings.sms) {
      const sms = settings.sms;
      const sender = new SmsSender({
        providers: sms.providers,
        strategy: sms.strategy,
        maxAttempts: sms.maxAttempts,
        defaultRegion: settings.defaultRegion,
      });
      const inner = createSmsChannel({ sender, templates: sms.templates });
      // The SMS template is chosen by usage: otp's purpose also carries the client tag.
      channels.sms = {
        recipientKind: 'phone',
        deliver: (message) =>
          inner.deliver({ ...message, purpose: usageOfPurpose(message.purpose) ?? 'default' }),
      };
    }
    if (settings.email) {
      const email = createEmailChannel({ transport: settings.email.transport, from: settings.email.from });
      this.#close.push(() => email.close());
      channels.email = email;
    }
    this.#channels = { sms: channels.sms !== undefined, email: channels.email !== undefined };
    this.#otp =
      Object.keys(channels).length === 0
        ? undefined
        : new VerificationService({
            secret: deps.secret,
            store: deps.store,
            clock: deps.clock,
            channels,
            ...(settings.codeLength === undefined ? {} : { codeLength: settings.codeLength }),
            ...(settings.ttlSeconds === undefined ? {} : { ttlSeconds: settings.ttlSeconds }),
            ...(settings.cooldownSeconds === undefined ? {} : { cooldownSeconds: settings.cooldownSeconds }),
            ...(settings.maxAttempts === undefined ? {} : { maxAttempts: settings.maxAttempts }),
            ...(settings.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: settings.tokenTtlSeconds }),
            ...(settings.limits === undefined ? {} : { limits: settings.limits }),
            phone: {
              defaultRegion: settings.defaultRegion,
              ...(settings.allowedCountries === undefined
                ? {}
                : { allowedCountries: settings.allowedCountries }),
            },
            ...(settings.requireCaptcha
              ? { riskCheck: (context) => this.#captchaCheck(context.captchaToken, context.ip) }
              : {}),
          });
  }

  /**
   * The enumeration protection setting: when on, no answer of any endpoint may tell whether an
   * address has an account before a code has proven the address (sign-up, forgot password).
   */
  get enumerationProtection(): boolean {
    return this.#deps.settings.enumerationProtection;
  }

  /** Which channels are configured (a send to an absent one is `invalid_request`). */
  get channels(): { sms: boolean; email: boolean } {
    return { ...this.#channels };
  }

  async send(input: SendCodeInput): Promise<SendCodeResult> {
    const usage = parseUsage(input.usage);
    if (!(VERIFICATION_TARGETS as readonly string[]).includes(input.target))
      throw new TokenServerError(
        'invalid_request',
        `target must be one of ${VERIFICATION_TARGETS.join(', ')}`,
      );
    const hasPhone = input.phoneNumber !== undefined && input.phoneNumber !== '';
    const hasEmail = input.email !== undefined && input.email !== '';
    if (hasPhone === hasEmail)
      throw new TokenServerError('invalid_request', 'give either phone_number or email');
    const kind: 'phone' | 'email' = hasPhone ? 'phone' : 'email';
    const channel = hasPhone ? 'sms' : 'email';
    if (!this.#channels[channel])
      throw new TokenServerError(
        'invalid_request',
        `verification codes by ${hasPhone ? 'SMS' : 'email'} are not configured on this server`,
      );
    let to: string;
    let stored: string;
    if (hasPhone) {
      const phone = parsePhoneInput(input.phoneNumber as string, this.#deps.settings.defaultRegion);
      to = phone.e164;
      stored = phone.stored;
    } else {
      stored = parseEmailInput(input.email as string);
      to = stored;
    }

    const protection = this.#deps.settings.enumerationProtection;
    const isUser = await this.#isUser(kind, stored);
    let decoy = false;
    if (input.target === 'CUR_USER') {
      if (input.currentSub === undefined)
        throw new TokenServerError('unauthenticated', 'target CUR_USER needs a Bearer access token');
      if ((await this.#addressOf(input.currentSub, kind)) !== stored)
        throw new TokenServerError(
          'permission_denied',
          `the ${kind === 'phone' ? 'phone number' : 'email'} is not the signed-in user's`,
        );
    } else if (input.target === 'USER' && !isUser) {
      if (!protection) throw new TokenServerError('user_not_found', 'no user has this address');
      decoy = true;
    } else if (input.target === 'NOT_USER' && isUser) {
      if (!protection) throw new TokenServerError('user_already_exists', 'a user already has this address');
      decoy = true;
    }

    const otp = this.#otp as VerificationService; // a channel is configured, so the service exists
    let result: Awaited<ReturnType<VerificationService['send']>>;
    try {
      result = await otp.send({
        to,
        channel,
        purpose: this.#purpose(usage, input.clientId),
        ip: input.ip,
        ...(input.deviceId === '' ? {} : { deviceId: input.deviceId }),
        ...(input.captchaToken === undefined ? {} : { captchaToken: input.captchaToken }),
        ...(input.locale === undefined ? {} : { locale: input.locale }),
        delivery: decoy ? 'none' : 'background',
      });
    } catch (error) {
      throw mapOtpError(error, kind);
    }
    if (result.delivered) this.#track(result.delivered, channel);
    void this.#deps.audit
      .record({
        kind: 'verification_sent',
        clientId: input.clientId,
        ip: input.ip,
        detail: { channel, usage },
      })
      .catch((error: unknown) => this.#deps.log.warn({ err: error }, 'could not record verification_sent'));
    return {
      verification_id: result.verificationId,
      expires_in: result.expiresIn,
      ...(protection ? {} : { is_user: isUser }),
      resend_after_seconds: result.resendAfter,
    };
  }

  async verify(input: { verificationId: string; code: string; clientId: string }): Promise<{
    verification_token: string;
    expires_in: number;
  }> {
    if (this.#otp === undefined)
      throw new TokenServerError(
        'invalid_verification_code',
        'unknown or expired verification: request a new code',
      );
    try {
      const { verificationToken, expiresIn } = await this.#otp.verify({
        verificationId: input.verificationId,
        code: input.code,
      });
      return { verification_token: verificationToken, expires_in: expiresIn };
    } catch (error) {
      throw mapOtpError(error, 'phone');
    }
  }

  /**
   * Consumes a verification token once. A token for another usage or another client, used, expired
   * or unknown is `invalid_verification_token` (and is spent either way: it was shown to the wrong place).
   */
  async redeem(
    token: string,
    expected: { usages: readonly string[]; clientId: string },
  ): Promise<RedeemedVerification> {
    const invalid = () =>
      new TokenServerError(
        'invalid_verification_token',
        'the verification token is invalid, expired, used or not for this request',
      );
    if (typeof token !== 'string' || token === '' || this.#otp === undefined) throw invalid();
    let redeemed: Awaited<ReturnType<VerificationService['redeem']>>;
    try {
      redeemed = await this.#otp.redeem(token);
    } catch (error) {
      throw mapOtpError(error, 'phone');
    }
    const [code, tag] = redeemed.purpose.split('.');
    const usage = code === undefined ? undefined : USAGE_BY_CODE.get(code);
    if (usage === undefined || !expected.usages.includes(usage) || tag !== this.#clientTag(expected.clientId))
      throw invalid();
    const kind = redeemed.recipient.kind === 'phone' ? 'phone' : 'email';
    const address =
      kind === 'phone'
        ? parsePhoneInput(redeemed.recipient.address, this.#deps.settings.defaultRegion).stored
        : redeemed.recipient.address;
    return { kind, address, usage };
  }

  /** Resolves when every delivery in flight has finished (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await this.settled();
    for (const close of this.#close) close();
  }

  #track(delivered: Promise<void>, channel: string): void {
    const tracked = delivered.then(
      () => undefined,
      (error: unknown) => {
        // The code was cancelled and the cooldown lifted; the address is never logged.
        const cause = (error as { cause?: { code?: unknown } }).cause?.code;
        this.#deps.log.warn({ channel, cause }, 'a verification code could not be delivered');
      },
    );
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
  }

  #purpose(usage: VerificationUsage, clientId: string): string {
    return `${USAGE_CODES[usage]}.${this.#clientTag(clientId)}`;
  }

  #clientTag(clientId: string): string {
    return createHmac('sha256', this.#deps.hmacKey)
      .update(`otp client\0${clientId}`)
      .digest('base64url')
      .slice(0, 22);
  }

  async #isUser(kind: 'phone' | 'email', stored: string): Promise<boolean> {
    const column = kind === 'phone' ? 'phone_number' : 'email';
    const rows = await this.#deps.db.query(`SELECT 1 FROM users WHERE ${column} = $1 LIMIT 1`, [stored]);
    return rows.length > 0;
  }

  async #addressOf(sub: string, kind: 'phone' | 'email'): Promise<string | undefined> {
    const [row] = await this.#deps.db.query<{ phone_number: string | null; email: string | null }>(
      'SELECT phone_number, email FROM users WHERE sub = $1',
      [sub],
    );
    const value = kind === 'phone' ? row?.phone_number : row?.email;
    return value ?? undefined;
  }

  async #captchaCheck(token: string | undefined, ip: string | undefined): Promise<RiskDecision> {
    const verifier = this.#deps.captcha;
    if (token === undefined || token === '' || verifier === undefined) return 'captcha';
    try {
      return (await verifier(token, { ip: ip ?? '', action: 'verification' })) ? 'allow' : 'captcha';
    } catch (error) {
      throw new TokenServerError(
        'temporarily_unavailable',
        'the captcha could not be checked; retry shortly',
        {
          retryAfter: 5,
          cause: error,
        },
      );
    }
  }
}

function usageOfPurpose(purpose: string): VerificationUsage | undefined {
  const code = purpose.split('.')[0];
  return code === undefined ? undefined : USAGE_BY_CODE.get(code);
}
