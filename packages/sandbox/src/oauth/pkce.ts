import { createHash, timingSafeEqual } from 'node:crypto';
import type { CodeRecord } from './oauth-state.js';

/** RFC 7636: 43–128 characters from the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export type PkceResult = 'ok' | 'missing' | 'mismatch';

/** Checks a code_verifier against the challenge stored with the code (no challenge: nothing to check). */
export function checkPkce(code: CodeRecord, verifier: string | undefined): PkceResult {
  if (code.codeChallenge === undefined) return 'ok';
  if (verifier === undefined || verifier === '') return 'missing';
  if (!VERIFIER.test(verifier)) return 'mismatch';
  const method = code.codeChallengeMethod ?? 'plain';
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(code.codeChallenge);
  return a.length === b.length && timingSafeEqual(a, b) ? 'ok' : 'mismatch';
}
