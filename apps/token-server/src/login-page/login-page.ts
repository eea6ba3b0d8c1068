import type { FastifyBaseLogger } from 'fastify';
import { GRANT_TYPES } from '../clients/client.js';
import type { ClientRegistry } from '../clients/client-registry.js';
import { ConfigError } from '../errors.js';
import type { ConfiguredProvider } from '../social/social-config.js';
import { loginPageCsp } from './login-page-headers.js';
import {
  LOGIN_PAGE_SCOPES,
  loginPageLogoutUri,
  loginPageRedirectUri,
  type ResolvedLoginPage,
} from './login-page-options.js';

/** `services.loginPage`: the validated options and what follows from the rest of the configuration. */
export interface LoginPage extends ResolvedLoginPage {
  /** Origins of the configured WeChat logins (website and official account), deduplicated. */
  wechatOrigins: string[];
  /** The Content-Security-Policy of every answer under `/login`. */
  csp: string;
}

/**
 * The origins the page may frame and load images from: each configured WeChat login's authorize
 * origin (the sandbox's in tests, https://open.weixin.qq.com in production). Mini programs have no
 * page and add nothing.
 */
export function wechatOrigins(providers: readonly ConfiguredProvider[]): string[] {
  const origins = new Set<string>();
  for (const provider of providers) {
    if (provider.platform === 'wechat' && provider.hasAuthorizePage && provider.authorizeOrigin)
      origins.add(provider.authorizeOrigin);
  }
  return [...origins];
}

export function createLoginPage(
  resolved: ResolvedLoginPage,
  providers: readonly ConfiguredProvider[],
): LoginPage {
  const origins = wechatOrigins(providers);
  return { ...resolved, wechatOrigins: origins, csp: loginPageCsp(origins) };
}

/** One refresh racing another in a second tab (or a frozen one) inside this window is not reuse. */
export const LOGIN_PAGE_REFRESH_GRACE_SECONDS = 10;

/**
 * Registers the page's own client when missing: public (it runs in a browser), first-party (no
 * consent screen, may manage the account), the code flow with PKCE and refresh tokens, and a 10 s
 * refresh grace so tabs that refresh at once stay signed in even without cross-tab coordination.
 * Like `seed`, an existing registration is never changed — an operator may have tuned it — but one
 * the page cannot work with is reported.
 */
export async function registerLoginPageClient(
  clients: ClientRegistry,
  page: LoginPage,
  issuer: string,
  log: FastifyBaseLogger,
): Promise<void> {
  const redirectUri = loginPageRedirectUri(issuer);
  let result: Awaited<ReturnType<ClientRegistry['add']>>;
  try {
    result = await clients.add(
      {
        id: page.clientId,
        name: 'Login page',
        kind: 'public',
        grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
        scopes: [...LOGIN_PAGE_SCOPES],
        defaultScopes: [...LOGIN_PAGE_SCOPES],
        redirectUris: [redirectUri],
        // Where an RP-Initiated Logout of the page's own session may return (`/auth/v1/logout`).
        logoutUris: [loginPageLogoutUri(issuer)],
        refreshGraceSeconds: LOGIN_PAGE_REFRESH_GRACE_SECONDS,
        firstParty: true,
      },
      { upsert: true },
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError(
        `the login page's client ${page.clientId} cannot be registered (${error.message}): serve the issuer over https, or set loginPage: false (LINGPAI_LOGIN_PAGE=off)`,
      );
    }
    throw error;
  }
  if (result.created) return;
  const client = result.client;
  const problems = [
    client.kind === 'public' ? undefined : 'is not public',
    client.firstParty ? undefined : 'is not first-party',
    client.redirectUris.includes(redirectUri) ? undefined : `does not accept ${redirectUri}`,
    client.grantTypes.includes(GRANT_TYPES.authorizationCode) ? undefined : 'lacks authorization_code',
    LOGIN_PAGE_SCOPES.every((scope) => client.scopes.includes(scope))
      ? undefined
      : `lacks scopes of ${LOGIN_PAGE_SCOPES.join(' ')}`,
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0) {
    log.warn(
      `the login page's client ${client.id} is already registered and ${problems.join(', ')}: the page's own sign-in will fail; remove it (\`lingpai-token-server client remove ${client.id}\`) to have it registered again, or set loginPage.clientId`,
    );
  }
}
