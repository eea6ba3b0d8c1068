import { randomBytes } from 'node:crypto';
import type { Clock } from '@lingpai/auth-core';
import type { OauthPlatform, SandboxOauthApp, SandboxOauthUser } from './types.js';

/** An authorization code as issued by an authorize page. */
export interface CodeRecord {
  code: string;
  platform: OauthPlatform;
  appId: string;
  userId: string;
  redirectUri: string;
  scope: string;
  issuedAt: number;
  expiresAt: number;
  usedAt?: number;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** Google: `access_type=offline`. */
  offline?: boolean;
}

export type CodeCheck =
  | { status: 'ok'; record: CodeRecord }
  | { status: 'unknown' }
  | { status: 'used'; record: CodeRecord }
  | { status: 'expired'; record: CodeRecord };

/** Any token the sandbox issued: user access/refresh tokens and app tokens. */
export interface TokenRecord {
  token: string;
  platform: OauthPlatform;
  /** e.g. `access`, `refresh`, `token` (WeChat cgi-bin), `stable`, `client`, `tenant`, `app`. */
  kind: string;
  appId: string;
  userId?: string;
  scope?: string;
  issuedAt: number;
  expiresAt: number;
  /** From this instant the token is refused as invalid (superseded, revoked, rotated). */
  invalidAt?: number;
  /** How many times this refresh token was renewed (Douyin renew_refresh_token). */
  renewals?: number;
  /** Google: the nonce from the authorize request, echoed in refreshed ID tokens. */
  nonce?: string;
  /** A refresh token's current access token (WeChat extends it instead of issuing a new one). */
  linked?: string;
}

export type TokenCheck =
  | { status: 'ok'; record: TokenRecord }
  | { status: 'unknown' }
  | { status: 'invalid'; record: TokenRecord }
  | { status: 'expired'; record: TokenRecord };

/** Token-endpoint calls per platform, per app id, per endpoint kind. */
export type OauthStats = Record<string, Record<string, Record<string, number>>>;

export interface OauthRegistry {
  users: readonly SandboxOauthUser[];
  apps: Record<OauthPlatform, SandboxOauthApp[]>;
}

/**
 * How long a dead code or token (expired, used up, superseded) is remembered, in sandbox time: long
 * enough that a test still gets the platform's "expired" / "used" / "invalid" answer, short enough that
 * a long-running sandbox does not grow without bound. After it the value is simply unknown.
 */
export const OAUTH_RECORD_GRACE_MS = 24 * 3_600_000;
/** A sweep runs on an issue once this many issues or this much sandbox time passed since the last one. */
const SWEEP_EVERY_ISSUES = 256;
const SWEEP_EVERY_MS = 3_600_000;

/** How many codes and tokens the sandbox currently remembers (live or within the grace). */
export interface OauthRecordCounts {
  codes: number;
  tokens: number;
}

/** The OAuth side's whole in-memory state; time always comes from the sandbox clock. */
export class OauthState {
  readonly #codes = new Map<string, CodeRecord>();
  readonly #tokens = new Map<string, TokenRecord>();
  #stats: OauthStats = {};
  #issuedSinceSweep = 0;
  #lastSweepAt: number;

  constructor(
    readonly clock: Clock,
    readonly registry: OauthRegistry,
  ) {
    this.#lastSweepAt = clock.now();
  }

  now(): number {
    return this.clock.now();
  }

  app(platform: OauthPlatform, appId: string | undefined): SandboxOauthApp | undefined {
    if (appId === undefined || appId === '') return undefined;
    return this.registry.apps[platform].find((app) => app.appId === appId);
  }

  user(userId: string | undefined): SandboxOauthUser | undefined {
    return this.registry.users.find((user) => user.id === userId);
  }

  /** Counts one call of a token endpoint (the number a multi-process test asserts on). */
  count(platform: OauthPlatform, appId: string, kind: string): void {
    const perPlatform = this.#stats[platform] ?? {};
    this.#stats[platform] = perPlatform;
    const key = appId || '(none)';
    const perApp = perPlatform[key] ?? {};
    perPlatform[key] = perApp;
    perApp[kind] = (perApp[kind] ?? 0) + 1;
  }

