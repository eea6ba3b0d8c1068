import { clientFromOptions, type RedisClient, type RedisClientOptions } from './redis-client.js';
import { defineRedisScript, RedisCommandRunner } from './redis-commands.js';

// The shapes of @lingpai/otp's `OtpStore`, restated here because @lingpai/otp depends on this package
// for its tests (a type import back would be a cycle). @lingpai/otp's contract suite assigns a
// `RedisOtpStore` to `OtpStore`, so any drift fails its typecheck.

export interface RedisOtpRecord {
  id: string;
  codeHash: string;
  maxAttempts: number;
  expiresAt: number;
  latestKey: string;
  data: string;
}

export interface RedisOtpSendLimit {
  key: string;
  max: number;
  windowMs: number;
  name: string;
}

export type RedisOtpCreateResult = { ok: true } | { ok: false; blockedBy: string; retryAfterMs: number };

export interface RedisOtpTokenEntry {
  key: string;
  head: string;
  ttlMs: number;
}

export type RedisOtpAttemptResult =
  | { status: 'verified' }
  | { status: 'wrong'; attempts: number; maxAttempts: number }
  | { status: 'not_found' | 'used' | 'expired' | 'superseded' | 'locked' };

export interface RedisOtpStoreOptions {
  /** An ioredis client (standalone or Sentinel; see the README for Cluster). */
  client?: RedisClient;
  /** Or a URL: the store then creates, configures (fail-fast timeouts) and owns the client. */
  url?: string | undefined;
  clientOptions?: RedisClientOptions;
  /**
   * Prepended to every key. Default `lingpai:otp:`. On Redis Cluster use a hash tag, e.g.
   * `{lingpai-otp}:`: the scripts touch several keys of one flow, which must share a slot.
   */
  keyPrefix?: string;
  /** Bound on each call even if the client has no `commandTimeout`. Default 2,000 ms. */
  timeoutMs?: number;
}

// Key families under the prefix: v: record (hash), l: latest pointer, c: cooldown (hash),
// w: limit window (hash n=count r=resetAt), t: verification token.
// Time comes from the caller (`now`) so every node and the tests share one clock; key TTLs only
// reclaim memory. Integers are formatted with %d: Lua's default %.14g would round large epochs.

const CREATE = defineRedisScript(
  'lingpai_otp_create',
  3,
  `local now = tonumber(ARGV[1])
local cooldownMs = tonumber(ARGV[8])
local blockedBy = ''
local retry = 0
if cooldownMs > 0 then
  local untilMs = tonumber(redis.call('HGET', KEYS[3], 'u') or '0')
  if untilMs > now then blockedBy = 'cooldown'; retry = untilMs - now end
end
local n = tonumber(ARGV[9])
for i = 0, n - 1 do
  local key = ARGV[10 + i * 4]
  local max = tonumber(ARGV[11 + i * 4])
  local w = redis.call('HMGET', key, 'n', 'r')
  if w[1] and tonumber(w[2]) > now and tonumber(w[1]) >= max then
    local wait = tonumber(w[2]) - now
    if wait > retry then blockedBy = ARGV[13 + i * 4]; retry = wait end
  end
end
if blockedBy ~= '' then return {0, blockedBy, string.format('%d', retry)} end
for i = 0, n - 1 do
  local key = ARGV[10 + i * 4]
  local windowMs = tonumber(ARGV[12 + i * 4])
  local w = redis.call('HMGET', key, 'n', 'r')
  if (not w[1]) or tonumber(w[2]) <= now then
    redis.call('HSET', key, 'n', 1, 'r', string.format('%d', now + windowMs))
    redis.call('PEXPIRE', key, windowMs)
  else
    redis.call('HINCRBY', key, 'n', 1)
  end
end
if cooldownMs > 0 then
  redis.call('HSET', KEYS[3], 'u', string.format('%d', now + cooldownMs), 'i', ARGV[3])
  redis.call('PEXPIRE', KEYS[3], cooldownMs)
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'h', ARGV[4], 'm', ARGV[5], 'e', ARGV[6], 'l', KEYS[2], 'd', ARGV[7], 'a', 0, 'u', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
return {1}`,
);

