import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import {
  htmlErrorHandler,
  type StaticPageText,
  setStaticPageHeaders,
  staticPageHtml,
} from '../interactions/authorize-error-page.js';
import { cookiePolicy, requestCookie } from '../interactions/cookies.js';
import { endLoginSession } from '../interactions/login-session.js';
import { assertSameOrigin } from '../interactions/same-origin.js';
import { verifyIdTokenHint } from '../tokens/id-token-hint.js';
import { endUserSessionsWhere } from '../user/user-sessions.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES, Param } from './schemas.js';
import { logoutRedirect } from './signout-route.js';

export const LOGOUT_PATH = '/auth/v1/logout';

/** RP-Initiated Logout 1.0 §2; known parameters are single strings, others (`ui_locales`…) ignored. */
const LogoutParams = Type.Object(
  {
    id_token_hint: Param(8_192),
    client_id: Param(128),
    post_logout_redirect_uri: Param(2_048),
    state: Param(2_048),
    logout_hint: Param(512),
    ui_locales: Param(256),
  },
  { additionalProperties: true },
);

type LogoutQuery = {
  id_token_hint?: string;
  client_id?: string;
  post_logout_redirect_uri?: string;
  state?: string;
};

const REFUSED_TEXT: StaticPageText = {
  title: 'Sign-out request refused',
  heading: 'This sign-out request cannot continue',
  advice:
    'You may still be signed in. Go back to the application and sign out from there, or close the browser.',
};

const SIGNED_OUT_TEXT: StaticPageText = {
  title: 'Signed out',
  heading: 'You are signed out',
  advice: 'You can close this window.',
};

