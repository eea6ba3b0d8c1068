import type { LoadedClient } from '../clients/client-registry.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { findIdentity } from '../social/identity-repository.js';
import type { ProviderIdentity } from '../social/provider-identity.js';
import { consumeProviderToken, linkIdentity, peekProviderToken } from '../social/provider-tokens.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Queryable } from '../storage/database.js';
import { assertPasswordAllowed } from '../users/password-policy.js';
import { newUserSub, type UserRow } from '../users/user-repository.js';
import { recordAnonymousHandoff } from './anonymous-handoff.js';
import { redeemVerification } from './redeem-verification.js';
import { foldedUsername, type SignUpProfile, signUpProfile } from './sign-up-profile.js';
import { peekSignupTicket, takeSignupTicket } from './signup-tickets.js';
import { type Contact, contactAmr, contactFromParams, sameContact } from './verified-contact.js';

/** A verification token for sign-up: a REGISTER code, or a SIGN_IN one (CloudBase's one-code flow). */
export const SIGN_UP_USAGES = ['REGISTER', 'SIGN_IN'] as const;

export interface SignUpInput {
  client: LoadedClient;
  deviceId: string;
  params: Readonly<Record<string, string | undefined>>;
  /** The anonymous user to upgrade in place (anonymous-caller.ts), if the request named one. */
  anonymous: UserRow | undefined;
}

export interface SignUpResult {
  user: UserRow;
  amr: string[];
  upgraded: boolean;
}

interface Checked {
  verificationToken: string | undefined;
  providerToken: string | undefined;
  contact: Contact | undefined;
  /** The address a `user_not_found` sign-in already proved for this token (signup-tickets.ts). */
  ticket: Contact | undefined;
  identity: ProviderIdentity | undefined;
  profile: SignUpProfile;
}

const TAKEN = 'an account with this phone number, email or platform account already exists; sign in instead';

/**
 * `POST /auth/v1/signup`: a new user (or an anonymous user upgraded in place) from a verified phone
 * or email (`verification_token`), a platform identity (`provider_token`), or both; optional
 * username, password, name, gender, picture and locale. Username and password alone are refused:
 * every account starts from something proven.
 *
 * Everything that can fail is checked before any proof is spent — fields, the password policy, a
 * taken contact, username or identity (peeked, not consumed) — so a refusal costs the caller nothing.
 * The proofs are spent last; the user row (or the upgrade) and the identity link commit in one
 * transaction. Races are the database's: the verification store lets one redemption of a token
 * succeed, the unique indexes let one user hold a phone, email, username or identity.
 */
export async function signUp(services: Services, input: SignUpInput): Promise<SignUpResult> {
  const checked = await check(services, input);
  const { client, deviceId, anonymous } = input;

  // Spent outside the transaction: the verification store may itself live in this database, and on
  // PGlite a transaction holds the only connection. Before the password is hashed, so a made-up token
  // is refused as fast for a taken address as for a free one (enumeration protection).
  let contact = checked.contact;
  if (checked.verificationToken !== undefined && checked.ticket === undefined)
    await proveContact(services, checked.verificationToken, client.id, contact);
  const passwordHash =
    checked.profile.password === undefined ? null : await services.hasher.hash(checked.profile.password);

  const now = new Date(services.clock.now());
  const { user, ended } = await services.db.transaction(async (tx) => {
    if (checked.ticket !== undefined && checked.verificationToken !== undefined) {
      const taken = await takeSignupTicket(services, tx, checked.verificationToken, client.id);
      if (!taken || !sameContact(taken, checked.ticket))
        throw new TokenServerError('invalid_verification_token', 'the verification_token was already used');
      contact = taken;
    }
    const identity =
      checked.providerToken === undefined
        ? undefined
        : await consumeProviderToken(services, checked.providerToken, { clientId: client.id, deviceId }, tx);
    const row = anonymous
      ? await upgradeAnonymous(tx, anonymous.sub, contact, checked.profile, passwordHash, now)
      : await insertUser(services, tx, contact, checked.profile, passwordHash, now);
    if (identity) await linkIdentity(tx, row.sub, identity, now);
    // The anonymous user's own session ends: the upgraded account starts a family of its own.
    const endedRows = anonymous
      ? await tx.query<{ id: string }>(
          `UPDATE refresh_families SET revoked_at = $2, revoked_reason = 'anonymous_upgraded'
           WHERE user_sub = $1 AND revoked_at IS NULL RETURNING id`,
          [row.sub, now],
        )
      : [];
    return { user: row, ended: endedRows.map((r) => r.id) };
  });
  if (ended.length > 0) await services.revoked.announce(ended);
  const amr = contact ? [contactAmr(contact)] : ['fed'];
  if (contact && checked.identity) amr.push('fed');
  return { user, amr, upgraded: anonymous !== undefined };
}

/** Spends the `verification_token`, which must prove `contact`. */
async function proveContact(
  services: Services,
  token: string,
  clientId: string,
  contact: Contact | undefined,
): Promise<void> {
  const proven = await redeemVerification(services, token, SIGN_UP_USAGES, clientId);
  if (!contact || !sameContact(proven, contact))
    throw new TokenServerError(
      'invalid_verification_token',
      'the verification_token was issued for another phone number or email',
    );
}

