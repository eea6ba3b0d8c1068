import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { LoadedClient } from '../clients/client-registry.js';
import type { CookiePolicy } from '../interactions/cookies.js';
import type { InteractionRow } from '../interactions/interaction-store.js';
import type { Services } from '../services.js';
import type { TypedApp } from './route-plugin.js';

/** What every interaction step answers (the schema is `kit.schemas.InteractionResult`). */
export interface InteractionResultBody {
  status: 'logged_in' | 'approved' | 'denied' | 'aborted';
  redirect_to?: string;
  needs_consent?: boolean;
  user?: { sub: string; username?: string; name?: string; picture?: string };
}

/**
 * The interaction API's own checks and its one way to finish a login, handed to the routes that add
 * login methods (codes, social platforms) so each method is only the proof of who the user is: the
 * browser binding, CSRF, same-origin rules, the login session and the consent decision stay in
 * `interaction-routes.ts`, once.
 */
export interface InteractionKit {
  policy: CookiePolicy;
  /** `onRequest` for a state-changing call: the answer headers, same-origin, JSON only. */
  sameOriginJsonPost(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** A route schema tagged `interaction`. */
  schema(summary: string, description: string, extra: Record<string, unknown>): Record<string, unknown>;
  /** The interaction for a POST: bound to this browser, live, with the right `x-csrf-token`. */
  forPost(request: FastifyRequest, id: string): Promise<InteractionRow>;
  clientOf(row: InteractionRow): Promise<LoadedClient>;
  /**
   * After a method proved who the user is: records the login on the interaction (who, `auth_time`
   * now, `amr`), starts the login session cookie, and completes an authorize interaction that needs
   * no consent. The caller has already checked the user may sign in.
   */
  completeLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    row: InteractionRow,
    userSub: string,
    amr: string[],
  ): Promise<InteractionResultBody>;
  schemas: { IdParams: TSchema; InteractionResult: TSchema };
}

/** A group of routes extending the interaction API, registered in its plugin scope. */
export type InteractionExtension = (app: TypedApp, services: Services, kit: InteractionKit) => void;