function isJson(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && type.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

const refuse = (message: string) => new TokenServerError('invalid_request', message);

/**
 * `/auth/v1/logout` — OpenID Connect RP-Initiated Logout 1.0 (the discovery document's
 * `end_session_endpoint`). Three ways in:
 *
 * - `GET` (query) and `POST` of a form: a relying party navigates the browser here. A cross-site
 *   form arrives without the SameSite=Lax login-session cookie, so it is answered `303` to the same
 *   parameters as a `GET` (which carries it) before anything ends. These need an
 *   `id_token_hint` — one of our ID tokens (signature, `typ`, issuer; an expired one is accepted,
 *   §2) — or nothing happens: a bare link must not sign anyone out (a cross-site `<img>` or link
 *   would otherwise be a logout CSRF). Answers `302` to `post_logout_redirect_uri` (with `state`),
 *   or a small static "signed out" page when none was given.
 * - `POST` of JSON: the login page's own sign-out (same origin only, like the interaction API: a
 *   cross-site page cannot send JSON without a preflight we never grant). The hint may be omitted
 *   here — the same-origin JSON request carrying the login-session cookie is the proof. Answers
 *   `{ redirect_to }` (or `{}` without a redirect URI), since `fetch` would follow a 302 itself.
 *
 * Either way it ends the hinted session (`sid`, the refresh family, on every instance with an
 * audit row) and this browser's login session (the row, so a replayed cookie is dead too — only
 * when it is the hinted user's; the cookie is cleared). `client_id`, when given with a hint, must
 * be the hint's audience. `post_logout_redirect_uri` must be exactly one of the client's registered
 * `logoutUris` (the client from `client_id` or the hint's `aud`); anything else is refused before
 * anything ends — never an open redirect. Refusals are `invalid_request`: a browser (Accept
 * text/html) gets the static HTML error page, anything else the JSON error.
 */
export const logoutRoute: RoutePlugin = (app, services) => {
  const issuer = services.config.issuer;
  const policy = cookiePolicy(issuer);

  async function logout(request: FastifyRequest, reply: FastifyReply, params: LogoutQuery, json: boolean) {
    const hintToken = params.id_token_hint || undefined;
    const hint = hintToken === undefined ? undefined : verifyIdTokenHint(services.keys, issuer, hintToken);
    if (hintToken !== undefined && hint === undefined)
      throw refuse('id_token_hint is not an ID token issued by this server');
    const clientId = params.client_id || undefined;
    if (hint !== undefined && clientId !== undefined && clientId !== hint.clientId)
      throw refuse('client_id is not the client the id_token_hint was issued to');
    if (hint === undefined && !json)
      throw refuse('id_token_hint is required: send the ID token of the session to end');
    const redirectUri = params.post_logout_redirect_uri || undefined;
    let redirect: string | undefined;
    if (redirectUri !== undefined) {
      const owner = clientId ?? hint?.clientId;
      if (owner === undefined)
        throw refuse('post_logout_redirect_uri needs client_id or id_token_hint to be checked against');
      const client = await services.clients.get(owner);
      redirect = logoutRedirect(client?.logoutUris ?? [], redirectUri, params.state || undefined);
      if (redirect === undefined)
        throw refuse("post_logout_redirect_uri is not one of the client's registered logout URIs");
    }
    if (hint?.sid !== undefined) {
      await endUserSessionsWhere(services, 'id = $4', [hint.sid], 'logout', {
        clientId: hint.clientId,
        sub: hint.sub,
        ip: request.ip,
      });
    }
    await endLoginSession(request, reply, services, policy, hint?.sub);
    if (json) return redirect === undefined ? {} : { redirect_to: redirect };
    if (redirect !== undefined) return reply.code(302).header('location', redirect).send();
    return reply.type('text/html; charset=utf-8').send(staticPageHtml(SIGNED_OUT_TEXT, []));
  }

  const headers = async (_request: FastifyRequest, reply: FastifyReply) => setStaticPageHeaders(reply);
  const errorHandler = htmlErrorHandler(REFUSED_TEXT);
  const description =
    'OpenID Connect RP-Initiated Logout 1.0. GET/form POST need id_token_hint and answer 302 to ' +
    'post_logout_redirect_uri (with state) or a static page; a same-origin JSON POST (the login page) ' +
    'may omit the hint and answers { redirect_to }.';

  app.get(
    LOGOUT_PATH,
    {
      // A HEAD (a link prefetcher, a checker) must not sign anyone out.
      exposeHeadRoute: false,
      onRequest: headers,
      errorHandler,
      schema: {
        summary: 'End the session (RP-Initiated Logout)',
        description,
        tags: ['authorize'],
        querystring: LogoutParams,
        response: {
          200: Type.String({
            description: 'no post_logout_redirect_uri: the static "signed out" page (text/html)',
          }),
          302: Type.Null({ description: 'to post_logout_redirect_uri, with state' }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => logout(request, reply, request.query as LogoutQuery, false),
  );
  app.post(
    LOGOUT_PATH,
    {
      onRequest: headers,
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
        if (isJson(request)) assertSameOrigin(request, issuer);
      },
      errorHandler,
      schema: {
        summary: 'End the session (RP-Initiated Logout, form or same-origin JSON)',
        description,
        tags: ['authorize'],
        body: LogoutParams,
        response: {
          200: Type.Union([
            Type.Object({ redirect_to: Type.Optional(Type.String()) }),
            Type.String({ description: 'a form without post_logout_redirect_uri: the static page' }),
          ]),
          302: Type.Null({ description: 'a form: to post_logout_redirect_uri, with state' }),
          303: Type.Null({
            description: 'a form without the login-session cookie (cross-site): the same request as a GET',
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const params = request.body as LogoutQuery;
      if (!isJson(request) && requestCookie(request, policy.names.session) === undefined) {
        // The login-session cookie is SameSite=Lax: a relying party's cross-site form POST arrives
        // without it, and would end the hinted session but leave the browser signed in. Turned into
        // the equivalent GET — a top-level navigation, which carries Lax cookies — before anything
        // ends (the GET checks everything again).
        const query = new URLSearchParams();
        for (const [name, value] of Object.entries(params))
          if (typeof value === 'string' && value !== '') query.set(name, value);
        return reply.code(303).header('location', `${LOGOUT_PATH}?${query}`).send();
      }
      return logout(request, reply, params, isJson(request));
    },
  );
};
