import type { BlockList } from 'node:net';
import type { Clock } from '@lingpai/auth-core';
import { hashToken, newOpaqueToken, type RandomSource } from '../crypto/opaque-token.js';
import { ConfigError } from '../errors.js';
import type { Database } from '../storage/database.js';
import { notifyEndedSessions } from '../tokens/revoked-sessions.js';
import {
  CLIENT_ID_PATTERN,
  type Client,
  type ClientInput,
  GRANT_TYPES,
  validateClientInput,
} from './client.js';
import { compileAllowList } from './ip-allow-list.js';

export const CLIENTS_CHANNEL = 'lingpai_clients';

/** Unknown ids remembered (each at most 128 characters). */
const MAX_CACHED_MISSES = 10_000;

interface ClientRow {
  id: string;
  name: string;
  kind: 'public' | 'confidential';
  secret_hash: string | null;
  auth_methods: Client['authMethods'];
  grant_types: Client['grantTypes'];
  scopes: string[];
  default_scopes: string[];
  redirect_uris: string[];
  logout_uris: string[];
  cors_origins: string[];
  refresh_grace_seconds: number;
  first_party: boolean;
  ip_allow: string[];
  rate_limit_per_minute: number | null;
  service_account_sub: string | null;
}

function fromRow(row: ClientRow): Client {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    secretHash: row.secret_hash ?? undefined,
    authMethods: row.auth_methods,
    grantTypes: row.grant_types,
    scopes: row.scopes,
    defaultScopes: row.default_scopes,
    redirectUris: row.redirect_uris,
    logoutUris: row.logout_uris,
    corsOrigins: row.cors_origins,
    refreshGraceSeconds: row.refresh_grace_seconds,
    firstParty: row.first_party,
    ipAllow: row.ip_allow,
    rateLimitPerMinute: row.rate_limit_per_minute ?? undefined,
    serviceAccountSub: row.service_account_sub ?? undefined,
  };
}

export interface LoadedClient extends Client {
  allowList: BlockList | undefined;
}

/**
 * Registered clients. Reads are served from memory (every token request needs one); a NOTIFY from
 * whichever instance changed a client, and a short TTL as a backstop, keep every instance current.
 */
export class ClientRegistry {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #cache = new Map<string, { client: LoadedClient; at: number }>();
  /**
   * Ids looked up and not found, apart from the registered ones: a caller probing random ids must
   * neither cost a query each nor, by filling one shared map, push the real clients out of it.
   */
  readonly #misses = new Map<string, number>();
  readonly #ttlMs: number;
  #origins: { at: number; set: Set<string> } | undefined;

  constructor(db: Database, clock: Clock, random: RandomSource, ttlMs = 30_000) {
    this.#db = db;
    this.#clock = clock;
    this.#random = random;
    this.#ttlMs = ttlMs;
  }

  /** Drops cached entries (all, or one id); called on NOTIFY. */
  invalidate(id?: string): void {
    if (id === undefined || id === '*') this.#cache.clear();
    else this.#cache.delete(id);
    // A miss may have become a registration (or the other way round): forget them all, they are cheap.
    this.#misses.clear();
    this.#origins = undefined;
  }

