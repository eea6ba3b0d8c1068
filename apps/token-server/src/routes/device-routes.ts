import { Type } from 'typebox';
import { GRANT_TYPES } from '../clients/client.js';
import { hashToken, newOpaqueToken } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import {
  approveDevice,
  findPendingDevice,
  generateUserCode,
  userCodeHash,
} from '../grants/device-approval.js';
import { takeNetworkBudget } from '../limits/network-budget.js';
import type { Services } from '../services.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../storage/database.js';
import { grantScope, parseScope } from '../tokens/scope.js';
import { requireBearer } from './bearer.js';
import { authenticateRequestClient } from './request-client.js';
import { cleanParams, deviceIdOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, EmptyObject, ERROR_RESPONSES, Param } from './schemas.js';

/** Device codes are bearer secrets: a visible prefix for secret scanners, then 256 random bits. */
export const DEVICE_CODE_PREFIX = 'lpd.';

/** How fresh the approving sign-in must be at `POST /auth/v1/user/device/authorize`. */
export const DEVICE_APPROVAL_MAX_AGE_SECONDS = 600;

const DeviceCodeBody = Type.Object(
  { client_id: Param(128), client_secret: Param(512), scope: Param(1_024) },
  { additionalProperties: true },
);

const DeviceCodeResponse = Type.Object({
  device_code: Type.String({ description: '256 random bits; the device polls the token endpoint with it' }),
  user_code: Type.String({ description: 'XXXX-XXXX, typed by the person at verification_uri' }),
  verification_uri: Type.String(),
  verification_url: Type.String({ description: 'older name of verification_uri (earlier CloudBase SDKs)' }),
  verification_uri_complete: Type.String(),
  expires_in: Type.Integer(),
  interval: Type.Integer(),
});

const DeviceAuthorizeBody = Type.Object(
  { user_code: Type.String({ minLength: 1, maxLength: 64 }), scope: Param(1_024), state: Param(512) },
  { additionalProperties: true },
);

/** A fresh user code can collide with a stored one (unique index); draw again, a few times at most. */
const USER_CODE_ATTEMPTS = 5;

