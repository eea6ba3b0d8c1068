import { createHash } from 'node:crypto';
import type { Clock } from '@lingpai/auth-core';
import type { LoadedClient } from '../clients/client-registry.js';
import type { Lifetimes } from '../config.js';
import { hashToken, newOpaqueToken, type RandomSource } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import { type Database, PG_UNIQUE_VIOLATION, pgErrorCode, type Queryable } from '../storage/database.js';
import { signJwt } from './jwt.js';
import type { RevokedSessions } from './revoked-sessions.js';
import type { TokenResponse } from './token-response.js';

/** Refresh tokens carry CloudBase's visible `m.` prefix style; the rest is 256 random bits. */
export const REFRESH_TOKEN_PREFIX = 'lpr.';

export interface AccessTokenInput {
  sub: string;
  clientId: string;
  scope: string[];
  sid?: string;
  groups?: string[];
  authTime?: number;
  lifetimeSeconds: number;
  /** `iat` (epoch seconds) when the caller needs `exp` before the token is signed; default now. */
  issuedAt?: number;
}

export interface UserGrantInput {
  user: { sub: string; groups: string[] };
  client: LoadedClient;
  scope: string[];
  deviceId: string;
  /** When the user authenticated (epoch ms): `auth_time`. */
  authTime: number;
  /** RFC 8176 methods (`pwd`, `otp`, …). */
  amr: string[];
  nonce?: string;
  /** Issue a refresh token (every user grant does, unless the client lacks refresh_token). */
  refresh?: boolean;
}

export interface SealedPair {
  access_token: string;
  refresh_token: string;
  /** epoch seconds of the access token's `exp`. */
  exp: number;
  /** The access token's scope (a refresh may narrow it), so a grace retry answers the same `scope`. */
  scope?: string;
}

/** Issues access tokens (RFC 9068 JWTs), ID tokens and the first refresh token of a family. */
export class TokenIssuer {
  readonly #db: Database;
  readonly #keys: KeyRing;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #issuer: string;
  readonly #audience: string;
  readonly #lifetimes: Lifetimes;
  readonly #revoked: RevokedSessions;

  constructor(options: {
    db: Database;
    keys: KeyRing;
    clock: Clock;
    random: RandomSource;
    issuer: string;
    audience: string;
    lifetimes: Lifetimes;
    revoked: RevokedSessions;
  }) {
    this.#db = options.db;
    this.#keys = options.keys;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#issuer = options.issuer;
    this.#audience = options.audience;
    this.#lifetimes = options.lifetimes;
    this.#revoked = options.revoked;
  }

  get lifetimes(): Lifetimes {
    return this.#lifetimes;
  }