  async get(id: string): Promise<LoadedClient | undefined> {
    // No registration can have any other id: a 10 KB id from a Basic header, a NUL, a case or
    // Unicode look-alike is unknown without a query, and is never kept in memory.
    if (!CLIENT_ID_PATTERN.test(id)) return undefined;
    const now = this.#clock.now();
    const hit = this.#cache.get(id);
    if (hit && now - hit.at < this.#ttlMs) return hit.client;
    const missedAt = this.#misses.get(id);
    if (missedAt !== undefined && now - missedAt < this.#ttlMs) return undefined;
    const rows = await this.#db.query<ClientRow>('SELECT * FROM clients WHERE id = $1', [id]);
    if (!rows[0]) {
      // Misses are cached too (so probing unknown ids does not cost a query each), in a map of their
      // own, bounded: a flood of them evicts only other misses.
      if (this.#misses.size >= MAX_CACHED_MISSES) this.#misses.delete(this.#misses.keys().next().value!);
      this.#misses.set(id, now);
      return undefined;
    }
    const client = { ...fromRow(rows[0]), allowList: compileAllowList(rows[0].ip_allow) };
    this.#cache.set(id, { client, at: now });
    return client;
  }

  async list(): Promise<Client[]> {
    const rows = await this.#db.query<ClientRow>('SELECT * FROM clients ORDER BY id');
    return rows.map(fromRow);
  }

  /** Every registered CORS origin (for the CORS hook), refreshed with the cache TTL. */
  async corsOrigins(): Promise<Set<string>> {
    const now = this.#clock.now();
    if (this.#origins && now - this.#origins.at < this.#ttlMs) return this.#origins.set;
    const rows = await this.#db.query<{ cors_origins: string[] }>(
      "SELECT cors_origins FROM clients WHERE cors_origins <> '[]'::jsonb",
    );
    const set = new Set(rows.flatMap((row) => row.cors_origins));
    this.#origins = { at: now, set };
    return set;
  }

  /**
   * Registers a client, or checks an existing registration of the same id agrees (a `client_id` given
   * twice must agree). Returns the generated secret for a new confidential client — shown once,
   * stored only as its SHA-256.
   */
  async add(
    input: ClientInput,
    options: { upsert?: boolean } = {},
  ): Promise<{ client: Client; secret?: string; created: boolean }> {
    const valid = validateClientInput(input);
    const secret =
      valid.kind === 'confidential' ? (input.secret ?? newOpaqueToken(this.#random, 'lps_')) : undefined;
    if (secret !== undefined && secret.length < 16)
      throw new ConfigError(`client ${valid.id}: a secret must be at least 16 characters`);
    const serviceAccountSub = valid.grantTypes.includes(GRANT_TYPES.clientCredentials)
      ? `service:${valid.id}`
      : undefined;
    const now = new Date(this.#clock.now());
    const values = [
      valid.id,
      valid.name,
      valid.kind,
      secret === undefined ? null : hashToken(secret),
      JSON.stringify(valid.authMethods),
      JSON.stringify(valid.grantTypes),
      JSON.stringify(valid.scopes),
      JSON.stringify(valid.defaultScopes),
      JSON.stringify(valid.redirectUris),
      JSON.stringify(valid.logoutUris),
      JSON.stringify(valid.corsOrigins),
      valid.refreshGraceSeconds,
      valid.firstParty,
      JSON.stringify(valid.ipAllow),
      valid.rateLimitPerMinute ?? null,
      serviceAccountSub ?? null,
      now,
    ];
    const rows = await this.#db.query<ClientRow>(
      `INSERT INTO clients (id, name, kind, secret_hash, auth_methods, grant_types, scopes, default_scopes, redirect_uris,
         logout_uris, cors_origins, refresh_grace_seconds, first_party, ip_allow, rate_limit_per_minute, service_account_sub,
         created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$17)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      values,
    );
    if (rows[0]) {
      await this.#announce(valid.id);
      return { client: fromRow(rows[0]), created: true, ...(secret === undefined ? {} : { secret }) };
    }
    const existing = (await this.#db.query<ClientRow>('SELECT * FROM clients WHERE id = $1', [valid.id]))[0];
    if (!existing) throw new ConfigError(`client ${valid.id} could not be registered`);
    const current = fromRow(existing);
    const same =
      current.kind === valid.kind &&
      JSON.stringify([...current.grantTypes].sort()) === JSON.stringify([...valid.grantTypes].sort()) &&
      (input.secret === undefined || current.secretHash === hashToken(input.secret));
    if (!same && !options.upsert) {
      throw new ConfigError(
        `client ${valid.id} is already registered with a different kind, grant types or secret; remove it first`,
      );
    }
    return { client: current, created: false };
  }

  async remove(id: string): Promise<boolean> {
    const rows = await this.#db.query<{ id: string }>('DELETE FROM clients WHERE id = $1 RETURNING id', [id]);
    if (rows.length > 0) {
      // Its sessions end with it, on every instance at once: the sids go out on the same channel
      // RevokedSessions listens to (a CLI process has no RevokedSessions of its own).
      const ended = await this.#db.query<{ id: string }>(
        "UPDATE refresh_families SET revoked_at = $2, revoked_reason = 'client_removed' WHERE client_id = $1 AND revoked_at IS NULL RETURNING id",
        [id, new Date(this.#clock.now())],
      );
      await notifyEndedSessions(
        this.#db,
        ended.map((row) => row.id),
      );
      await this.#announce(id);
    }
    return rows.length > 0;
  }

  async #announce(id: string): Promise<void> {
    this.invalidate(id);
    await this.#db.notify(CLIENTS_CHANNEL, id);
  }
}
