import { isOAuthError, parseCallback } from '@lingpai/oauth-social';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import {
  DEFAULT_AUTHORIZATION_OPTIONS,
  INTERACTION_QUERY_PARAM,
} from '../interactions/authorization-options.js';
import { currentBrowser } from '../interactions/browser-binding.js';
import { type InteractionRow, requireLiveInteraction } from '../interactions/interaction-store.js';
import type { Services } from '../services.js';
import { findIdentityOwner, linkIdentity, recordIdentitySignIn } from '../social/identity-repository.js';
import type { ProviderIdentity } from '../social/provider-identity.js';
import { exchangeProviderCode, startProviderLogin } from '../social/provider-login.js';
import { finishInteractionPendingLogin } from '../social/provider-states.js';
import { takeSocialLogin } from '../social/social-rate-limit.js';
import { assertSignInComplete } from '../users/user-status.js';
import type { InteractionExtension } from './interaction-kit.js';
import { ERROR_RESPONSES } from './schemas.js';

const ProviderParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  provider: Type.String({ minLength: 1, maxLength: 64 }),
});
const CallbackParams = Type.Object({ provider: Type.String({ minLength: 1, maxLength: 64 }) });
const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 2_048 })),
    auth_code: Type.Optional(Type.String({ maxLength: 2_048 })),
    authCode: Type.Optional(Type.String({ maxLength: 2_048 })),
    state: Type.Optional(Type.String({ maxLength: 512 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);
const NoBody = Type.Object({}, { additionalProperties: false });

/** The server's own redirect URI for a platform (register it at the platform). */
export function interactionCallbackUri(issuer: string, providerId: string): string {
  return `${issuer}/auth/v1/interaction/provider/${encodeURIComponent(providerId)}/callback`;
}

/**
 * The identity's user, or a new one: a first platform login on the login page signs the person up
 * (name and picture from the platform; never its email or phone). Two first logins racing on one
 * identity end with one user: the loser's transaction rolls back and the winner's user is used.
 */
async function userForIdentity(
  services: Services,
  identity: ProviderIdentity,
): Promise<{ sub: string; created: boolean }> {
  const existing = await findIdentityOwner(services.db, identity);
  if (existing !== undefined) return { sub: existing, created: false };
  const now = new Date(services.clock.now());
  try {
    // The user and its identity commit together: a crash between them leaves no user that nothing
    // can sign in to.
    const sub = await services.db.transaction(async (tx) => {
      const user = await services.users.create(
        identity.name === undefined ? {} : { name: identity.name },
        tx,
      );
      if (identity.picture !== undefined)
        await tx.query('UPDATE users SET picture = $2 WHERE sub = $1', [user.sub, identity.picture]);
      await linkIdentity(tx, user.sub, identity, now);
      return user.sub;
    });
    return { sub, created: true };
  } catch (error) {
    // A first login of the same identity on another instance won the race: use its user.
    const winner = await findIdentityOwner(services.db, identity);
    if (winner === undefined) throw error;
    return { sub: winner, created: false };
  }
}

/**
 * Social login on the login page, for `/auth/v1/authorize` and device interactions:
 *
 * - `POST /auth/v1/interaction/:id/provider/:provider` — `{}` (JSON, same origin, CSRF like every
 *   interaction POST): answers `{ redirect_to }`, the platform's authorization URL with the server's
 *   own callback; the page navigates there.
 * - `GET /auth/v1/interaction/provider/:provider/callback` — where the platform sends the browser
 *   back. The state finds the pending login (once); its interaction must be bound to this browser,
 *   so a callback URL carried to another browser logs nobody in. The code is exchanged, the user
 *   found (or signed up), and the interaction's login completed: the browser goes on to the client
 *   (`redirect_to`) or back to the login page (consent, or an error as `?error=`).
 */
export const interactionProviderRoutes: InteractionExtension = (app, services, kit) => {
  const issuer = services.config.issuer;
  const loginPage = (interactionId: string, error?: string): string => {
    const page = new URL(DEFAULT_AUTHORIZATION_OPTIONS.loginPagePath, issuer);
    page.searchParams.set(INTERACTION_QUERY_PARAM, interactionId);
    if (error !== undefined) page.searchParams.set('error', error);
    return page.toString();
  };

  app.post(
    '/auth/v1/interaction/:id/provider/:provider',
    {
      onRequest: kit.sameOriginJsonPost,
      schema: kit.schema(
        'Start a social login on the login page',
        "The platform's authorization URL for this interaction (navigate to redirect_to)",
        {
          params: ProviderParams,
          body: NoBody,
          response: { 200: Type.Object({ redirect_to: Type.String() }), ...ERROR_RESPONSES },
        },
      ),
    },
    async (request) => {
      const { id, provider } = request.params as { id: string; provider: string };
      const row = await kit.forPost(request, id);
      const client = await kit.clientOf(row);
      await takeSocialLogin(services, request.ip);
      const uri = await startProviderLogin(services, {
        client,
        providerId: provider,
        redirectUri: interactionCallbackUri(issuer, provider),
        appState: undefined,
        deviceId: '',
        interaction: { id, idHash: row.id_hash },
      });
      return { redirect_to: uri.toString() };
    },
  );

  const completeWithIdentity = async (
    request: FastifyRequest,
    reply: FastifyReply,
    row: InteractionRow,
    identity: ProviderIdentity,
  ): Promise<string | undefined> => {
    const { sub, created } = await userForIdentity(services, identity);
    const user = await services.users.findBySub(sub);
    if (!user) throw new TokenServerError('user_not_found', 'the account is gone');
    const amr = ['fed'];
    assertSignInComplete(user, amr);
    const result = await kit.completeLogin(request, reply, row, sub, amr);
    await recordIdentitySignIn(services.db, identity, new Date(services.clock.now()));
    await services.audit.record({
      kind: created ? 'signup' : 'signin',
      clientId: row.client_id,
      sub,
      ip: request.ip,
      detail: { amr, provider: identity.providerId, via: 'interaction' },
    });
    return result.redirect_to;
  };

  app.get(
    '/auth/v1/interaction/provider/:provider/callback',
    {
      schema: kit.schema(
        "A social platform's callback for a login-page login",
        'Redirects to the client (a code) or back to the login page',
        {
          params: CallbackParams,
          querystring: CallbackQuery,
          response: { 302: Type.Null(), ...ERROR_RESPONSES },
        },
      ),
    },
    async (request, reply) => {
      const { provider } = request.params as { provider: string };
      const configured = services.social.require(provider);
      const query = request.query as Record<string, unknown>;
      const state = typeof query.state === 'string' && query.state !== '' ? query.state : undefined;
      if (state === undefined) throw new TokenServerError('invalid_request', 'the callback carries no state');
      const pending = await finishInteractionPendingLogin(services, { providerId: configured.id, state });
      if (pending?.interactionId === undefined) {
        throw new TokenServerError(
          'invalid_request',
          'no pending login matches this callback: it was used, expired or never started here',
        );
      }
      const interactionId = pending.interactionId;
      // Bound to the browser that started it: a callback URL carried elsewhere logs nobody in.
      const row = await requireLiveInteraction(
        services,
        interactionId,
        currentBrowser(request, kit.policy)?.hash,
      );
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      let next: string;
      try {
        const { code } = parseCallback(query);
        const identity = await exchangeProviderCode(services, configured, code, {
          codeVerifier: pending.codeVerifier,
          redirectUri: pending.redirectUri,
        });
        next = (await completeWithIdentity(request, reply, row, identity)) ?? loginPage(interactionId);
      } catch (error) {
        // The page shows why and offers the other methods; the interaction is still open.
        const code =
          error instanceof TokenServerError ? error.code : isOAuthError(error) ? 'access_denied' : undefined;
        if (code === undefined) throw error;
        next = loginPage(interactionId, code);
      }
      return reply.code(302).header('location', next).send();
    },
  );
};
