import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Clock } from '@lingpai/auth-core';
import { deriveKey, open, seal } from '../crypto/sealing.js';
import type { Database, Queryable } from '../storage/database.js';
import {
  generateKeyObjects,
  type PublicJwk,
  publicJwkOf,
  type SigningAlgorithm,
  type SigningKey,
} from './signing-key.js';

export const KEYS_CHANNEL = 'lingpai_keys';
// Advisory lock taken while the first signing key is created ("lpk1"; migrations use another).
const FIRST_KEY_LOCK_ID = 0x6c706b31;

export interface KeyRingOptions {
  db: Database;
  /** LINGPAI_SECRET: private keys are sealed under a key derived from it. */
  secret: string;
  clock: Clock;
  algorithm: SigningAlgorithm;
  /** How long verifiers may cache the JWKS: a new key waits this long before it signs. */
  jwksMaxAgeSeconds: number;
  /** The longest lifetime of anything signed: a superseded key stays published this long. */
  maxTokenLifetimeSeconds: number;
}

interface KeyRow {
  kid: string;
  alg: SigningAlgorithm;
  public_jwk: PublicJwk;
  private_sealed: string;
  created_at: Date;
  activates_at: Date;
  revoked_at: Date | null;
}

/**
 * The signing keys of the whole fleet, kept in the database. Every instance signs with the newest
 * key whose activation time has passed, so a rotation reaches all of them without coordination; a
 * NOTIFY (and a periodic reload) brings in keys added or revoked elsewhere.
 */
export class KeyRing {
  readonly #options: KeyRingOptions;
  readonly #sealKey: Buffer;
  #keys: SigningKey[] = [];
  #jwksCache: { at: number; body: string } | undefined;

  constructor(options: KeyRingOptions) {
    this.#options = options;
    this.#sealKey = deriveKey(options.secret, 'signing keys at rest');
  }