// Checks, counts the try, compares the hashes in constant time, and on a match marks the record used
// and stores the token: one round trip either way. The token value is the caller's head followed by
// the record's sealed data, read only on a match.
// The compare folds every byte pair into a sum of squares (zero only when all are equal), no early
// exit, 8 bytes per string.byte call and plain arithmetic: a bit.bor/bit.bxor call per byte cost
// about 4x the server time. Lengths are public (every hash is a 43-character base64url HMAC); both
// strings get the same 7-character pad so each 8-byte read is complete.
const ATTEMPT = defineRedisScript(
  'lingpai_otp_attempt',
  2,
  `local r = redis.call('HMGET', KEYS[1], 'h', 'm', 'e', 'l', 'a', 'u')
if not r[1] then return {'not_found'} end
if r[6] ~= '0' then return {'used'} end
if tonumber(ARGV[1]) >= tonumber(r[3]) then return {'expired'} end
if redis.call('GET', r[4]) ~= ARGV[2] then return {'superseded'} end
local max = tonumber(r[2])
if tonumber(r[5]) >= max then return {'locked'} end
local attempts = redis.call('HINCRBY', KEYS[1], 'a', 1)
local n = #r[1]
local diff = (n == #ARGV[3]) and 0 or 1
if diff == 0 then
  local byte, a, b = string.byte, r[1] .. '=======', ARGV[3] .. '======='
  for i = 1, n, 8 do
    local a1, a2, a3, a4, a5, a6, a7, a8 = byte(a, i, i + 7)
    local b1, b2, b3, b4, b5, b6, b7, b8 = byte(b, i, i + 7)
    a1, a2, a3, a4, a5, a6, a7, a8 = a1 - b1, a2 - b2, a3 - b3, a4 - b4, a5 - b5, a6 - b6, a7 - b7, a8 - b8
    diff = diff + a1 * a1 + a2 * a2 + a3 * a3 + a4 * a4 + a5 * a5 + a6 * a6 + a7 * a7 + a8 * a8
  end
end
if diff ~= 0 then return {'wrong', attempts, max} end
redis.call('HSET', KEYS[1], 'u', '1')
redis.call('SET', KEYS[2], ARGV[4] .. redis.call('HGET', KEYS[1], 'd'), 'PX', ARGV[5])
return {'verified'}`,
);

const CANCEL = defineRedisScript(
  'lingpai_otp_cancel',
  3,
  `redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
if ARGV[2] == '1' and redis.call('HGET', KEYS[3], 'i') == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 1`,
);

// GETDEL needs Redis 6.2; GET+DEL in a script works everywhere and is just as atomic.
const TAKE = defineRedisScript(
  'lingpai_otp_take',
  1,
  `local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v`,
);

/**
 * `OtpStore` of `@lingpai/otp` on Redis: every operation is one Lua script, so attempt counting, the
 * used flag, the caps and the cooldown change atomically across every process sharing the Redis.
 * Unreachable Redis → auth-core's `StoreUnavailableError` in bounded time (the service then sends nothing).
 */
export class RedisOtpStore {
  readonly client: RedisClient;
  readonly keyPrefix: string;
  readonly #commands: RedisCommandRunner;
  readonly #ownsClient: boolean;

  constructor(options: RedisOtpStoreOptions) {
    const { client, owned } = clientFromOptions('RedisOtpStore', options);
    this.#ownsClient = owned;
    this.client = client;
    this.keyPrefix = options.keyPrefix ?? 'lingpai:otp:';
    this.#commands = new RedisCommandRunner(this.client, {
      keyPrefix: this.keyPrefix,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }

  async createVerification(input: {
    record: RedisOtpRecord;
    now: number;
    retainMs: number;
    cooldown?: { key: string; ms: number };
    limits: readonly RedisOtpSendLimit[];
  }): Promise<RedisOtpCreateResult> {
    const { record, cooldown } = input;
    const limitArgs: Array<string | number> = [];
    for (const limit of input.limits) {
      // Limit keys travel in ARGV (their number varies); same prefix, same slot caveat as the README says.
      limitArgs.push(this.#commands.key(`w:${limit.key}`), limit.max, limit.windowMs, limit.name);
    }
    const reply = await this.#commands.script(
      CREATE,
      [`v:${record.id}`, `l:${record.latestKey}`, `c:${cooldown?.key ?? record.id}`],
      [
        input.now,
        input.retainMs,
        record.id,
        record.codeHash,
        record.maxAttempts,
        record.expiresAt,
        record.data,
        cooldown?.ms ?? 0,
        input.limits.length,
        ...limitArgs,
      ],
    );
    const [ok, blockedBy, retryAfterMs] = reply as [number, string?, string?];
    if (ok === 1) return { ok: true };
    return { ok: false, blockedBy: String(blockedBy), retryAfterMs: Number(retryAfterMs) };
  }

  async attempt(input: {
    id: string;
    now: number;
    codeHash: string;
    issueToken: () => RedisOtpTokenEntry;
  }): Promise<RedisOtpAttemptResult> {
    // The script cannot call back, so the token is prepared before the step; unused on a wrong code.
    const token = input.issueToken();
    const reply = (await this.#commands.script(
      ATTEMPT,
      [`v:${input.id}`, `t:${token.key}`],
      [input.now, input.id, input.codeHash, token.head, token.ttlMs],
    )) as unknown[];
    const status = reply[0] as RedisOtpAttemptResult['status'];
    if (status !== 'wrong') return { status } as RedisOtpAttemptResult;
    return { status, attempts: Number(reply[1]), maxAttempts: Number(reply[2]) };
  }

  async cancelVerification(input: { id: string; latestKey: string; cooldownKey?: string }): Promise<void> {
    await this.#commands.script(
      CANCEL,
      [`v:${input.id}`, `l:${input.latestKey}`, `c:${input.cooldownKey ?? input.id}`],
      [input.id, input.cooldownKey === undefined ? '0' : '1'],
    );
  }

  async redeemToken(tokenKey: string): Promise<string | undefined> {
    const reply = await this.#commands.script(TAKE, [`t:${tokenKey}`], []);
    return typeof reply === 'string' ? reply : undefined;
  }

  /** Closes the connection if this store created it from a URL; a client passed in is left open. */
  async close(): Promise<void> {
    if (!this.#ownsClient) return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