  stats(): OauthStats {
    return structuredClone(this.#stats);
  }

  /** How many times `kind` was fetched for one app (0 when never). */
  fetches(platform: OauthPlatform, appId: string, kind: string): number {
    return this.#stats[platform]?.[appId]?.[kind] ?? 0;
  }

  resetStats(): void {
    this.#stats = {};
  }

  issueCode(
    input: Omit<CodeRecord, 'code' | 'issuedAt' | 'expiresAt'>,
    ttlMs: number,
    code = randomToken(24),
  ): CodeRecord {
    const now = this.now();
    this.#maybeSweep(now);
    const record: CodeRecord = { ...input, code, issuedAt: now, expiresAt: now + ttlMs };
    this.#codes.set(code, record);
    return record;
  }

  /** Looks a code up and marks it used: a code works once, whatever the outcome of the exchange. */
  consumeCode(platform: OauthPlatform, code: string | undefined): CodeCheck {
    const record = code === undefined ? undefined : this.#codes.get(code);
    if (record === undefined || record.platform !== platform) return { status: 'unknown' };
    if (record.usedAt !== undefined) return { status: 'used', record };
    const now = this.now();
    if (now >= record.expiresAt) return { status: 'expired', record };
    record.usedAt = now;
    return { status: 'ok', record };
  }

  issueToken(input: Omit<TokenRecord, 'issuedAt' | 'expiresAt'>, ttlMs: number): TokenRecord {
    const now = this.now();
    this.#maybeSweep(now);
    const record: TokenRecord = { ...input, issuedAt: now, expiresAt: now + ttlMs };
    this.#tokens.set(record.token, record);
    return record;
  }

  /** Whether `token` may be used now, and if not, why (each platform words the answer its own way). */
  checkToken(platform: OauthPlatform, token: string | undefined, kinds: readonly string[]): TokenCheck {
    const record = token === undefined ? undefined : this.#tokens.get(token);
    if (record === undefined || record.platform !== platform || !kinds.includes(record.kind)) {
      return { status: 'unknown' };
    }
    const now = this.now();
    const invalid = record.invalidAt !== undefined && now >= record.invalidAt;
    const expired = now >= record.expiresAt;
    if (invalid && (!expired || (record.invalidAt ?? 0) <= record.expiresAt))
      return { status: 'invalid', record };
    if (expired) return { status: 'expired', record };
    return { status: 'ok', record };
  }

  token(token: string | undefined): TokenRecord | undefined {
    return token === undefined ? undefined : this.#tokens.get(token);
  }

  /** Tokens of one app and kind, newest first. */
  tokensOf(platform: OauthPlatform, appId: string, kind: string): TokenRecord[] {
    const list: TokenRecord[] = [];
    for (const record of this.#tokens.values()) {
      if (record.platform === platform && record.appId === appId && record.kind === kind) list.push(record);
    }
    // Map order is insertion order, so reversing gives newest first even within one clock tick.
    return list.reverse();
  }

  /** Marks a token invalid from now (or from `at`), keeping an earlier deadline if one was set. */
  invalidate(record: TokenRecord, at = this.now()): void {
    if (record.invalidAt === undefined || record.invalidAt > at) record.invalidAt = at;
  }

  /** Admin: invalidates any issued token now, as a platform may do early. Returns whether it existed. */
  invalidateToken(token: string): boolean {
    const record = this.#tokens.get(token);
    if (record === undefined) return false;
    this.invalidate(record);
    return true;
  }

  /** How many codes and tokens are remembered now. */
  counts(): OauthRecordCounts {
    return { codes: this.#codes.size, tokens: this.#tokens.size };
  }

  /**
   * Only issues add records, so sweeping there bounds memory; amortised over many issues (or an hour of
   * sandbox time) the O(n) pass costs little. `now < lastSweep` (a clock set back) also sweeps.
   */
  #maybeSweep(now: number): void {
    this.#issuedSinceSweep += 1;
    if (
      this.#issuedSinceSweep < SWEEP_EVERY_ISSUES &&
      now - this.#lastSweepAt < SWEEP_EVERY_MS &&
      now >= this.#lastSweepAt
    )
      return;
    this.#issuedSinceSweep = 0;
    this.#lastSweepAt = now;
    const cutoff = now - OAUTH_RECORD_GRACE_MS;
    for (const [code, record] of this.#codes) {
      // A used code is dead too, but answers "used" until its own expiry + grace.
      if (record.expiresAt <= cutoff) this.#codes.delete(code);
    }
    for (const [token, record] of this.#tokens) {
      // Dead from the first of expiry and invalidation.
      const deadAt = Math.min(record.expiresAt, record.invalidAt ?? Number.POSITIVE_INFINITY);
      if (deadAt <= cutoff) this.#tokens.delete(token);
    }
  }

  /** True when `record` is still usable now. */
  isLive(record: TokenRecord): boolean {
    const now = this.now();
    return now < record.expiresAt && (record.invalidAt === undefined || now < record.invalidAt);
  }
}

/** A random token of `bytes` entropy, base64url. */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Random lowercase hex. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