  newRefreshToken(): string {
    return newOpaqueToken(this.#random, REFRESH_TOKEN_PREFIX);
  }

  async accessToken(input: AccessTokenInput): Promise<{ token: string; exp: number }> {
    const iat = input.issuedAt ?? Math.floor(this.#clock.now() / 1_000);
    const exp = iat + input.lifetimeSeconds;
    const claims: Record<string, unknown> = {
      iss: this.#issuer,
      sub: input.sub,
      aud: this.#audience,
      exp,
      iat,
      jti: this.#random(16).toString('base64url'),
      client_id: input.clientId,
      scope: input.scope.join(' '),
      groups: input.groups ?? [],
    };
    if (input.sid !== undefined) claims.sid = input.sid;
    if (input.authTime !== undefined) claims.auth_time = Math.floor(input.authTime / 1_000);
    return { token: await signJwt(claims, this.#keys.current(), 'at+jwt'), exp };
  }

  /** OIDC Core §2 ID token for `openid` grants, with `at_hash` (§3.1.3.6). */
  async idToken(input: {
    sub: string;
    clientId: string;
    nonce?: string;
    authTime: number;
    sid?: string;
    accessToken: string;
    amr: string[];
  }): Promise<string> {
    const key = this.#keys.current();
    const iat = Math.floor(this.#clock.now() / 1_000);
    const digest = createHash(key.alg === 'EdDSA' ? 'sha512' : 'sha256')
      .update(input.accessToken)
      .digest();
    const claims: Record<string, unknown> = {
      iss: this.#issuer,
      sub: input.sub,
      aud: input.clientId,
      exp: iat + this.#lifetimes.idToken,
      iat,
      auth_time: Math.floor(input.authTime / 1_000),
      at_hash: digest.subarray(0, digest.length / 2).toString('base64url'),
      amr: input.amr,
    };
    if (input.nonce !== undefined) claims.nonce = input.nonce;
    if (input.sid !== undefined) claims.sid = input.sid;
    return signJwt(claims, key, 'JWT');
  }

  /**
   * Starts a refresh family for (user, client, device), ending the one that was live there (one
   * session per device). Runs inside the caller's transaction when given one.
   */
  async startFamily(
    tx: Queryable,
    input: {
      userSub: string;
      clientId: string;
      deviceId: string;
      scope: string[];
      authTime: number;
      amr: string[];
    },
  ): Promise<{ familyId: string; refreshToken: string; ended: string[] }> {
    const now = this.#clock.now();
    const familyId = this.#random(16).toString('base64url');
    const refreshToken = this.newRefreshToken();
    const familyExpires = now + this.#lifetimes.refreshFamily * 1_000;
    // One statement (one round trip, on the hot path of every sign-in): end the device's live family,
    // then — ordered after it by reading its result — insert the new family and its first token.
    // Only for an ACTIVE user, decided here under a share lock on the user's row: blocking the user
    // (an UPDATE of that row, then ending its families, in one transaction) either waits for this
    // sign-in to commit and then ends the family it started, or runs first and this — re-checking the
    // row once the lock is free — sees BLOCKED and starts nothing. No family outlives a block.
    const rows = await tx.query<{ ended: string[] | null; tokens: string | number }>(
      `WITH who AS (
         SELECT sub FROM users WHERE sub = $1 AND status = 'ACTIVE' FOR SHARE
       ), ended AS (
         UPDATE refresh_families SET revoked_at = $4, revoked_reason = 'superseded'
         WHERE user_sub IN (SELECT sub FROM who) AND client_id = $2 AND device_id = $3 AND revoked_at IS NULL
         RETURNING id
       ), family AS (
         INSERT INTO refresh_families (id, user_sub, client_id, device_id, scope, auth_time, amr, created_at, expires_at)
         SELECT $5, who.sub, $2, $3, $6, $7, $8, $4, $9 FROM who, (SELECT count(*) FROM ended) AS after_ended
         RETURNING id
       ), token AS (
         INSERT INTO refresh_tokens (hash, family_id, issued_at, expires_at)
         SELECT $10, id, $4, $11 FROM family RETURNING hash
       )
       SELECT (SELECT json_agg(id) FROM ended) AS ended, (SELECT count(*) FROM token) AS tokens`,
      [
        input.userSub,
        input.clientId,
        input.deviceId,
        new Date(now),
        familyId,
        input.scope.join(' '),
        new Date(input.authTime),
        JSON.stringify(input.amr),
        new Date(familyExpires),
        hashToken(refreshToken),
        new Date(Math.min(now + this.#lifetimes.refreshToken * 1_000, familyExpires)),
      ],
    );
    if (Number(rows[0]?.tokens ?? 0) === 0) {
      // Blocked (or deleted) between the caller's status check and this statement.
      throw new TokenServerError('invalid_grant', 'this account may not sign in');
    }
    const ended = rows[0]?.ended ?? [];
    return { familyId, refreshToken, ended };
  }

  /**
   * Everything a user grant returns: a new family (ending the device's previous one), its first
   * refresh token, the access token and, with `openid`, an ID token.
   */
  async issueForUser(input: UserGrantInput, tx?: Queryable): Promise<TokenResponse & { familyId?: string }> {
    const wantsRefresh = input.refresh ?? input.client.grantTypes.includes('refresh_token');
    let family: { familyId: string; refreshToken: string; ended: string[] } | undefined;
    if (wantsRefresh) {
      const start = (q: Queryable) =>
        this.startFamily(q, {
          userSub: input.user.sub,
          clientId: input.client.id,
          deviceId: input.deviceId,
          scope: input.scope,
          authTime: input.authTime,
          amr: input.amr,
        });
      family = tx ? await start(tx) : await this.#startWithRetry(start);
      // Announce after commit when we own the transaction; a caller's transaction announces via `ended`.
      if (!tx && family.ended.length > 0) await this.#revoked.announce(family.ended);
    }
    const access = await this.accessToken({
      sub: input.user.sub,
      clientId: input.client.id,
      scope: input.scope,
      groups: input.user.groups,
      authTime: input.authTime,
      lifetimeSeconds: this.#lifetimes.accessToken,
      ...(family ? { sid: family.familyId } : {}),
    });
    const response: TokenResponse & { familyId?: string; ended?: string[] } = {
      token_type: 'Bearer',
      access_token: access.token,
      expires_in: this.#lifetimes.accessToken,
      scope: input.scope.join(' '),
      sub: input.user.sub,
      groups: input.user.groups,
    };
    if (family) {
      response.refresh_token = family.refreshToken;
      response.familyId = family.familyId;
      if (tx) response.ended = family.ended;
    }
    if (input.scope.includes('openid')) {
      response.id_token = await this.idToken({
        sub: input.user.sub,
        clientId: input.client.id,
        authTime: input.authTime,
        accessToken: access.token,
        amr: input.amr,
        ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
        ...(family ? { sid: family.familyId } : {}),
      });
    }
    return response;
  }

  /**
   * Sign-ins racing on one device: each ends the live family it sees and inserts its own; the
   * partial unique index lets one win and the others fail, and each loser tries again against the
   * new winner (one statement per try). Bounded: a device hammered by more parallel sign-ins than
   * this gets a 500 from the last one rather than a loop.
   */
  async #startWithRetry<T>(start: (q: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start(this.#db);
      } catch (error) {
        if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION || attempt >= 32) throw error;
      }
    }
  }
}
