import {
  assertKey,
  assertTtl,
  hexNonce,
  type Lock,
  type RandomBytes,
  type SharedStore,
  StoreArgumentError,
  StoreFullError,
  StoreValueError,
  secureRandomBytes,
} from '@lingpai/auth-core';
import { clientFromOptions, type RedisClient, type RedisClientOptions } from './redis-client.js';
import { defineRedisScript, RedisCommandRunner } from './redis-commands.js';
import { RedisCommandError } from './redis-errors.js';

export interface RedisStoreOptions {
  /** An ioredis client (standalone, Sentinel or Cluster). Its options are left as they are. */
  client?: RedisClient;
  /** Or a URL (`redis://`, `rediss://`): the store then creates, configures and owns the client. */
  url?: string | undefined;
  /** Options for the client created from `url`. */
  clientOptions?: RedisClientOptions;
  /** Prepended to every key, e.g. `myapp:`. Default ''. */
  keyPrefix?: string;
  /** Bound on each store call even if the client has no `commandTimeout`. Default 2,000 ms. */
  timeoutMs?: number;
  /** Randomness for lock tokens. */
  random?: RandomBytes;
}

// Scripts: each is one atomic step on the server, which is what the store contract promises.
const COMPARE_AND_SET = defineRedisScript(
  'lingpai_store_compare_and_set',
  1,
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`,
);

const COMPARE_AND_DELETE = defineRedisScript(
  'lingpai_store_compare_and_delete',
  1,
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`,
);

// The TTL is set when the counter is created (or found without one), so the window never slides.
const INCREMENT = defineRedisScript(
  'lingpai_store_increment',
  1,
  `local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`,
);

/**
 * `KeyValueStore`, `CounterStore` and `LockStore` on Redis: N processes, one Redis, one upstream
 * token fetch. Plain commands where one command is atomic (GET, SET PX, SET NX PX, DEL), Lua where a
 * read and a write must be one step. Every failure to reach Redis is `STORE_UNAVAILABLE`, in bounded time.
 */
export class RedisStore implements SharedStore {
  readonly client: RedisClient;
  readonly keyPrefix: string;
  readonly #commands: RedisCommandRunner;
  readonly #random: RandomBytes;
  readonly #ownsClient: boolean;

  constructor(options: RedisStoreOptions) {
    const { client, owned } = clientFromOptions('RedisStore', options);
    this.#ownsClient = owned;
    this.client = client;
    this.keyPrefix = options.keyPrefix ?? '';
    this.#random = options.random ?? secureRandomBytes;
    this.#commands = new RedisCommandRunner(this.client, {
      keyPrefix: this.keyPrefix,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }

  async get(key: string): Promise<string | undefined> {
    assertKey(key);
    const value = await this.#commands.run('GET', (client) => client.get(this.#commands.key(key)));
    return value ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertKey(key);
    assertTtl(ttlMs);
    await this.#commands
      .run('SET', (client) => client.set(this.#commands.key(key), value, 'PX', ttlMs))
      .catch(rethrowFull);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    assertKey(key);
    assertTtl(ttlMs);
    const reply = await this.#commands
      .run('SET NX', (client) => client.set(this.#commands.key(key), value, 'PX', ttlMs, 'NX'))
      .catch(rethrowFull);
    return reply === 'OK';
  }

  async compareAndSet(
    key: string,
    expected: string | undefined,
    value: string,
    ttlMs: number,
  ): Promise<boolean> {
    if (expected === undefined) return this.setIfAbsent(key, value, ttlMs);
    assertKey(key);
    assertTtl(ttlMs);
    const reply = await this.#commands
      .script(COMPARE_AND_SET, [key], [expected, value, ttlMs])
      .catch(rethrowFull);
    return reply === 1;
  }

  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    assertKey(key);
    return (await this.#commands.script(COMPARE_AND_DELETE, [key], [expected])) === 1;
  }

  async delete(key: string): Promise<boolean> {
    assertKey(key);
    return (await this.#commands.run('DEL', (client) => client.del(this.#commands.key(key)))) > 0;
  }

  async increment(key: string, ttlMs: number, by = 1): Promise<{ count: number; ttlMs: number }> {
    assertKey(key);
    assertTtl(ttlMs);
    if (!Number.isSafeInteger(by))
      throw new StoreArgumentError(`increment step must be an integer, got ${by}`);
    let reply: unknown;
    try {
      reply = await this.#commands.script(INCREMENT, [key], [ttlMs, by]);
    } catch (error) {
      throw asValueError(error) ?? asFullError(error) ?? error;
    }
    const [count, ttl]: unknown[] = Array.isArray(reply) ? reply : [];
    // Lua hands counts back as doubles: past 2^53 the number is no longer the count.
    if (typeof count !== 'number' || !Number.isSafeInteger(count)) {
      throw new StoreValueError('Cannot increment: the count would leave the safe integer range');
    }
    return { count, ttlMs: Number(ttl) };
  }

  async tryAcquire(key: string, ttlMs: number): Promise<Lock | undefined> {
    const token = hexNonce(16, this.#random);
    if (!(await this.setIfAbsent(key, token, ttlMs))) return undefined;
    return { key, token, release: () => this.compareAndDelete(key, token) };
  }

  /** Closes the connection if this store created it from a URL; a client passed in is left open. */
  async close(): Promise<void> {
    if (!this.#ownsClient) return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

// Under `maxmemory-policy noeviction` a full Redis refuses writes with "OOM command not allowed …":
// the store contract's STORE_FULL, so guards on the store refuse the same way on MemoryStore and Redis.
function asFullError(error: unknown): StoreFullError | undefined {
  if (!(error instanceof RedisCommandError) || !(error.cause instanceof Error)) return undefined;
  if (!/\bOOM command not allowed\b/.test(error.cause.message)) return undefined;
  return new StoreFullError('Redis is full (maxmemory reached) and refused the write', {
    cause: error.cause,
  });
}

function rethrowFull(error: unknown): never {
  throw asFullError(error) ?? error;
}

// INCRBY's replies for a value that is not a counter; MemoryStore throws the same StoreValueError.
const NOT_A_COUNTER = /value is not an integer or out of range|increment or decrement would overflow/;

function asValueError(error: unknown): StoreValueError | undefined {
  if (!(error instanceof RedisCommandError) || !(error.cause instanceof Error)) return undefined;
  if (!NOT_A_COUNTER.test(error.cause.message)) return undefined;
  return new StoreValueError('Cannot increment: the stored value is not an integer', { cause: error.cause });
}