async function insertDeviceCode(
  services: Services,
  row: { clientId: string; scope: string[]; deviceId: string },
): Promise<{ deviceCode: string; userCode: string }> {
  const now = services.clock.now();
  const { lifetimes } = services.config;
  for (let attempt = 1; ; attempt++) {
    const deviceCode = newOpaqueToken(services.random, DEVICE_CODE_PREFIX);
    const userCode = generateUserCode(services.random);
    try {
      await services.db.query(
        `INSERT INTO device_codes
           (hash, user_code_hash, client_id, scope, device_id, interval_seconds, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          hashToken(deviceCode),
          userCodeHash(services.hmacKey, userCode.replace('-', '')),
          row.clientId,
          row.scope.join(' '),
          row.deviceId,
          lifetimes.deviceInterval,
          new Date(now),
          new Date(now + lifetimes.deviceCode * 1_000),
        ],
      );
      return { deviceCode, userCode };
    } catch (error) {
      if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION || attempt >= USER_CODE_ATTEMPTS) throw error;
    }
  }
}

/**
 * The device authorization grant's endpoints (RFC 8628): the device asks for codes at
 * `POST /auth/v1/device/code` (CloudBase's `deviceAuthorize`), polls `POST /auth/v1/token` with
 * grant_type `urn:ietf:params:oauth:grant-type:device_code` (grants/device-code-grant.ts), and the
 * person approves at the verification page — through the interaction API, or with CloudBase's
 * `POST /auth/v1/user/device/authorize` from an app where they are signed in.
 */
export const deviceRoutes: RoutePlugin = (app, services) => {
  const verificationUri = `${services.config.issuer}/device`;

  app.post(
    '/auth/v1/device/code',
    {
      schema: {
        summary: 'Start a device authorization (device code and user code)',
        description: 'RFC 8628 §3.1–3.2; CloudBase POST /auth/v1/device/code (deviceAuthorize)',
        tags: ['token'],
        querystring: ClientIdQuery,
        body: DeviceCodeBody,
        response: { 200: DeviceCodeResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const params = cleanParams(request.body);
      // Public clients allowed (RFC 8628 §3.1: a device often cannot keep a secret).
      const { client } = await authenticateRequestClient(request, services, params);
      if (!client.grantTypes.includes(GRANT_TYPES.deviceCode)) {
        throw new TokenServerError('unauthorized_client', 'this client may not use the device_code grant');
      }
      const scope = grantScope(
        parseScope(params.scope),
        client.scopes,
        client.defaultScopes.length ? client.defaultScopes : client.scopes,
      );
      await takeNetworkBudget(services, {
        name: 'device-code',
        ip: request.ip,
        perIp: services.config.limits.deviceCodesPerIp,
        windowSeconds: services.config.limits.deviceCodeWindow,
        refusal: 'too many device codes from this network',
      });
      const { deviceCode, userCode } = await insertDeviceCode(services, {
        clientId: client.id,
        scope,
        deviceId: deviceIdOf(request),
      });
      return {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: verificationUri,
        verification_url: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
        expires_in: services.config.lifetimes.deviceCode,
        interval: services.config.lifetimes.deviceInterval,
      };
    },
  );

  app.post(
    '/auth/v1/user/device/authorize',
    {
      schema: {
        summary: 'Approve a device with the signed-in user (Bearer)',
        description:
          'CloudBase POST /auth/v1/user/device/authorize (authorizeDevice); RFC 8628 §3.3. Only access ' +
          `tokens of first-party clients from a sign-in under ${DEVICE_APPROVAL_MAX_AGE_SECONDS / 60} minutes old.`,
        tags: ['token'],
        body: DeviceAuthorizeBody,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const claims = requireBearer(request, services);
      // Approving hands the device a session of this user: only our own apps may ask for that, so a
      // third-party client holding a user's token cannot enrol devices of its choosing.
      const approver = await services.clients.get(claims.client_id);
      if (!approver?.firstParty) {
        throw new TokenServerError('permission_denied', 'only first-party apps may approve devices');
      }
      const now = services.clock.now();
      if (
        claims.auth_time === undefined ||
        now - claims.auth_time * 1_000 >= DEVICE_APPROVAL_MAX_AGE_SECONDS * 1_000
      ) {
        throw new TokenServerError(
          'insufficient_user_authentication',
          `sign in again: approving a device needs a sign-in under ${DEVICE_APPROVAL_MAX_AGE_SECONDS / 60} minutes old`,
          {
            headers: {
              'WWW-Authenticate': `Bearer realm="lingpai", error="insufficient_user_authentication", max_age="${DEVICE_APPROVAL_MAX_AGE_SECONDS}"`,
            },
          },
        );
      }
      const user = await services.users.findBySub(claims.sub);
      if (user?.status !== 'ACTIVE' || user.is_anonymous) {
        throw new TokenServerError('permission_denied', 'this account may not approve devices');
      }
      const body = request.body;
      const pending = await findPendingDevice(services, body.user_code, request.ip);
      if (!pending) {
        throw new TokenServerError('invalid_grant', 'the user code is wrong, expired or already used');
      }
      const asked = parseScope(typeof body.scope === 'string' && body.scope !== '' ? body.scope : undefined);
      const outside = (asked ?? []).filter((scope) => !pending.scope.includes(scope));
      if (outside.length > 0) {
        throw new TokenServerError(
          'invalid_scope',
          `the device did not ask for: ${outside.join(' ').slice(0, 200)}`,
        );
      }
      const approved = await approveDevice(services, {
        userCode: body.user_code,
        userSub: user.sub,
        scope: asked ?? pending.scope,
        authTime: claims.auth_time * 1_000,
        amr: await familyAmr(services, claims.sid),
      });
      if (!approved) {
        throw new TokenServerError('invalid_grant', 'the user code is wrong, expired or already used');
      }
      return {};
    },
  );
};

/** The approving sign-in's methods, from its refresh family (the access token does not carry `amr`). */
async function familyAmr(services: Services, sid: string | undefined): Promise<string[]> {
  if (sid === undefined) return [];
  const rows = await services.db.query<{ amr: string[] }>('SELECT amr FROM refresh_families WHERE id = $1', [
    sid,
  ]);
  return rows[0]?.amr ?? [];
}