async function check(services: Services, input: SignUpInput): Promise<Checked> {
  const { params, client, deviceId, anonymous } = input;
  const verificationToken = params.verification_token;
  const providerToken = params.provider_token;
  if (verificationToken === undefined && providerToken === undefined)
    throw new TokenServerError(
      'invalid_request',
      'sign-up needs a verification_token (a verified phone_number or email) or a provider_token',
    );
  const contact = contactFromParams(params);
  if (verificationToken !== undefined && contact === undefined)
    throw new TokenServerError(
      'invalid_request',
      'phone_number or email is required with verification_token',
    );
  if (verificationToken === undefined && contact !== undefined)
    throw new TokenServerError('invalid_request', 'a phone_number or email needs its verification_token');
  const profile = signUpProfile(params);
  if (profile.password !== undefined)
    assertPasswordAllowed(profile.password, services.config.passwordPolicy, [
      profile.username,
      contact?.address,
    ]);

  const ticket =
    verificationToken === undefined
      ? undefined
      : await peekSignupTicket(services, verificationToken, client.id);
  if (ticket && contact && !sameContact(ticket, contact))
    throw new TokenServerError(
      'invalid_verification_token',
      'the verification_token was issued for another phone number or email',
    );
  const identity =
    providerToken === undefined
      ? undefined
      : await peekProviderToken(services, providerToken, { clientId: client.id, deviceId });

  const self = anonymous?.sub ?? '';
  const refuseTaken = async (owner: string): Promise<never> => {
    if (anonymous) {
      await recordAnonymousHandoff(services, {
        anonymousSub: anonymous.sub,
        targetSub: owner,
        clientId: client.id,
        deviceId,
      });
    }
    throw new TokenServerError('user_already_exists', TAKEN);
  };
  if (contact) {
    const column = contact.kind === 'phone' ? 'phone_number' : 'email';
    const rows = await services.db.query<{ sub: string }>(`SELECT sub FROM users WHERE ${column} = $1`, [
      contact.address,
    ]);
    if (rows[0] && rows[0].sub !== self) {
      // Under enumeration protection a taken address is told only to whoever proved it: a made-up
      // token is refused as for a free address (and records no hand-off). The token is spent then.
      if (services.verification.enumerationProtection && ticket === undefined && verificationToken)
        await proveContact(services, verificationToken, client.id, contact);
      await refuseTaken(rows[0].sub);
    }
  }
  if (identity) {
    const owner = (await findIdentity(services.db, identity))?.user_sub;
    if (owner !== undefined && owner !== self) await refuseTaken(owner);
  }
  const username = foldedUsername(profile);
  if (username !== null) {
    const rows = await services.db.query<{ sub: string }>('SELECT sub FROM users WHERE username = $1', [
      username,
    ]);
    if (rows[0] && rows[0].sub !== self)
      throw new TokenServerError('username_already_exists', 'this username is taken');
  }
  return { verificationToken, providerToken, contact, ticket, identity, profile };
}

/** A unique index said no: which one decides the answer. */
function takenError(error: unknown): TokenServerError {
  const message = error instanceof Error ? error.message : '';
  if (message.includes('username'))
    return new TokenServerError('username_already_exists', 'this username is taken', { cause: error });
  return new TokenServerError('user_already_exists', TAKEN, { cause: error });
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) throw takenError(error);
    throw error;
  }
}

function contactColumns(contact: Contact | undefined): { phone: string | null; email: string | null } {
  return {
    phone: contact?.kind === 'phone' ? contact.address : null,
    email: contact?.kind === 'email' ? contact.address : null,
  };
}

async function insertUser(
  services: Services,
  tx: Queryable,
  contact: Contact | undefined,
  profile: SignUpProfile,
  passwordHash: string | null,
  now: Date,
): Promise<UserRow> {
  const { phone, email } = contactColumns(contact);
  const rows = await guarded(() =>
    tx.query<UserRow>(
      `INSERT INTO users (sub, username, username_display, password_hash, email, phone_number, email_verified,
         phone_number_verified, name, gender, picture, locale, groups, is_anonymous, created_at, updated_at,
         password_changed_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5::text, $6::text, $5::text IS NOT NULL, $6::text IS NOT NULL, $7, $8, $9, $10, '[]', false, $11, $11, $12, $11)
       RETURNING *`,
      [
        newUserSub(services.random),
        foldedUsername(profile),
        profile.username ?? null,
        passwordHash,
        email,
        phone,
        profile.name ?? null,
        profile.gender ?? null,
        profile.picture ?? null,
        profile.locale ?? null,
        now,
        passwordHash === null ? null : now,
      ],
    ),
  );
  return rows[0]!;
}

/**
 * The anonymous user becomes a registered one in place: same `sub`, so whatever the app keyed on it
 * stays. Conditional on the row still being anonymous and active: of two parallel upgrades one wins.
 */
async function upgradeAnonymous(
  tx: Queryable,
  sub: string,
  contact: Contact | undefined,
  profile: SignUpProfile,
  passwordHash: string | null,
  now: Date,
): Promise<UserRow> {
  const { phone, email } = contactColumns(contact);
  const rows = await guarded(() =>
    tx.query<UserRow>(
      `UPDATE users SET is_anonymous = false, username = $2, username_display = $3, password_hash = $4,
         email = $5::text, phone_number = $6::text, email_verified = $5::text IS NOT NULL,
         phone_number_verified = $6::text IS NOT NULL,
         name = $7, gender = $8, picture = $9, locale = $10, updated_at = $11, last_seen_at = $11,
         password_changed_at = CASE WHEN $4::text IS NULL THEN NULL ELSE $11::timestamptz END
       WHERE sub = $1 AND is_anonymous AND status = 'ACTIVE' RETURNING *`,
      [
        sub,
        foldedUsername(profile),
        profile.username ?? null,
        passwordHash,
        email,
        phone,
        profile.name ?? null,
        profile.gender ?? null,
        profile.picture ?? null,
        profile.locale ?? null,
        now,
      ],
    ),
  );
  if (!rows[0]) throw new TokenServerError('failed_precondition', 'this anonymous user was already upgraded');
  return rows[0];
}
