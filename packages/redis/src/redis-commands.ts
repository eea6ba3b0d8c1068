import { StoreUnavailableError } from '@lingpai/auth-core';
import { connectionContext, type RedisClient } from './redis-client.js';
import { RedisConfigError, toStoreError } from './redis-errors.js';

/** A Lua script run atomically by Redis; defined once per client and called by SHA (EVALSHA). */
export interface RedisScript {
  /** Becomes a command on the client (ioredis `defineCommand`); letters, digits and `_` only. */
  readonly name: string;
  /** How many of the call's leading arguments are keys (KEYS[1..n]; the rest are ARGV). */
  readonly numberOfKeys: number;
  readonly lua: string;
}

/** Declares a script; pair with `RedisCommandRunner.script` to call it. */
export function defineRedisScript(name: string, numberOfKeys: number, lua: string): RedisScript {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`Invalid Redis script name "${name}"`);
  if (!Number.isInteger(numberOfKeys) || numberOfKeys < 0) {
    throw new TypeError(`numberOfKeys must be a non-negative integer, got ${numberOfKeys}`);
  }
  return Object.freeze({ name, numberOfKeys, lua });
}

export interface RedisCommandRunnerOptions {
  /** Prepended to every key passed through `key()`. Default ''. */
  keyPrefix?: string;
  /**
   * Bound on each call. Enforced with our own timer when the client is a Cluster or its
   * `commandTimeout` is unset or longer (a client passed in may have none); otherwise ioredis
   * enforces it. The command may
   * still run on the server after the bound fires. Default 2,000 ms.
   */
  timeoutMs?: number;
}

type ScriptCommand = (...args: Array<string | number>) => Promise<unknown>;

// Which scripts each client already knows (name -> source); `defineCommand` need not be repeated, and
// two different scripts under one name would silently replace each other.
const defined = new WeakMap<RedisClient, Map<string, string>>();

/**
 * Runs commands for a lingpai store on one ioredis client: prefixes keys, bounds every call in time,
 * and maps failures to `STORE_UNAVAILABLE` / `REDIS_COMMAND_FAILED` (programming errors propagate as they are). Shared by every Redis
 * adapter in lingpai, so they all fail the same way.
 */
export class RedisCommandRunner {
  readonly client: RedisClient;
  readonly keyPrefix: string;
  readonly timeoutMs: number;
  readonly #clientBounded: boolean;

  constructor(client: RedisClient, options: RedisCommandRunnerOptions = {}) {
    this.client = client;
    const commandTimeout = commandTimeoutOf(client);
    this.#clientBounded = commandTimeout !== undefined && commandTimeout <= (options.timeoutMs ?? 2_000);
    this.keyPrefix = options.keyPrefix ?? '';
    this.timeoutMs = options.timeoutMs ?? 2_000;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new RedisConfigError(
        `\`timeoutMs\` must be a positive number of milliseconds, got ${this.timeoutMs}`,
      );
    }
  }

  /** The Redis key for a store key. */
  key(key: string): string {
    return this.keyPrefix + key;
  }

  /** Runs `command` with the time bound and error mapping. `operation` names it in error messages. */
  run<T>(operation: string, command: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.#clientBounded) {
      // ioredis already bounds every command (queued or sent) by its commandTimeout: skip our timer.
      try {
        return command(this.client).catch((error: unknown) => {
          throw toStoreError(error, operation, connectionContext(this.client));
        });
      } catch (error) {
        return Promise.reject(toStoreError(error, operation, connectionContext(this.client)));
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(
              `Redis ${operation} got no answer within ${this.timeoutMs} ms${timeoutDetail(this.client)}`,
            ),
          ),
        this.timeoutMs,
      );
    });
    let call: Promise<T>;
    try {
      call = command(this.client);
    } catch (error) {
      clearTimeout(timer);
      return Promise.reject(toStoreError(error, operation, connectionContext(this.client)));
    }
    return Promise.race([call, timeout]).then(
      (value) => {
        clearTimeout(timer);
        return value;
      },
      (error: unknown) => {
        clearTimeout(timer);
        // The losing call may still reject later; keep that from becoming an unhandled rejection.
        call.catch(() => undefined);
        throw toStoreError(error, operation, connectionContext(this.client));
      },
    );
  }

  /**
   * Calls a Lua script by SHA (ioredis `defineCommand` sends EVALSHA and falls back to EVAL once
   * when the server does not know the script yet). `keys` are prefixed here.
   */
  script(
    script: RedisScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    if (keys.length !== script.numberOfKeys) {
      return Promise.reject(
        new TypeError(`Script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`),
      );
    }
    let command: ScriptCommand;
    try {
      // Outside `run`: a name clash is a programming error, not a retryable STORE_UNAVAILABLE.
      command = scriptCommand(this.client, script);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(script.name, (client) =>
      command.call(client, ...keys.map((key) => this.key(key)), ...args),
    );
  }
}

/** The client's command for `script`, defining it on first use. */
function scriptCommand(client: RedisClient, script: RedisScript): ScriptCommand {
  let scripts = defined.get(client);
  if (scripts === undefined) {
    scripts = new Map();
    defined.set(client, scripts);
  }
  const known = scripts.get(script.name);
  if (known === undefined) {
    client.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    scripts.set(script.name, script.lua);
  } else if (known !== script.lua) {
    throw new TypeError(`Another script is already defined as ${script.name} on this client`);
  }
  const command = (client as unknown as Record<string, ScriptCommand>)[script.name];
  if (command === undefined) throw new TypeError(`Script ${script.name} is not defined on the client`);
  return command;
}

/**
 * The client's own per-command timeout. A Cluster has none that bounds everything: its nodes'
 * `commandTimeout` starts only once a node takes the command, and commands the Cluster queues while
 * it is not ready wait unbounded, so a Cluster always gets our timer.
 */
function commandTimeoutOf(client: RedisClient): number | undefined {
  if (client.isCluster) return undefined;
  const value = (client.options as { commandTimeout?: unknown }).commandTimeout;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

// " from redis://host:port (ECONNREFUSED)": where the silence came from, and the last connection error.
function timeoutDetail(client: RedisClient): string {
  const { endpoint, lastError } = connectionContext(client);
  if (endpoint === undefined) return '';
  const code = (lastError as { code?: unknown } | undefined)?.code;
  return ` from ${endpoint}${typeof code === 'string' ? ` (last connection error: ${code})` : ''}`;
}
