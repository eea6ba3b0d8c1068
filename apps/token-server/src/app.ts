import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TokenServerOptions } from './config.js';
import { type ServiceOverrides, startServices } from './create-services.js';
import { registerBodyParsers } from './http/body-parsers.js';
import { registerErrorHandling } from './http/error-handler.js';
import { REDACT_PATHS, redactUrl } from './http/log-redaction.js';
import { registerSecurityHooks } from './http/security-hooks.js';
import { adminAuditRoutes } from './routes/admin-audit-routes.js';
import { adminUserRoutes } from './routes/admin-user-routes.js';
import { anonymousSigninRoute } from './routes/anonymous-signin-route.js';
import { authorizeRoute } from './routes/authorize-route.js';
import { deviceRoutes } from './routes/device-routes.js';
import { discoveryRoutes } from './routes/discovery-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { interactionRoutes } from './routes/interaction-routes.js';
import { introspectionRoutes } from './routes/introspection-routes.js';
import { loginPageRoutes } from './routes/login-page-routes.js';
import { logoutRoute } from './routes/logout-route.js';
import { passwordResetRoute } from './routes/password-reset-route.js';
import { providerRoutes } from './routes/provider-routes.js';
import { revocationRoutes } from './routes/revocation-routes.js';
import type { RoutePlugin, TypedApp } from './routes/route-plugin.js';
import { ErrorSchema } from './routes/schemas.js';
import { signinRoute } from './routes/signin-route.js';
import { signoutRoute } from './routes/signout-route.js';
import { signupRoute } from './routes/signup-route.js';
import { tokenRoute } from './routes/token-route.js';
import { userContactRoute } from './routes/user-contact-route.js';
import { userMeRoutes } from './routes/user-me-routes.js';
import { userPasswordRoute } from './routes/user-password-route.js';
import { userProfileRoutes } from './routes/user-profile-routes.js';
import { userProviderRoutes } from './routes/user-provider-routes.js';
import { userQueryRoute } from './routes/user-query-route.js';
import { userSessionRoutes } from './routes/user-session-routes.js';
import { userSudoRoute } from './routes/user-sudo-route.js';
import { userinfoRoute } from './routes/userinfo-route.js';
import { verificationRoutes } from './routes/verification-routes.js';
import type { Services } from './services.js';

/** The endpoint groups, in registration order. Later features add theirs here. */
export const ROUTE_PLUGINS: RoutePlugin[] = [
  healthRoutes,
  discoveryRoutes,
  tokenRoute,
  deviceRoutes,
  introspectionRoutes,
  revocationRoutes,
  signoutRoute,
  logoutRoute,
  userinfoRoute,
  authorizeRoute,
  interactionRoutes,
  signinRoute,
  signupRoute,
  anonymousSigninRoute,
  passwordResetRoute,
  verificationRoutes,
  adminUserRoutes,
  adminAuditRoutes,
  userQueryRoute,
  userMeRoutes,
  userProfileRoutes,
  userSudoRoute,
  userPasswordRoute,
  userContactRoute,
  userSessionRoutes,
  providerRoutes,
  userProviderRoutes,
  loginPageRoutes,
];

export type BuildAppOptions = TokenServerOptions & ServiceOverrides;

export interface TokenServerApp extends TypedApp {
  lingpai: Services;
}

function loggerOptions(logger: BuildAppOptions['logger']): boolean | Record<string, unknown> {
  if (logger === false) return false;
  const base = {
    level: 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (request: { method: string; url: string; hostname?: string; ip?: string }) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.hostname,
        remoteAddress: request.ip,
      }),
    },
  };
  return logger === true || logger === undefined ? base : { ...base, ...logger };
}

/**
 * Builds the token server: storage opened and migrated, keys loaded, every route registered. The
 * caller decides where it listens (`app.listen`) — or tests drive it with `app.inject`.
 */
export async function buildApp(options: BuildAppOptions): Promise<TokenServerApp> {
  const app = Fastify({
    logger: loggerOptions(options.logger) as never,
    bodyLimit: options.bodyLimit ?? 65_536,
    trustProxy: (options.trustProxy ?? false) as never,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  const started = await startServices(options, app.log);
  const services = started.services;
  app.decorate('lingpai', services);
  app.addHook('onClose', async () => started.stop());

  registerErrorHandling(app);
  registerBodyParsers(app);
  registerSecurityHooks(app, services);
  app.addSchema(ErrorSchema);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'lingpai token server',
        version: '0.0.0',
        description: 'CloudBase-compatible /auth/v1 API and OAuth 2.0',
      },
      servers: [{ url: services.config.issuer }],
      tags: ['token', 'discovery', 'health'].map((name) => ({ name })),
    },
  });
  for (const plugin of ROUTE_PLUGINS) {
    await app.register(async (scope) => {
      await plugin(scope as unknown as TypedApp, services);
    });
  }
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app as unknown as TokenServerApp;
}
