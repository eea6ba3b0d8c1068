import type { FastifyInstance } from 'fastify';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';

/** Parameters that are credentials: never accepted in a URL, where they end up in logs and history. */
const CREDENTIAL_PARAMS = [
  'access_token',
  'refresh_token',
  'password',
  'client_secret',
  'code_verifier',
  'device_code',
  'id_token_hint_secret',
];

/** Paths that browsers use with cookies: no CORS ever (the login page is same-origin). */
export const INTERACTION_PREFIX = '/auth/v1/interaction';

/**
 * Whether a request is for an interaction route, judged on the path the router matches: it
 * percent-decodes (`/auth/v1/%69nteraction/…` is routed to the interaction handlers), so the raw URL
 * is not enough. A preflight has no route of its own, so its path is decoded the same way.
 */
export function isInteractionPath(request: {
  url: string;
  routeOptions: { url?: string | undefined };
}): boolean {
  const routed = request.routeOptions.url;
  if (routed !== undefined) return routed.startsWith(INTERACTION_PREFIX);
  const question = request.url.indexOf('?');
  const path = question === -1 ? request.url : request.url.slice(0, question);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true; // undecodable: no CORS for it
  }
  return decoded.replace(/\/{2,}/g, '/').startsWith(INTERACTION_PREFIX);
}

/**
 * One synchronous hook for every request (a hook per concern costs a promise each on the hot path):
 * credentials in the query are refused; `nosniff` everywhere and `no-store` on `/auth/v1/*` (a route
 * may set its own `cache-control` later, which wins); CORS only for origins some client registered,
 * without credentials, never on interaction routes — the one part that may wait (for the origin list).
 */
export function registerSecurityHooks(app: FastifyInstance, services: Services): void {
  app.addHook('onRequest', (request, reply, done) => {
    const question = request.url.indexOf('?');
    if (question !== -1) {
      const query = new URLSearchParams(request.url.slice(question + 1));
      for (const name of CREDENTIAL_PARAMS) {
        if (query.has(name)) {
          done(
            new TokenServerError(
              'invalid_request',
              `${name} is not accepted in the query string; send it in the body`,
            ),
          );
          return;
        }
      }
    }
    reply.header('x-content-type-options', 'nosniff');
    // The routed path, not the raw URL: `/%61uth/v1/…` reaches the same handlers.
    if ((request.routeOptions.url ?? request.url).startsWith('/auth/v1/'))
      reply.header('cache-control', 'no-store');
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || isInteractionPath(request)) {
      done();
      return;
    }
    services.clients.corsOrigins().then((allowed) => {
      if (allowed.has(origin)) {
        reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
        if (request.method === 'OPTIONS') {
          // Answered here: a preflight has no route. Not calling `done` ends the request.
          reply
            .header('access-control-allow-methods', 'GET, POST, PATCH, DELETE')
            .header(
              'access-control-allow-headers',
              'authorization, content-type, x-device-id, x-request-id, x-captcha-token',
            )
            .header('access-control-max-age', '600')
            .code(200)
            .type('application/json')
            .send('{}');
          return;
        }
      }
      done();
    }, done);
  });
}
