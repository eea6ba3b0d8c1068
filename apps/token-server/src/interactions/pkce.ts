import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * RFC 7636 PKCE, both halves: the challenge checked at `/auth/v1/authorize` and the verifier at the
 * token endpoint.
 */
export type ChallengeMethod = 'S256' | 'plain';

/** RFC 7636 §4.1: 43–128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** BASE64URL(SHA-256(verifier)) without padding is always exactly 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

/**
 * Why a challenge is unacceptable, or undefined when it is fine. `plain` offers no protection against
 * an attacker who sees the authorization request (RFC 9700 §2.1.1), so it is refused unless allowed.
 */
export function challengeProblem(
  method: string,
  challenge: string,
  options: { allowPlain: boolean },
): string | undefined {
  if (method === 'S256') {
    return S256_CHALLENGE.test(challenge)
      ? undefined
      : 'code_challenge must be 43 base64url characters (BASE64URL(SHA256(code_verifier)))';
  }
  if (method === 'plain') {
    if (!options.allowPlain) return 'code_challenge_method plain is not allowed; use S256';
    return VERIFIER.test(challenge) ? undefined : 'code_challenge must be 43–128 unreserved characters';
  }
  return 'code_challenge_method must be S256';
}

/** RFC 7636 §4.6, compared in constant time. */
export function verifierMatches(verifier: string, challenge: string, method: ChallengeMethod): boolean {
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
