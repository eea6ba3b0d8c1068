import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { LoadedClient } from '../clients/client-registry.js';
import { acceptsRedirectUri } from '../clients/redirect-uri-match.js';
import { hashToken } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import {
  approveDevice,
  denyDevice,
  findPendingDevice,
  normalizeUserCode,
} from '../grants/device-approval.js';
import { verifyPassword } from '../grants/password-grant.js';
import { authorizationResponseUrl, issueAuthorizationCode } from '../interactions/authorization-codes.js';
import { currentBrowser, ensureBrowser } from '../interactions/browser-binding.js';
import { hasConsent, recordConsent } from '../interactions/consent-store.js';
import { cookiePolicy } from '../interactions/cookies.js';
import {
  CSRF_HEADER,
  deviceStartCsrfToken,
  interactionCsrfToken,
  requireCsrf,
} from '../interactions/csrf-token.js';
import {
  createInteraction,
  finishInteraction,
  type InteractionRow,
  openUserCode,
  recordInteractionLogin,
  requireLiveInteraction,
  sealUserCode,
} from '../interactions/interaction-store.js';
import { LoginMethodsView, loginMethods } from '../interactions/login-methods.js';
import { type LoginSession, readLoginSession, startLoginSession } from '../interactions/login-session.js';
import { assertJsonBody, assertSameOrigin } from '../interactions/same-origin.js';
import { assertSignInComplete } from '../users/user-status.js';
import { DEVICE_APPROVAL_MAX_AGE_SECONDS } from './device-routes.js';
import { interactionCodeRoutes } from './interaction-code-routes.js';
import type { InteractionExtension, InteractionKit, InteractionResultBody } from './interaction-kit.js';
import { interactionProviderRoutes } from './interaction-provider-routes.js';
import { headerOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES } from './schemas.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const UserView = Type.Object({
  sub: Type.String(),
  username: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  picture: Type.Optional(Type.String()),
});

const interactionViewFields = {
  kind: Type.Union([Type.Literal('authorize'), Type.Literal('device')]),
  client: Type.Object({ id: Type.String(), name: Type.String(), first_party: Type.Boolean() }),
  scopes: Type.Array(Type.String(), { description: 'what the client asks for' }),
  needs_login: Type.Boolean({ description: 'no user is logged in for this interaction yet' }),
  needs_consent: Type.Boolean({
    description: 'the page must ask the user to approve (false: a login completes the interaction)',
  }),
  user: Type.Optional(UserView),
  user_code: Type.Optional(Type.String({ description: 'device interactions: the code being approved' })),
  expires_in: Type.Integer({ description: 'seconds left' }),
  login_methods: LoginMethodsView,
  csrf_token: Type.String({ description: `send as the ${CSRF_HEADER} header on every POST` }),
};
const InteractionView = Type.Object(interactionViewFields);
const DeviceInteractionView = Type.Object({
  interaction: Type.String({ description: 'the new interaction id' }),
  ...interactionViewFields,
});

