import { Type } from 'typebox';
import { GRANT_TYPES } from '../clients/client.js';
import { ENV_CLIENT_SCOPES } from '../create-services.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES } from './schemas.js';

/** RFC 8414 metadata (and the OIDC discovery document, the same content) and the JWKS. */
export const discoveryRoutes: RoutePlugin = (app, services) => {
  const issuer = services.config.issuer;
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/auth/v1/authorize`,
    token_endpoint: `${issuer}/auth/v1/token`,
    device_authorization_endpoint: `${issuer}/auth/v1/device/code`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    revocation_endpoint: `${issuer}/auth/v1/revoke`,
    introspection_endpoint: `${issuer}/auth/v1/token/introspect`,
    userinfo_endpoint: `${issuer}/auth/v1/userinfo`,
    // OIDC RP-Initiated Logout 1.0 §2.1 (logout-route.ts).
    end_session_endpoint: `${issuer}/auth/v1/logout`,
    grant_types_supported: Object.values(GRANT_TYPES),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [...ENV_CLIENT_SCOPES, 'admin'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [services.config.signingAlgorithm],
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'sid',
      'amr',
      // What /auth/v1/userinfo releases, by scope (userinfo-route.ts).
      'name',
      'picture',
      'gender',
      'locale',
      'username',
      'preferred_username',
      'email',
      'email_verified',
      'phone_number',
      'phone_number_verified',
      'groups',
    ],
  };
  const MetadataSchema = Type.Object(
    Object.fromEntries(
      Object.entries(metadata).map(([name, value]) => [
        name,
        Array.isArray(value)
          ? Type.Array(Type.String())
          : typeof value === 'boolean'
            ? Type.Boolean()
            : Type.String(),
      ]),
    ),
  );
  const body = JSON.stringify(metadata);
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    app.get(
      path,
      {
        schema: {
          summary: 'Server metadata',
          description: path.includes('openid') ? 'OpenID Connect Discovery 1.0' : 'RFC 8414',
          tags: ['discovery'],
          response: { 200: MetadataSchema, ...ERROR_RESPONSES },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300').type('application/json');
        return reply.serializer((payload: unknown) => payload as string).send(body);
      },
    );
  }
  const Jwk = Type.Object({
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.String(),
    n: Type.Optional(Type.String()),
    e: Type.Optional(Type.String()),
    crv: Type.Optional(Type.String()),
    x: Type.Optional(Type.String()),
    y: Type.Optional(Type.String()),
  });
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: 'Signing keys',
        description: 'RFC 7517 JWK Set',
        tags: ['discovery'],
        response: { 200: Type.Object({ keys: Type.Array(Jwk) }), ...ERROR_RESPONSES },
      },
    },
    async (_request, reply) => {
      reply
        .header('cache-control', `public, max-age=${services.config.lifetimes.jwksMaxAge}`)
        .type('application/json');
      return reply.serializer((payload: unknown) => payload as string).send(services.keys.jwksJson());
    },
  );
};
