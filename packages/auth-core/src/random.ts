import { randomBytes as nodeRandomBytes, randomUUID } from 'node:crypto';

/** Fills a new array with `size` cryptographically secure random bytes. Injectable for tests. */
export type RandomBytes = (size: number) => Uint8Array;

/** Produces a fresh nonce string (unique per request). Injectable for tests and worked examples. */
export type NonceSource = () => string;

export const secureRandomBytes: RandomBytes = (size) => new Uint8Array(nodeRandomBytes(size));

/** A random UUID v4; the nonce format most providers document. */
export const uuidNonce: NonceSource = () => randomUUID();

/** A nonce of `size` random bytes as lowercase hex (ACS3 and Huawei examples use 32 hex chars). */
export function hexNonce(size = 16, random: RandomBytes = secureRandomBytes): string {
  return Buffer.from(random(size)).toString('hex');
}
