import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { hashToken } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';

/** The header the login page sends the synchronizer token in (never a cookie, never the body). */
export const CSRF_HEADER = 'x-csrf-token';

function mac(key: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`lingpai ${purpose}\0${value}`).digest('base64url');
}

/**
 * The synchronizer token of one interaction: an HMAC of its id under the server's key, so it is
 * re-derivable for the interaction's `GET` without storing it (the row keeps only its SHA-256), and
 * unguessable by anyone who learns the id but not the key. A cross-site page cannot read the `GET`
 * (no CORS on interaction routes), so it cannot learn the token to send.
 */
export function interactionCsrfToken(hmacKey: Buffer, interactionId: string): string {
  return mac(hmacKey, 'interaction csrf', interactionId);
}

/** The token for starting a device interaction, tied to the browser cookie (there is no interaction yet). */
export function deviceStartCsrfToken(hmacKey: Buffer, browserToken: string): string {
  return mac(hmacKey, 'device start csrf', browserToken);
}

function equalDigests(presented: string, expectedHash: string): boolean {
  const a = Buffer.from(hashToken(presented));
  const b = Buffer.from(expectedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses a state-changing call whose `x-csrf-token` is missing or is not the one we issued. */
export function requireCsrf(request: FastifyRequest, expectedHash: string): void {
  const presented = request.headers[CSRF_HEADER];
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128) {
    throw new TokenServerError('permission_denied', `the ${CSRF_HEADER} header is required`);
  }
  if (!equalDigests(presented, expectedHash)) {
    throw new TokenServerError(
      'permission_denied',
      `the ${CSRF_HEADER} header is not valid for this interaction`,
    );
  }
}
