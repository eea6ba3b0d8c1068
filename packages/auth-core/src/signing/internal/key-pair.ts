// Every signer but Twilio's takes its credentials as a key pair: an object with an id and a secret.
// Each checked them with the same three steps (an object, then the id, then the secret), differing
// only in the field names and the environment variables the vendor's own tools read them from; the
// steps and their messages are here once, and each signer states its names.
import { requireCredential, requireCredentialsObject } from '../errors.js';

/**
 * The field names of a signer's key pair, and the environment variables they usually come from
 * (named in errors). A plain object literal per signer, so a bundler drops the unused ones.
 */
export interface KeyPairFields<Id extends string, Secret extends string> {
  readonly id: Id;
  readonly secret: Secret;
  readonly idEnv?: string;
  readonly secretEnv?: string;
}

/**
 * Throws `SIGNATURE_MISSING_CREDENTIALS` unless `credentials` is an object whose id and secret are
 * non-empty strings, checked in that order; the message names the first missing one and its
 * environment variable ("signTencentTc3: `secretKey` is undefined — is TENCENTCLOUD_SECRET_KEY set?").
 * Returns `credentials`, so the signer reads the checked fields from it.
 */
export function requireKeyPair<
  T extends Readonly<Record<Id | Secret, string>>,
  Id extends string,
  Secret extends string,
>(credentials: T, owner: string, fields: KeyPairFields<Id, Secret>): T {
  // The `{ id, secret }` text is built only for the error, not on every signature.
  if (typeof credentials !== 'object' || credentials === null) {
    requireCredentialsObject(credentials, owner, `${fields.id}, ${fields.secret}`);
  }
  requireCredential(credentials[fields.id], fields.id, owner, fields.idEnv);
  requireCredential(credentials[fields.secret], fields.secret, owner, fields.secretEnv);
  return credentials;
}
