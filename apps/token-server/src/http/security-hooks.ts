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

export function registerSecurityHooks(app: FastifyInstance, services: Services): void {
  app.addHook('onRequest', async (request) => {
    const question = request.url.indexOf('?');
    if (question !== -1) {
      const query = new URLSearchParams(request.url.slice(question + 1));
      for (const name of CREDENTIAL_PARAMS) {
        if (query.has(name))
          throw new TokenServerError(
            'invalid_request',
            `${name} is not accepted in the query string; send it in the body`,
          );
      }
    }
  });

  // CORS only for origins some client registered, without credentials, never on interaction routes.
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || request.url.startsWith(INTERACTION_PREFIX)) return;
    const allowed = await services.clients.corsOrigins();
    if (!allowed.has(origin)) return;
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    if (request.method === 'OPTIONS') {
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
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (request.url.startsWith('/auth/v1/') && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
    return payload;
  });
}
