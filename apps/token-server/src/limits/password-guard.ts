import type { Clock } from '@lingpai/auth-core';
import type { Limits } from '../config.js';
import { TokenServerError } from '../errors.js';
import { signInLimitIdentity } from '../users/username.js';
import { IPV6_SITE_FACTOR, ipBucket, ipSiteBucket, limitKey } from './limit-key.js';
import type { LimitStore } from './limit-store.js';

/**
 * The longest an attempt holds its slot: a process killed mid-check frees it after this. A late
 * release landing in the next window only makes the count negative (permissive for that window),
 * never blocks, since only a count above 1 refuses.
 */
const SLOT_TTL_MS = 10_000;

/** The /48 budget of failed passwords, in per-address budgets (`IPV6_SITE_FACTOR`). */
export const PASSWORD_SITE_FACTOR = IPV6_SITE_FACTOR;

/** Verifies a captcha answer (`x-captcha-token`); plug in the provider you use. */
export type CaptchaVerifier = (token: string, context: { ip: string; action: string }) => Promise<boolean>;

export interface PasswordAttempt {
  username: string;
  ip: string;
  captchaToken: string | undefined;
}

/**
 * Brute-force protection for every password check (the password grant now, `/auth/v1/signin` later).
 *
 * - per (username, IP): after `passwordFailuresPerUserIp` failures, a lockout that doubles with each
 *   further failure up to `passwordLockoutMax` — the only hard lockout, so an attacker elsewhere cannot
 *   lock the real user out;
 * - per username alone: past `passwordFailuresPerUser` failures from anywhere, a captcha is required
 *   (CloudBase 4028) — a throttle, not a lockout;
 * - per IP: past `passwordFailuresPerIp` failures, the IP is refused until the window ends (IPv6
 *   per /64, and per /48 past `PASSWORD_SITE_FACTOR` times that).
 *
 * Unknown users and wrong passwords are counted alike. Never keyed on `x-device-id`, which the
 * client chooses.
 */
export class PasswordGuard {
  readonly #store: LimitStore;
  readonly #key: Buffer;
  readonly #limits: Limits;
  readonly #clock: Clock;
  readonly #captcha: CaptchaVerifier | undefined;
  /** Attempts whose (username, IP) pair had no failures and no lockout when checked: nothing to clear. */
  readonly #clean = new WeakSet<PasswordAttempt>();
  /** Slot releases that could not reach the store yet, per slot key (bounded by the slots' TTL). */
  readonly #unreleased = new Map<string, number>();

  constructor(store: LimitStore, key: Buffer, limits: Limits, clock: Clock, captcha?: CaptchaVerifier) {
    this.#store = store;
    this.#key = key;
    this.#limits = limits;
    this.#clock = clock;
    this.#captcha = captcha;
  }

