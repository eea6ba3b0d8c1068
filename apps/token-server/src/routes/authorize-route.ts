import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { StorageUnavailableError } from '../errors.js';
import { authorizationResponseUrl, issueAuthorizationCode } from '../interactions/authorization-codes.js';
import {
  type AuthorizationOptions,
  DEFAULT_AUTHORIZATION_OPTIONS,
  INTERACTION_QUERY_PARAM,
} from '../interactions/authorization-options.js';
import {
  AuthorizationError,
  type AuthorizationQuery,
  loginSatisfies,
  resolveClientAndRedirect,
  validateAuthorizationRequest,
} from '../interactions/authorization-request.js';
import { authorizeErrorHandler } from '../interactions/authorize-error-page.js';
import { ensureBrowser } from '../interactions/browser-binding.js';
import { hasConsent } from '../interactions/consent-store.js';
import { cookiePolicy } from '../interactions/cookies.js';
import { createInteraction } from '../interactions/interaction-store.js';
import { readLoginSession } from '../interactions/login-session.js';
import type { RoutePlugin } from './route-plugin.js';
import { EmptyObject, ERROR_RESPONSES } from './schemas.js';

const q = (maxLength: number, description?: string) =>
  Type.Optional(Type.String({ maxLength, ...(description ? { description } : {}) }));

/** Known parameters are single strings (a duplicate arrives as an array and is refused); others ignored. */
const AuthorizeQuery = Type.Object(
  {
    response_type: q(64),
    client_id: q(128),
    redirect_uri: q(2_048),
    scope: q(1_024),
    state: q(2_048, 'returned unchanged; use it against CSRF on the client'),
    nonce: q(512, 'OIDC: copied into the ID token'),
    code_challenge: q(128, 'RFC 7636: BASE64URL(SHA256(code_verifier)); required for public clients'),
    code_challenge_method: q(16, 'S256 (plain is refused)'),
    prompt: q(64, 'OIDC: none, login, consent'),
    max_age: q(16, 'OIDC: seconds; an older login must be repeated'),
    response_mode: q(32, 'query only'),
    request: q(8_192),
    request_uri: q(2_048),
    registration: q(8_192),
  },
  { additionalProperties: true },
);

function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).type('application/json').send({});
}

/**
 * `GET /auth/v1/authorize` (RFC 6749 §4.1.1, RFC 7636, RFC 9207, OIDC Core §3.1.2). An unknown
 * client or unregistered redirect_uri gets an error on our own origin (a static HTML page for a
 * browser, the error JSON otherwise: interactions/authorize-error-page.ts), never a redirect; every other refusal goes back to the redirect_uri with `error`,
 * `error_description`, `state` and `iss`. With a login session that the request accepts and consent
 * on record (or a first-party client), the code is issued at once; otherwise the browser goes to the
 * login page with an interaction bound to it.
 */
export function createAuthorizeRoute(
  options: AuthorizationOptions = DEFAULT_AUTHORIZATION_OPTIONS,
): RoutePlugin {
  return (app, services) => {
    const issuer = services.config.issuer;
    const policy = cookiePolicy(issuer);
    app.get(
      '/auth/v1/authorize',
      {
        schema: {
          summary: 'Authorization endpoint (authorization code with PKCE)',
          description:
            'RFC 6749 §4.1.1, RFC 7636, RFC 9207 (iss), OIDC Core §3.1.2 (prompt, max_age, nonce). Answers 303 to the ' +
            'client (code or error) or to the login page; an unknown client or redirect_uri gets an error here: ' +
            'a static HTML page when Accept names text/html (and not JSON), else the JSON error.',
          tags: ['authorize'],
          querystring: AuthorizeQuery,
          response: { 303: EmptyObject, ...ERROR_RESPONSES },
        },
        errorHandler: authorizeErrorHandler,
      },
      async (request, reply) => {
        // The redirect's Location carries a code or an interaction id: whatever page the browser
        // lands on next gets no Referer from this answer (RFC 9700 §4.2.4).
        reply
          .header('cache-control', 'no-store')
          .header('pragma', 'no-cache')
          .header('referrer-policy', 'no-referrer');
        const query = request.query as AuthorizationQuery;
        // Throws before anything can redirect: the error page.
        const { client, redirectUri } = await resolveClientAndRedirect(services, query);
        const state = query.state;
        try {
          const params = validateAuthorizationRequest(client, redirectUri, query, options);
          const now = services.clock.now();
          const session = await readLoginSession(request, services, policy);
          const login = session && loginSatisfies(params, session.authTime, now) ? session : undefined;
          const consentNeeded =
            params.prompt.includes('consent') ||
            (!client.firstParty &&
              (login === undefined || !(await hasConsent(services, login.userSub, client.id, params.scope))));
          if (params.prompt.includes('none')) {
            if (login === undefined)
              throw new AuthorizationError('login_required', 'the user is not logged in');
            if (consentNeeded) throw new AuthorizationError('consent_required', 'the user has not consented');
          }
          if (login !== undefined && !consentNeeded) {
            const code = await issueAuthorizationCode(services, services.db, {
              clientId: client.id,
              params,
              login,
              scope: params.scope,
            });
            return redirect(reply, authorizationResponseUrl(redirectUri, issuer, { code, state }));
          }
          const browser = ensureBrowser(request, reply, services, policy);
          const id = await createInteraction(
            services,
            { kind: 'authorize', clientId: client.id, browserHash: browser.hash, login },
            () => params,
          );
          const page = new URL(options.loginPagePath, issuer);
          page.searchParams.set(INTERACTION_QUERY_PARAM, id);
          return redirect(reply, page.toString());
        } catch (error) {
          // RFC 6749 §4.1.2.1: once the redirect_uri is known good, errors — even ours — go back there.
          const refusal =
            error instanceof AuthorizationError
              ? error
              : error instanceof StorageUnavailableError
                ? new AuthorizationError('temporarily_unavailable', 'the service is temporarily unavailable')
                : undefined;
          if (refusal === undefined) {
            request.log.error({ err: error }, 'authorize failed');
          }
          const code = refusal?.code ?? 'server_error';
          const description = refusal?.message ?? 'an unexpected error occurred';
          return redirect(
            reply,
            authorizationResponseUrl(redirectUri, issuer, {
              error: code,
              error_description: description,
              state,
            }),
          );
        }
      },
    );
  };
}

export const authorizeRoute: RoutePlugin = createAuthorizeRoute();
