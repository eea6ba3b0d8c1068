import { createHash, randomBytes } from 'node:crypto';

/** The source of randomness; injectable so tests can pin values. */
export type RandomSource = (size: number) => Buffer;

export const systemRandom: RandomSource = (size) => randomBytes(size);

/**
 * A bearer secret (refresh token, code, device code, interaction id): 32 CSPRNG bytes (256 bits,
 * above RFC 6819 §5.1.4.2.2's 128) as base64url, optionally with a readable prefix.
 */
export function newOpaqueToken(random: RandomSource, prefix = ''): string {
  return prefix + random(32).toString('base64url');
}

/** What the database stores for a high-entropy secret: SHA-256, base64url. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
