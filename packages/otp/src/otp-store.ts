/**
 * Storage for verification codes. Every method is ONE atomic step with respect to every other call
 * on the same keys, in every process sharing the store (`MemoryOtpStore`: one process;
 * `RedisOtpStore` in `@lingpai/redis`: Lua scripts). The service passes `now` in, so expiry, windows
 * and cooldowns follow the injected clock; backends may additionally drop entries after `retainMs`
 * of real time to reclaim space.
 *
 * The store never sees a code, a phone number or an email address: it gets HMACs of them as keys and
 * an opaque sealed `data` string.
 *
 * Failure: a store that cannot reach its backend throws auth-core's `StoreUnavailableError`
 * (code `STORE_UNAVAILABLE`); the service turns that into `OTP_STORE_UNAVAILABLE` and sends nothing.
 */
export interface OtpStore {
  /**
   * Checks the cooldown and every limit; if any blocks, changes nothing and reports the one that
   * frees up last. Otherwise, all at once: increments every limit, starts the cooldown, stores the
   * record, and points `record.latestKey` at it (so the previous code for that recipient+purpose is
   * superseded).
   */
  createVerification(input: CreateVerificationInput): Promise<CreateVerificationResult>;

  /**
   * One try at a code, in ONE atomic step. Refuses (and counts nothing) when the record is missing,
   * used, expired, superseded or out of attempts. Otherwise counts the try and compares `codeHash`
   * with the stored hash in constant time; on a match it also marks the record used and stores the
   * verification token `issueToken()` describes: under its `key`, its `head` followed by the record's
   * `data`, for its `ttlMs`. Of N concurrent calls, at most `maxAttempts - attempts` are counted and
   * at most one returns `verified`.
   *
   * `issueToken` is called at most once: after the match (memory), or before the step by a backend
   * that must ship the token along with the try (Redis: one script, one round trip).
   */
  attempt(input: AttemptInput): Promise<AttemptResult>;

  /**
   * Forgets a verification whose code could not be delivered: deletes the record, and the latest
   * pointer and cooldown only if they still belong to this id. Limits stay counted.
   */
  cancelVerification(input: CancelVerificationInput): Promise<void>;

  /** Returns the token's data and deletes it, in one step: a token is redeemed at most once. */
  redeemToken(tokenKey: string): Promise<string | undefined>;
}

export interface OtpRecord {
  /** The verification id (random, URL-safe). */
  id: string;
  /** HMAC of the code, bound to `id`. */
  codeHash: string;
  maxAttempts: number;
  /** Epoch ms after which the code is refused. */
  expiresAt: number;
  /** Names the "only the latest code is valid" pointer for one recipient + purpose. */
  latestKey: string;
  /** Opaque to the store. */
  data: string;
}

/** A fixed-window cap: at most `max` successful creates per `windowMs`, counted under `key`. */
export interface SendLimit {
  key: string;
  max: number;
  windowMs: number;
  /** Reported back when this limit blocks (`recipient`, `ip`, `device`, `country`, `global`). */
  name: string;
}

export interface CreateVerificationInput {
  record: OtpRecord;
  now: number;
  /** How long to keep the record and latest pointer (>= the code's lifetime), ms. */
  retainMs: number;
  cooldown?: { key: string; ms: number };
  limits: readonly SendLimit[];
}

export type CreateVerificationResult =
  | { ok: true }
  | {
      ok: false;
      /** `cooldown`, or the `name` of the limit. */
      blockedBy: string;
      retryAfterMs: number;
    };

export interface AttemptInput {
  id: string;
  now: number;
  /** HMAC of the code as typed, bound to `id` like `OtpRecord.codeHash`. */
  codeHash: string;
  issueToken: () => TokenEntry;
}

/** The verification token as stored: `head + record.data` under `key`. */
export interface TokenEntry {
  key: string;
  /** Opaque to the store. */
  head: string;
  ttlMs: number;
}

export type AttemptResult =
  | { status: 'verified' }
  | { status: 'wrong'; attempts: number; maxAttempts: number }
  | { status: 'not_found' | 'used' | 'expired' | 'superseded' | 'locked' };

export interface CancelVerificationInput {
  id: string;
  latestKey: string;
  cooldownKey?: string;
}