  /** Loads every key; creates the first one when there is none of the configured algorithm. */
  async init(): Promise<void> {
    await this.reload();
    const algorithm = this.#options.algorithm;
    if (this.#keys.some((key) => key.alg === algorithm && key.revokedAt === undefined)) return;
    // Instances starting together on an empty database would each create a first key and load only
    // their own, refusing each other's tokens until the next reload: one creates it under a lock,
    // the others find it there. The very first key is active at once: no JWKS can be cached without it.
    const created = await this.#options.db.withAdvisoryLock(FIRST_KEY_LOCK_ID, async (session) => {
      const existing = await session.query(
        'SELECT kid FROM signing_keys WHERE alg = $1 AND revoked_at IS NULL LIMIT 1',
        [algorithm],
      );
      if (existing.length > 0) return false;
      await this.#insert(algorithm, this.#options.clock.now(), session);
      return true;
    });
    if (created) await this.#options.db.notify(KEYS_CHANNEL, 'init').catch(() => undefined);
    await this.reload();
  }

  async reload(): Promise<void> {
    const rows = await this.#options.db.query<KeyRow>(
      'SELECT kid, alg, public_jwk, private_sealed, created_at, activates_at, revoked_at FROM signing_keys ORDER BY activates_at, created_at',
    );
    const known = new Map(this.#keys.map((key) => [key.kid, key]));
    this.#keys = rows.map((row) => {
      const cached = known.get(row.kid);
      const revokedAt = row.revoked_at ? row.revoked_at.getTime() : undefined;
      if (cached) return { ...cached, revokedAt };
      const privateKey = createPrivateKey(open(this.#sealKey, row.private_sealed, row.kid));
      return {
        kid: row.kid,
        alg: row.alg,
        privateKey,
        publicKey: createPublicKey(privateKey),
        publicJwk: row.public_jwk,
        createdAt: row.created_at.getTime(),
        activatesAt: row.activates_at.getTime(),
        revokedAt,
      };
    });
    this.#jwksCache = undefined;
  }

  async #insert(
    alg: SigningAlgorithm,
    activatesAt: number,
    db: Queryable = this.#options.db,
  ): Promise<string> {
    const { privateKey, publicKey } = await generateKeyObjects(alg);
    const jwk = publicJwkOf(publicKey, alg);
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await db.query(
      'INSERT INTO signing_keys (kid, alg, public_jwk, private_sealed, created_at, activates_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kid) DO NOTHING',
      [
        jwk.kid,
        alg,
        JSON.stringify(jwk),
        seal(this.#sealKey, pem, jwk.kid),
        new Date(this.#options.clock.now()),
        new Date(activatesAt),
      ],
    );
    return jwk.kid;
  }

  /**
   * Adds the next key. It is published at once but signs only after `jwksMaxAgeSeconds`, when every
   * verifier that caches the JWKS for that long has seen it. Returns its kid.
   */
  async rotate(alg: SigningAlgorithm = this.#options.algorithm): Promise<{ kid: string; activatesAt: Date }> {
    const activatesAt = this.#options.clock.now() + this.#options.jwksMaxAgeSeconds * 1_000;
    const kid = await this.#insert(alg, activatesAt);
    await this.#options.db.notify(KEYS_CHANNEL, 'rotate');
    await this.reload();
    return { kid, activatesAt: new Date(activatesAt) };
  }

  /**
   * Withdraws a key at once (a compromise): it no longer signs, verifies or appears in the JWKS.
   * If it was the signing key, a replacement becomes active immediately.
   */
  async revoke(kid: string): Promise<boolean> {
    const rows = await this.#options.db.query<{ kid: string; alg: SigningAlgorithm }>(
      'UPDATE signing_keys SET revoked_at = $2 WHERE kid = $1 AND revoked_at IS NULL RETURNING kid, alg',
      [kid, new Date(this.#options.clock.now())],
    );
    if (rows.length === 0) return false;
    await this.reload();
    if (!this.#currentOrUndefined()) await this.#insert(this.#options.algorithm, this.#options.clock.now());
    await this.#options.db.notify(KEYS_CHANNEL, 'revoke');
    await this.reload();
    return true;
  }

  #currentOrUndefined(): SigningKey | undefined {
    const now = this.#options.clock.now();
    let current: SigningKey | undefined;
    for (const key of this.#keys) {
      if (key.revokedAt !== undefined || key.activatesAt > now || key.alg !== this.#options.algorithm)
        continue;
      if (!current || key.activatesAt >= current.activatesAt) current = key;
    }
    return current;
  }

  /** The key to sign with now: the newest active one of the configured algorithm. */
  current(): SigningKey {
    const key = this.#currentOrUndefined();
    if (!key) throw new Error('no active signing key (run `lingpai-token-server keys rotate`)');
    return key;
  }

  /** The time after which a key superseded at `supersededAt` is no longer needed. */
  #retired(key: SigningKey, now: number): boolean {
    const successor = this.#keys.find(
      (other) =>
        other.alg === key.alg &&
        other.revokedAt === undefined &&
        other.activatesAt > key.activatesAt &&
        other.activatesAt <= now,
    );
    return (
      successor !== undefined && successor.activatesAt + this.#options.maxTokenLifetimeSeconds * 1_000 < now
    );
  }

  /** A key that may verify a token: known, not revoked, not retired past the longest token lifetime. */
  verificationKey(kid: unknown): SigningKey | undefined {
    if (typeof kid !== 'string') return undefined;
    const now = this.#options.clock.now();
    const key = this.#keys.find((candidate) => candidate.kid === kid);
    if (!key || key.revokedAt !== undefined || this.#retired(key, now)) return undefined;
    return key;
  }

  /** The JWKS document (RFC 7517): current, upcoming and recently superseded keys. */
  jwks(): { keys: PublicJwk[] } {
    const now = this.#options.clock.now();
    return {
      keys: this.#keys
        .filter((key) => key.revokedAt === undefined && !this.#retired(key, now))
        .map((key) => key.publicJwk),
    };
  }

  /** The JWKS serialized, cached for a second (it is fetched by every verifier). */
  jwksJson(): string {
    const now = this.#options.clock.now();
    if (!this.#jwksCache || now - this.#jwksCache.at > 1_000)
      this.#jwksCache = { at: now, body: JSON.stringify(this.jwks()) };
    return this.#jwksCache.body;
  }

  list(): Array<Omit<SigningKey, 'privateKey' | 'publicKey'>> {
    return this.#keys.map(({ privateKey: _p, publicKey: _q, ...rest }) => rest);
  }
}
