import argon2 from 'argon2';
import type { Argon2Parameters } from '../config.js';

/**
 * How passwords are hashed. Injectable so tests run with cheap parameters, and so a test can see
 * that an unknown user costs one `verify` exactly like a known one.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when `hash` was made with other parameters than the current ones (rehash on login). */
  needsRehash(hash: string): boolean;
}

/** argon2id through the native `argon2` package (on libuv's thread pool). */
export function createArgon2Hasher(parameters: Argon2Parameters): PasswordHasher {
  const options = { type: argon2.argon2id as 2, ...parameters };
  return {
    hash: (password) => argon2.hash(password, options),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false; // a malformed stored hash never verifies
      }
    },
    needsRehash: (hash) => {
      try {
        return argon2.needsRehash(hash, options);
      } catch {
        return true;
      }
    },
  };
}