const InteractionResult = Type.Object({
  status: Type.Union([
    Type.Literal('logged_in'),
    Type.Literal('approved'),
    Type.Literal('denied'),
    Type.Literal('aborted'),
  ]),
  redirect_to: Type.Optional(
    Type.String({ description: "authorize interactions: navigate here (the client's redirect_uri)" }),
  ),
  needs_consent: Type.Optional(Type.Boolean()),
  user: Type.Optional(UserView),
});

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1_024 }),
  },
  { additionalProperties: false },
);
const ConsentBody = Type.Object(
  {
    scopes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
        minItems: 1,
        maxItems: 64,
        description: 'approve only these (a subset of the requested scopes); omitted: all',
      }),
    ),
  },
  { additionalProperties: false },
);
const NoBody = Type.Object({}, { additionalProperties: false });
const DeviceBody = Type.Object(
  { user_code: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

/** Login methods added in their own files (they reuse this file's checks through the kit). */
const INTERACTION_EXTENSIONS: InteractionExtension[] = [interactionCodeRoutes, interactionProviderRoutes];

/**
 * The interaction API the login page drives with `fetch` (JSON only, same origin only, never CORS):
 *
 * - `GET  /auth/v1/interaction/:id` — what is being asked, and the CSRF token;
 * - `POST /auth/v1/interaction/:id/login` — `{ username, password }` (other login methods:
 *   `INTERACTION_EXTENSIONS`, e.g. `interaction-code-routes.ts`);
 * - `POST /auth/v1/interaction/:id/consent` — `{ scopes? }`;
 * - `POST /auth/v1/interaction/:id/deny`, `POST /auth/v1/interaction/:id/abort` — `{}`;
 * - `GET  /auth/v1/interaction/device`, `POST /auth/v1/interaction/device` — `{ user_code }`: start a
 *   device verification (RFC 8628 §3.3) in this browser.
 *
 * Every call must come with the browser cookie the interaction was bound to; every POST with the
 * `x-csrf-token` the GET returned. An interaction yields exactly once and lives
 * `lifetimes.interaction`. Authorize interactions answer `{ redirect_to }` rather than a 302, since
 * `fetch` would follow a redirect itself.
 */
export const interactionRoutes: RoutePlugin = (app, services) => {
  const issuer = services.config.issuer;
  const policy = cookiePolicy(issuer);

  // Set before the origin checks so refusals carry them too. These answers are only ever read by our
  // own page's fetch: never framed (clickjacking, RFC 9700 §4.16), never a Referer source (§4.2.4).
  const sameOriginGet = async (request: FastifyRequest, reply: FastifyReply) => {
    browserAnswerHeaders(reply);
    assertSameOrigin(request, issuer);
  };
  const sameOriginJsonPost = async (request: FastifyRequest, reply: FastifyReply) => {
    browserAnswerHeaders(reply);
    assertSameOrigin(request, issuer);
    assertJsonBody(request);
  };
  const schema = (summary: string, description: string, extra: Record<string, unknown>) => ({
    summary,
    description,
    tags: ['interaction'],
    ...extra,
  });

  async function clientOf(row: InteractionRow): Promise<LoadedClient> {
    const client = await services.clients.get(row.client_id);
    if (!client) throw new TokenServerError('interaction_expired', 'the client of this interaction is gone');
    return client;
  }

  async function userView(sub: string | null): Promise<InteractionResultBody['user']> {
    if (sub === null) return undefined;
    const user = await services.users.findBySub(sub);
    if (!user) return undefined;
    const view: NonNullable<InteractionResultBody['user']> = { sub: user.sub };
    const username = user.username_display ?? user.username;
    if (username !== null) view.username = username;
    if (user.name !== null) view.name = user.name;
    if (user.picture !== null) view.picture = user.picture;
    return view;
  }

  /**
   * Approving a device hands it a session of this user, so — as at
   * `POST /auth/v1/user/device/authorize` — only a sign-in under `DEVICE_APPROVAL_MAX_AGE_SECONDS`
   * old may give it. A weeks-old login session would otherwise turn a phished
   * `verification_uri_complete` link into a one-click approval (RFC 8628 §5.4).
   */
  function freshForDevice(authTime: number): boolean {
    return services.clock.now() - authTime < DEVICE_APPROVAL_MAX_AGE_SECONDS * 1_000;
  }

  /**
   * Whether the interaction's user is still who this browser is signed in as. An interaction's login
   * is only as good as the login session it started (or came from): once that session has ended —
   * replaced by another user's login, revoked, expired, the user blocked — the open interaction must
   * not mint a code or approve a device for the user who left (a shared computer's next user reopening
   * the consent page from history).
   */
  function signedInAsUser(row: InteractionRow, session: LoginSession | undefined): boolean {
    return row.user_sub !== null && session?.userSub === row.user_sub;
  }

  /** Whether the page must (again) ask the user to log in before this interaction can be approved. */
  function needsLogin(row: InteractionRow, session: LoginSession | undefined): boolean {
    if (row.auth_time === null || !signedInAsUser(row, session)) return true;
    const authTime = row.auth_time.getTime();
    if (row.kind === 'device') return !freshForDevice(authTime);
    // OIDC max_age holds until the code is issued, not only when the request arrived: a login session
    // that was young enough then may have aged past it while the consent page was open, and the
    // client would refuse the ID token's auth_time. A login inside this interaction always counts
    // (that is what max_age=0 and prompt=login asked for).
    const maxAge = row.params.max_age;
    if (maxAge === undefined || authTime >= row.created_at.getTime()) return false;
    return services.clock.now() - authTime > maxAge * 1_000;
  }

  /**
   * The client's redirect_uri for this interaction, if the client still registers it: a URI removed
   * while the interaction was open (its domain lost or compromised) must receive neither a code nor
   * a refusal — sending the browser there would be an open redirect (RFC 9700 §4.11).
   */
  function stillRegistered(row: InteractionRow & { kind: 'authorize' }, client: LoadedClient): string {
    if (!acceptsRedirectUri(client, row.params.redirect_uri)) {
      throw new TokenServerError(
        'interaction_expired',
        'the client no longer accepts this redirect_uri; start again from the application',
      );
    }
    return row.params.redirect_uri;
  }

  async function consentNeeded(row: InteractionRow, client: LoadedClient): Promise<boolean> {
    // A device can be anywhere: its user always confirms (RFC 8628 §5.4, remote phishing).
    if (row.kind === 'device') return true;
    if (row.params.prompt.includes('consent')) return true;
    if (client.firstParty) return false;
    return row.user_sub === null || !(await hasConsent(services, row.user_sub, client.id, row.params.scope));
  }

  async function view(id: string, row: InteractionRow, session: LoginSession | undefined) {
    const client = await clientOf(row);
    // Who left this browser is not shown to whoever sits at it now.
    const user = signedInAsUser(row, session) ? await userView(row.user_sub) : undefined;
    return {
      kind: row.kind,
      client: { id: client.id, name: client.name, first_party: client.firstParty },
      scopes: row.params.scope,
      needs_login: needsLogin(row, session),
      needs_consent: await consentNeeded(row, client),
      ...(user ? { user } : {}),
      ...(row.kind === 'device' ? { user_code: formatUserCode(openUserCode(id, row)) } : {}),
      expires_in: Math.max(0, Math.ceil((row.expires_at.getTime() - services.clock.now()) / 1_000)),
      login_methods: loginMethods(services),
      csrf_token: interactionCsrfToken(services.hmacKey, id),
    };
  }

  /** The interaction, for a state-changing call: bound to this browser, live, with the right CSRF token. */
  async function forPost(request: FastifyRequest, id: string): Promise<InteractionRow> {
    const row = await requireLiveInteraction(services, id, currentBrowser(request, policy)?.hash);
    requireCsrf(request, row.csrf_hash);
    return row;
  }

  const alreadyDone = () =>
    new TokenServerError('interaction_expired', 'this interaction has already completed or expired');

  function loginOf(row: InteractionRow): LoginSession {
    return { userSub: row.user_sub!, authTime: row.auth_time!.getTime(), amr: row.amr };
  }

  /** Ends an authorize interaction with a code: one transaction, whose first UPDATE decides. */
  async function approveAuthorize(
    row: InteractionRow & { kind: 'authorize' },
    scope: string[],
    client: LoadedClient,
  ): Promise<string> {
    const redirectUri = stillRegistered(row, client);
    const code = await services.db.transaction(async (tx) => {
      const finished = await finishInteraction(services, tx, row, 'done', true);
      if (!finished || finished.user_sub === null) return undefined;
      if (!client.firstParty) await recordConsent(services, tx, finished.user_sub, client.id, scope);
      return issueAuthorizationCode(services, tx, {
        clientId: client.id,
        params: row.params,
        login: loginOf(finished),
        scope,
      });
    });
    if (code === undefined) throw alreadyDone();
    return authorizationResponseUrl(redirectUri, issuer, { code, state: row.params.state });
  }

  function refusalUrl(
    row: InteractionRow & { kind: 'authorize' },
    client: LoadedClient | undefined,
    description: string,
  ): string | undefined {
    if (client === undefined || !acceptsRedirectUri(client, row.params.redirect_uri)) return undefined;
    return authorizationResponseUrl(row.params.redirect_uri, issuer, {
      error: 'access_denied',
      error_description: description,
      state: row.params.state,
    });
  }

  async function completeLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    row: InteractionRow,
    userSub: string,
    amr: string[],
  ): Promise<InteractionResultBody> {
    const login: LoginSession = { userSub, authTime: services.clock.now(), amr };
    const updated = await recordInteractionLogin(services, row, login);
    if (!updated) throw alreadyDone();
    await startLoginSession(request, reply, services, policy, login);
    const client = await clientOf(updated);
    const needsConsent = await consentNeeded(updated, client);
    const shown = await userView(userSub);
    if (updated.kind === 'authorize' && !needsConsent) {
      const redirectTo = await approveAuthorize(updated, updated.params.scope, client);
      return { status: 'approved', redirect_to: redirectTo, ...(shown ? { user: shown } : {}) };
    }
    return { status: 'logged_in', needs_consent: needsConsent, ...(shown ? { user: shown } : {}) };
  }

  function chosenScope(row: InteractionRow, requested: string[] | undefined): string[] {
    if (requested === undefined) return row.params.scope;
    const outside = requested.filter((scope) => !row.params.scope.includes(scope));
    if (outside.length > 0) {
      throw new TokenServerError('invalid_scope', 'approve only scopes the client asked for');
    }
    return [...new Set(requested)];
  }

  app.get(
    '/auth/v1/interaction/:id',
    {
      onRequest: sameOriginGet,
      schema: schema(
        'Describe an interaction',
        'What the login page must show, and the CSRF token for its POSTs',
        {
          params: IdParams,
          response: { 200: InteractionView, ...ERROR_RESPONSES },
        },
      ),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const row = await requireLiveInteraction(services, id, currentBrowser(request, policy)?.hash);
      return view(id, row, await readLoginSession(request, services, policy));
    },
  );

  app.post(
    '/auth/v1/interaction/:id/login',
    {
      onRequest: sameOriginJsonPost,
      schema: schema(
        'Log in with a password',
        'Brute-force protected like the password grant. Starts a login session (cookie). Completes an authorize ' +
          'interaction at once when no consent is needed (status approved, redirect_to).',
        { params: IdParams, body: LoginBody, response: { 200: InteractionResult, ...ERROR_RESPONSES } },
      ),
    },
    async (request, reply): Promise<InteractionResultBody> => {
      const { id } = request.params as { id: string };
      const { username, password } = request.body as { username: string; password: string };
      const row = await forPost(request, id);
      const user = await verifyPassword(
        {
          services,
          ip: request.ip,
          captchaToken: headerOf(request, 'x-captcha-token'),
          clientId: row.client_id,
        },
        username,
        password,
      );
      assertSignInComplete(user, ['pwd']);
      return completeLogin(request, reply, row, user.sub, ['pwd']);
    },
  );

  app.post(
    '/auth/v1/interaction/:id/consent',
    {
      onRequest: sameOriginJsonPost,
      schema: schema(
        'Approve',
        'Approve the request (optionally only some of its scopes). Authorize: redirect_to carries the code. ' +
          'Device: the device’s next poll gets its tokens.',
        { params: IdParams, body: ConsentBody, response: { 200: InteractionResult, ...ERROR_RESPONSES } },
      ),
    },
    async (request): Promise<InteractionResultBody> => {
      const { id } = request.params as { id: string };
      const body = request.body as { scopes?: string[] };
      const row = await forPost(request, id);
      if (row.user_sub === null) throw new TokenServerError('login_required', 'log in before approving');
      const session = await readLoginSession(request, services, policy);
      if (!signedInAsUser(row, session)) {
        throw new TokenServerError(
          'login_required',
          'log in again: this browser is no longer signed in as this user',
        );
      }
      if (needsLogin(row, session)) {
        throw new TokenServerError(
          'login_required',
          row.kind === 'device'
            ? `log in again: approving a device needs a sign-in under ${DEVICE_APPROVAL_MAX_AGE_SECONDS / 60} minutes old`
            : 'log in again: the application asked for a more recent sign-in (max_age)',
        );
      }
      const scope = chosenScope(row, body.scopes);
      const client = await clientOf(row);
      if (row.kind === 'authorize') {
        return { status: 'approved', redirect_to: await approveAuthorize(row, scope, client) };
      }
      const finished = await finishInteraction(services, services.db, row, 'done', true);
      if (!finished) throw alreadyDone();
      const approved = await approveDevice(services, {
        userCode: openUserCode(id, row),
        userSub: finished.user_sub!,
        scope,
        authTime: finished.auth_time!.getTime(),
        amr: finished.amr,
      });
      if (!approved) {
        throw new TokenServerError(
          'interaction_expired',
          'the device request expired or was already answered',
        );
      }
      return { status: 'approved' };
    },
  );

  app.post(
    '/auth/v1/interaction/:id/deny',
    {
      onRequest: sameOriginJsonPost,
      schema: schema(
        'Deny',
        'The user refuses. Authorize: redirect_to carries error=access_denied. Device (after a login): the ' +
          'device’s next poll gets access_denied.',
        { params: IdParams, body: NoBody, response: { 200: InteractionResult, ...ERROR_RESPONSES } },
      ),
    },
    async (request): Promise<InteractionResultBody> => {
      const { id } = request.params as { id: string };
      const row = await forPost(request, id);
      // Denying a device is an answer on some account's behalf: only its logged-in user gives it.
      if (row.kind === 'device' && !signedInAsUser(row, await readLoginSession(request, services, policy))) {
        throw new TokenServerError('login_required', 'log in before denying a device');
      }
      const finished = await finishInteraction(services, services.db, row, 'aborted', row.kind === 'device');
      if (!finished) throw alreadyDone();
      if (row.kind === 'authorize') {
        const redirectTo = refusalUrl(
          row,
          await services.clients.get(row.client_id),
          'the user denied the request',
        );
        return { status: 'denied', ...(redirectTo === undefined ? {} : { redirect_to: redirectTo }) };
      }
      if (!(await denyDevice(services, openUserCode(id, row)))) {
        throw new TokenServerError(
          'interaction_expired',
          'the device request expired or was already answered',
        );
      }
      return { status: 'denied' };
    },
  );

  app.post(
    '/auth/v1/interaction/:id/abort',
    {
      onRequest: sameOriginJsonPost,
      schema: schema(
        'Abort',
        'The user cancels. Authorize: redirect_to carries error=access_denied. Device: the device request is left ' +
          'pending (another person may still be meant to approve it).',
        { params: IdParams, body: NoBody, response: { 200: InteractionResult, ...ERROR_RESPONSES } },
      ),
    },
    async (request): Promise<InteractionResultBody> => {
      const { id } = request.params as { id: string };
      const row = await forPost(request, id);
      const finished = await finishInteraction(services, services.db, row, 'aborted', false);
      if (!finished) throw alreadyDone();
      if (row.kind === 'authorize') {
        const redirectTo = refusalUrl(
          row,
          await services.clients.get(row.client_id),
          'the user aborted the interaction',
        );
        return { status: 'aborted', ...(redirectTo === undefined ? {} : { redirect_to: redirectTo }) };
      }
      return { status: 'aborted' };
    },
  );

  app.get(
    '/auth/v1/interaction/device',
    {
      onRequest: sameOriginGet,
      schema: schema(
        'Prepare a device verification',
        'Binds this browser (cookie) and returns the CSRF token for POST /auth/v1/interaction/device',
        { response: { 200: Type.Object({ csrf_token: Type.String() }), ...ERROR_RESPONSES } },
      ),
    },
    async (request, reply) => {
      const browser = ensureBrowser(request, reply, services, policy);
      return { csrf_token: deviceStartCsrfToken(services.hmacKey, browser.token) };
    },
  );

  app.post(
    '/auth/v1/interaction/device',
    {
      onRequest: sameOriginJsonPost,
      schema: schema(
        'Start a device verification',
        'RFC 8628 §3.3: the user typed the code the device shows. Wrong codes are limited per IP. Creates a ' +
          'device interaction bound to this browser; continue with its login/consent/deny.',
        { body: DeviceBody, response: { 200: DeviceInteractionView, ...ERROR_RESPONSES } },
      ),
    },
    async (request, reply) => {
      const { user_code: userCode } = request.body as { user_code: string };
      const browser = currentBrowser(request, policy);
      if (browser === undefined) {
        throw new TokenServerError('permission_denied', 'call GET /auth/v1/interaction/device first');
      }
      requireCsrf(request, hashToken(deviceStartCsrfToken(services.hmacKey, browser.token)));
      const pending = await findPendingDevice(services, userCode, request.ip);
      const normalized = normalizeUserCode(userCode);
      if (!pending || normalized === undefined) {
        throw new TokenServerError('invalid_grant', 'this code is wrong or has expired');
      }
      const session = await readLoginSession(request, services, policy);
      // Renew the browser cookie so it outlives this interaction.
      ensureBrowser(request, reply, services, policy);
      const id = await createInteraction(
        services,
        {
          kind: 'device',
          clientId: pending.clientId,
          browserHash: browser.hash,
          // A login session too old to approve a device does not count as a login here.
          login: session && freshForDevice(session.authTime) ? session : undefined,
        },
        (interactionId) => ({
          scope: pending.scope,
          user_code_sealed: sealUserCode(interactionId, normalized),
        }),
      );
      const row = await requireLiveInteraction(services, id, browser.hash);
      return { interaction: id, ...(await view(id, row, session)) };
    },
  );

  const kit: InteractionKit = {
    policy,
    sameOriginJsonPost,
    schema,
    forPost,
    clientOf,
    completeLogin,
    schemas: { IdParams, InteractionResult },
  };
  for (const extend of INTERACTION_EXTENSIONS) extend(app, services, kit);
};

/** The user code as the device shows it, `XXXX-XXXX` (what is sealed is already normalized). */
function formatUserCode(normalized: string): string {
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

/**
 * Headers for every interaction answer: no framing (`frame-ancestors 'none'` and, for browsers
 * without CSP level 2, `X-Frame-Options`), no Referer from it, and nothing to load or run.
 */
function browserAnswerHeaders(reply: FastifyReply): void {
  reply
    .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}
