import type { FastifyRequest } from 'fastify';
import { TokenServerError } from '../errors.js';

/**
 * Interaction routes are called by our own login page with `fetch`, so anything from another origin
 * is refused before any work:
 *
 * - `Origin`, when present, must be exactly the issuer's origin (`null` included: sandboxed frames
 *   and some redirects send it);
 * - `Sec-Fetch-Site`, when present, must be `same-origin` (not `same-site`: a sibling subdomain is
 *   another origin);
 * - a state-changing request must carry at least one of them. Browsers send `Origin` on every
 *   `POST`, so only a non-browser client lacks both, and it gains nothing a browser attack could use;
 *   a `GET` may lack both (older browsers send neither on a same-origin `GET`), which is safe because
 *   no cross-origin page can read the answer without CORS, and interaction routes never grant CORS.
 */
export function assertSameOrigin(request: FastifyRequest, issuer: string): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  if (origin !== undefined && origin !== issuer) {
    throw new TokenServerError(
      'permission_denied',
      'cross-origin requests to the interaction API are refused',
    );
  }
  if (site !== undefined && site !== 'same-origin') {
    throw new TokenServerError('permission_denied', 'cross-site requests to the interaction API are refused');
  }
  if (request.method !== 'GET' && request.method !== 'HEAD' && origin === undefined && site === undefined) {
    throw new TokenServerError(
      'permission_denied',
      'send Origin or Sec-Fetch-Site: the interaction API accepts only same-origin requests',
    );
  }
}

/**
 * The interaction API reads JSON only. A form or `text/plain` body is what a cross-site HTML form can
 * send without a CORS preflight; refusing them (415) means a forged request has to be a non-simple
 * request, which the browser will not send cross-origin without a preflight we never answer.
 */
export function assertJsonBody(request: FastifyRequest): void {
  const type = request.headers['content-type'];
  const essence = typeof type === 'string' ? type.split(';')[0]!.trim().toLowerCase() : '';
  if (essence !== 'application/json') {
    throw new TokenServerError(
      'unsupported_media_type',
      'the interaction API accepts only application/json bodies',
    );
  }
}