  #keys(attempt: PasswordAttempt) {
    const user = signInLimitIdentity(attempt.username);
    const ip = ipBucket(attempt.ip);
    const site = ipSiteBucket(attempt.ip);
    return {
      site: site === undefined ? undefined : limitKey(this.#key, 'pw-site', site),
      userIp: limitKey(this.#key, 'pw-ui', user, ip),
      lock: limitKey(this.#key, 'pw-lock', user, ip),
      user: limitKey(this.#key, 'pw-u', user),
      ip: limitKey(this.#key, 'pw-ip', ip),
      slot: limitKey(this.#key, 'pw-slot', user, ip),
    };
  }

  /**
   * Throws before any password work when the attempt is locked out, throttled or needs a captcha;
   * otherwise takes the (username, IP) pair's one attempt slot and returns its release, to call
   * once the outcome is recorded. One attempt at a time per pair, on every instance: a parallel
   * burst would otherwise pass these reads together, before any failure is counted, and get as many
   * guesses as it sends instead of `passwordFailuresPerUserIp`.
   */
  async check(attempt: PasswordAttempt): Promise<() => Promise<void>> {
    const keys = this.#keys(attempt);
    // One round trip where the store allows it (every sign-in pays this).
    const wanted = [
      keys.lock,
      keys.user,
      keys.ip,
      keys.userIp,
      ...(keys.site === undefined ? [] : [keys.site]),
    ];
    const values = this.#store.getMany
      ? await this.#store.getMany(wanted)
      : await Promise.all(wanted.map((key) => this.#store.get(key)));
    const [lockedUntil, userCount, ipCount, userIpCount, siteCount] = values;
    if (lockedUntil === undefined && userIpCount === undefined) this.#clean.add(attempt);
    const now = this.#clock.now();
    if (lockedUntil !== undefined && Number(lockedUntil) > now) {
      throw new TokenServerError('rate_limit_exceeded', 'too many failed sign-in attempts; try again later', {
        retryAfter: Math.max(1, Math.ceil((Number(lockedUntil) - now) / 1_000)),
      });
    }
    if (ipCount !== undefined && Number(ipCount) >= this.#limits.passwordFailuresPerIp) {
      throw new TokenServerError(
        'rate_limit_exceeded',
        'too many failed sign-in attempts from this network',
        {
          retryAfter: this.#limits.passwordFailureWindow,
        },
      );
    }
    if (
      siteCount !== undefined &&
      Number(siteCount) >= this.#limits.passwordFailuresPerIp * PASSWORD_SITE_FACTOR
    ) {
      throw new TokenServerError(
        'rate_limit_exceeded',
        'too many failed sign-in attempts from this network',
        { retryAfter: this.#limits.passwordFailureWindow },
      );
    }
    if (userCount !== undefined && Number(userCount) >= this.#limits.passwordFailuresPerUser) {
      const token = attempt.captchaToken;
      const solved =
        token !== undefined && this.#captcha !== undefined && (await this.#checkCaptcha(token, attempt.ip));
      if (!solved)
        throw new TokenServerError('captcha_required', 'solve the captcha and send it as x-captcha-token');
    }
    let slot: { count: number; ttlMs: number };
    try {
      slot = await this.#store.increment(keys.slot, SLOT_TTL_MS);
    } catch (error) {
      // The increment may have landed with its answer lost (the store went away mid-call): owe it
      // back like a release that could not land. If it had not landed, the late release leaves the
      // count one lower for this window — permissive by one attempt, never a lockout.
      this.#owe(keys.slot, performance.now() + SLOT_TTL_MS);
      throw error;
    }
    // Earlier attempts here could not give their slots back (the store was away): they are over, so
    // land those releases now rather than refuse this attempt until the background retry does.
    let stale = 0;
    while (
      slot.count - stale > 1 &&
      (this.#unreleased.get(keys.slot) ?? 0) > 0 &&
      (await this.#landRelease(keys.slot))
    )
      stale++;
    const release = () => this.#release(keys.slot, performance.now() + slot.ttlMs);
    if (slot.count - stale > 1) {
      await release();
      throw new TokenServerError(
        'rate_limit_exceeded',
        'another sign-in attempt for this account from this address is in progress',
        { retryAfter: 1 },
      );
    }
    return release;
  }

  /**
   * Asks the captcha provider. A provider that fails (down, timing out, a bug in the plug-in) leaves
   * the captcha unsolved — fail closed — and answers 503 with Retry-After, not a 500: the caller can
   * do nothing about it but retry.
   */
  async #checkCaptcha(token: string, ip: string): Promise<boolean> {
    try {
      return await this.#captcha!(token, { ip, action: 'password' });
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

  /**
   * Gives the slot back. If the store is unreachable (the database went away mid-attempt) the
   * request must not wait for it: the release is remembered and retried in the background until it
   * lands or the slot's window has ended by itself, so the pair is not refused beyond the outage.
   */
  async #release(key: string, windowEnds: number): Promise<void> {
    try {
      await this.#store.increment(key, SLOT_TTL_MS, -1);
    } catch {
      this.#owe(key, windowEnds);
    }
  }

  /** Remembers a release that could not land and retries it in the background until it does. */
  #owe(key: string, windowEnds: number): void {
    this.#unreleased.set(key, (this.#unreleased.get(key) ?? 0) + 1);
    const retry = () => {
      setTimeout(() => {
        if ((this.#unreleased.get(key) ?? 0) === 0) return; // landed by the next attempt
        if (performance.now() >= windowEnds) {
          this.#forget(key);
          return;
        }
        void this.#landRelease(key).then((landed) => landed || retry());
      }, 250).unref();
    };
    retry();
  }

  /** Lands one remembered release of `key`; true when it did. */
  async #landRelease(key: string): Promise<boolean> {
    try {
      await this.#store.increment(key, SLOT_TTL_MS, -1);
    } catch {
      return false;
    }
    this.#forget(key);
    return true;
  }

  #forget(key: string): void {
    const left = (this.#unreleased.get(key) ?? 0) - 1;
    if (left > 0) this.#unreleased.set(key, left);
    else this.#unreleased.delete(key);
  }

  async recordFailure(attempt: PasswordAttempt): Promise<void> {
    const keys = this.#keys(attempt);
    const windowMs = this.#limits.passwordFailureWindow * 1_000;
    const [userIp] = await Promise.all([
      this.#store.increment(keys.userIp, windowMs),
      this.#store.increment(keys.user, windowMs),
      this.#store.increment(keys.ip, windowMs),
      keys.site === undefined ? undefined : this.#store.increment(keys.site, windowMs),
    ]);
    const over = userIp.count - this.#limits.passwordFailuresPerUserIp;
    if (over >= 0) {
      const seconds = Math.min(
        this.#limits.passwordLockoutBase * 2 ** Math.min(over, 20),
        this.#limits.passwordLockoutMax,
      );
      await this.#store.set(keys.lock, String(this.#clock.now() + seconds * 1_000), seconds * 1_000);
    }
  }

  /**
   * After a forgot-password reset proved the account's phone or email from this IP: the lockouts
   * and failure counts of this IP under every name the account signs in with end, so the person who
   * just reset is not kept waiting out the lockout their forgotten password earned. Only this IP's:
   * an attacker's failures elsewhere (and the per-user captcha throttle) stay counted.
   */
  async forgive(names: readonly (string | null | undefined)[], ip: string): Promise<void> {
    const identities = new Set(names.filter((name): name is string => !!name).map(signInLimitIdentity));
    await Promise.all(
      [...identities].flatMap((identity) => {
        const keys = this.#keys({ username: identity, ip, captchaToken: undefined });
        return [this.#store.delete(keys.userIp), this.#store.delete(keys.lock)];
      }),
    );
  }

  /** A correct password from this IP clears that pair's failures (not the per-user or per-IP counts). */
  async recordSuccess(attempt: PasswordAttempt): Promise<void> {
    // Checked moments ago under this attempt's slot (no other attempt of the pair can run): clean.
    if (this.#clean.has(attempt)) return;
    const keys = this.#keys(attempt);
    await Promise.all([this.#store.delete(keys.userIp), this.#store.delete(keys.lock)]);
  }
}
