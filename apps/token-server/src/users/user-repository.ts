import type { Clock } from '@lingpai/auth-core';
import type { RandomSource } from '../crypto/opaque-token.js';
import { ConfigError } from '../errors.js';
import { type Database, PG_UNIQUE_VIOLATION, pgErrorCode, type Queryable } from '../storage/database.js';
import type { PasswordHasher } from './password-hasher.js';
import { foldUsername, isAcceptableUsername, normalizePhonePrefix } from './username.js';

export interface User {
  sub: string;
  username: string | undefined;
  name: string | undefined;
  email: string | undefined;
  phoneNumber: string | undefined;
  picture: string | undefined;
  gender: string | undefined;
  locale: string | undefined;
  status: 'ACTIVE' | 'PENDING' | 'BLOCKED';
  groups: string[];
  isAnonymous: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserRow {
  sub: string;
  username: string | null;
  username_display: string | null;
  password_hash: string | null;
  phone_number: string | null;
  email: string | null;
  name: string | null;
  picture: string | null;
  gender: string | null;
  locale: string | null;
  status: User['status'];
  groups: string[];
  is_anonymous: boolean;
  created_at: Date;
  updated_at: Date;
  /** Issue 9's columns: the second-factor flag and the last sign-in. */
  two_factor_enabled?: boolean;
  last_seen_at?: Date | null;
}

export function userFromRow(row: UserRow): User {
  return {
    sub: row.sub,
    username: row.username_display ?? row.username ?? undefined,
    name: row.name ?? undefined,
    email: row.email ?? undefined,
    phoneNumber: row.phone_number ?? undefined,
    picture: row.picture ?? undefined,
    gender: row.gender ?? undefined,
    locale: row.locale ?? undefined,
    status: row.status,
    groups: row.groups,
    isAnonymous: row.is_anonymous,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface NewUser {
  username?: string;
  password?: string;
  email?: string;
  phoneNumber?: string;
  name?: string;
  groups?: string[];
  isAnonymous?: boolean;
}

/**
 * A user `sub` is a random 19-digit decimal string, as CloudBase's are. Digits only: service accounts
 * (`service:<client>`) can never collide with one, and the table's CHECK enforces it.
 */
export function newUserSub(random: RandomSource): string {
  const value = random(8).readBigUInt64BE() % 9_000_000_000_000_000_000n;
  return (value + 1_000_000_000_000_000_000n).toString();
}

export class UserRepository {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #hasher: PasswordHasher;

  constructor(db: Database, clock: Clock, random: RandomSource, hasher: PasswordHasher) {
    this.#db = db;
    this.#clock = clock;
    this.#random = random;
    this.#hasher = hasher;
  }

  async findBySub(sub: string, db: Queryable = this.#db): Promise<UserRow | undefined> {
    return (await db.query<UserRow>('SELECT * FROM users WHERE sub = $1', [sub]))[0];
  }

  /** Looks a user up by username, or by phone number or email (CloudBase's `username` accepts all three). */
  async findForPassword(identifier: string): Promise<UserRow | undefined> {
    if (identifier.length === 0 || identifier.length > 320) return undefined;
    const folded = foldUsername(identifier);
    const rows = await this.#db.query<UserRow>(
      'SELECT * FROM users WHERE username = $1 OR email = $2 OR phone_number = $3 LIMIT 2',
      [folded, identifier.toLowerCase(), normalizePhonePrefix(identifier)],
    );
    // Two different users matching one identifier would be ambiguous: refuse rather than guess.
    return rows.length === 1 ? rows[0] : undefined;
  }

  /** Inserts the user; inside the caller's transaction when `db` is one (the row and what links to it commit together). */
  async create(input: NewUser, db: Queryable = this.#db): Promise<User> {
    if (input.username !== undefined && !isAcceptableUsername(input.username)) {
      throw new ConfigError(
        `username "${input.username}" is not acceptable (1–64 characters, no spaces or control characters)`,
      );
    }
    const passwordHash = input.password === undefined ? null : await this.#hasher.hash(input.password);
    const now = new Date(this.#clock.now());
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const rows = await db.query<UserRow>(
          `INSERT INTO users (sub, username, username_display, password_hash, email, phone_number, name, groups, is_anonymous,
             created_at, updated_at, password_changed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING *`,
          [
            newUserSub(this.#random),
            input.username === undefined ? null : foldUsername(input.username),
            input.username ?? null,
            passwordHash,
            input.email?.toLowerCase() ?? null,
            input.phoneNumber ?? null,
            input.name ?? null,
            JSON.stringify(input.groups ?? []),
            input.isAnonymous ?? false,
            now,
            passwordHash === null ? null : now,
          ],
        );
        return userFromRow(rows[0]!);
      } catch (error) {
        if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) throw error;
        const message = error instanceof Error ? error.message : '';
        if (!message.includes('users_pkey'))
          throw new ConfigError('a user with that username, email or phone number already exists');
        // A sub collision (1 in 9×10^18): draw again.
      }
    }
    throw new ConfigError('could not allocate a user id');
  }

  /** Replaces a hash made with old parameters, after a successful login (same password). */
  async rehash(sub: string, password: string, previousHash: string): Promise<void> {
    const next = await this.#hasher.hash(password);
    await this.#db.query(
      'UPDATE users SET password_hash = $1, updated_at = $4 WHERE sub = $2 AND password_hash = $3',
      [next, sub, previousHash, new Date(this.#clock.now())],
    );
  }
}
