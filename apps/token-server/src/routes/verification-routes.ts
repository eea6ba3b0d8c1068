import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { requireUser } from '../user/current-user.js';
import { authenticateRequestClient } from './request-client.js';
import { cleanParams, deviceIdOf, headerOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, ERROR_RESPONSES, Param } from './schemas.js';

const SendBody = Type.Object(
  {
    phone_number: Param(64),
    email: Param(320),
    target: Param(16),
    usage: Param(32),
    locale: Param(35),
    client_id: Param(128),
    client_secret: Param(512),
  },
  { additionalProperties: true },
);

const SendResponse = Type.Object({
  verification_id: Type.String(),
  expires_in: Type.Integer(),
  is_user: Type.Optional(Type.Boolean()),
  resend_after_seconds: Type.Integer(),
});

const VerifyBody = Type.Object(
  {
    verification_id: Param(256),
    verification_code: Param(64),
    client_id: Param(128),
    client_secret: Param(512),
  },
  { additionalProperties: true },
);

const VerifyResponse = Type.Object({ verification_token: Type.String(), expires_in: Type.Integer() });

/**
 * CloudBase's verification codes: `POST /auth/v1/verification` sends an SMS or email code,
 * `POST /auth/v1/verification/verify` trades it for a single-use `verification_token` that sign-in,
 * sign-up, password reset, contact change and sudo redeem (services.verification).
 */
export const verificationRoutes: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/verification',
    {
      schema: {
        summary: 'Send a verification code by SMS or email',
        description:
          'CloudBase POST /auth/v1/verification (auth-send-verification): phone_number ("+86 13800138000") or email, ' +
          'target ANY | USER | NOT_USER | CUR_USER, usage. Answers before delivery; resend_after_seconds is the cooldown.',
        tags: ['verification'],
        querystring: ClientIdQuery,
        body: SendBody,
        response: { 200: SendResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const params = cleanParams(request.body);
      const target = (params.target ?? 'ANY').toUpperCase();
      let clientId: string;
      let currentSub: string | undefined;
      if (target === 'CUR_USER') {
        // The caller's own address: the Bearer token names both the user and the client. A signed-in
        // user's check like every account call (user scope, a first-party app, not blocked), so no
        // third-party app or blocked account can have the server text the user.
        const { claims } = await requireUser(request, services);
        clientId = claims.client_id;
        currentSub = claims.sub;
      } else {
        clientId = (await authenticateRequestClient(request, services, params)).client.id;
      }
      const captchaToken = headerOf(request, 'x-captcha-token');
      const locale = params.locale ?? headerOf(request, 'accept-language')?.split(',')[0]?.trim();
      return services.verification.send({
        ...(params.phone_number === undefined ? {} : { phoneNumber: params.phone_number }),
        ...(params.email === undefined ? {} : { email: params.email }),
        target: target as 'ANY',
        usage: params.usage ?? 'SIGN_IN',
        clientId,
        ip: request.ip,
        deviceId: deviceIdOf(request),
        ...(captchaToken === undefined || captchaToken === '' ? {} : { captchaToken }),
        ...(currentSub === undefined ? {} : { currentSub }),
        ...(locale === undefined || locale === '' ? {} : { locale: locale.slice(0, 35) }),
      });
    },
  );

  app.post(
    '/auth/v1/verification/verify',
    {
      schema: {
        summary: 'Check a verification code; answers a single-use verification_token',
        description: 'CloudBase POST /auth/v1/verification/verify (auth-verify-verification)',
        tags: ['verification'],
        querystring: ClientIdQuery,
        body: VerifyBody,
        response: { 200: VerifyResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const params = cleanParams(request.body);
      if (params.verification_id === undefined || params.verification_code === undefined)
        throw new TokenServerError('invalid_request', 'verification_id and verification_code are required');
      const { client } = await authenticateRequestClient(request, services, params);
      return services.verification.verify({
        verificationId: params.verification_id,
        code: params.verification_code,
        clientId: client.id,
      });
    },
  );
};
