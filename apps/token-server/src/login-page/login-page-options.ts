import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CLIENT_ID_PATTERN } from '../clients/client.js';
import { ConfigError } from '../errors.js';

/**
 * `TokenServerOptions.loginPage`: the built login page (`@lingpai/login-page`) served under
 * `/login`. On by default; `false` serves nothing there and registers no page client.
 */
export type LoginPageOptions =
  | false
  | {
      /** The built page's directory (holding `index.html` and `assets/`). Default: `@lingpai/login-page`'s `dist/`. */
      root?: string;
      /** The page's own OAuth client (public, first-party), registered at start when missing. Default `lingpai-login`. */
      clientId?: string;
      /** The account page shows the decoded tokens (the demo). Default false. */
      showTokens?: boolean;
      /** The page's tabs share one refresh (`BroadcastChannel`); false: each tab on its own. Default true. */
      crossTab?: boolean;
      /**
       * The captcha hook's module (a same-origin path such as `/login-captcha/hook.js`, loaded by the
       * page's `import()`; apps/login-page/README.md "Captcha hook"). Default: none (the event form).
       */
      captchaModule?: string;
    };

export const DEFAULT_LOGIN_PAGE_CLIENT_ID = 'lingpai-login';

/** The scopes the page requests: the ID token's claims and `user`, which `/auth/v1/user/*` needs. */
export const LOGIN_PAGE_SCOPES = ['openid', 'profile', 'email', 'phone', 'user'] as const;

/** The page's logout URI (registered for its client): `/auth/v1/logout` may send the browser back here. */
export function loginPageLogoutUri(issuer: string): string {
  return `${issuer}${LOGIN_PAGE_PREFIX}`;
}

/** Where the page lives on the server. */
export const LOGIN_PAGE_PREFIX = '/login';

/** The page's redirect URI: the `/login/callback` route exchanges the code. */
export function loginPageRedirectUri(issuer: string): string {
  return `${issuer}${LOGIN_PAGE_PREFIX}/callback`;
}

export interface ResolvedLoginPage {
  /** The directory served, or undefined when the default page is not built (the answer is 503). */
  root: string | undefined;
  /** Where the default page was looked for, for the 503 message (undefined: `root` was given). */
  expectedRoot: string | undefined;
  clientId: string;
  showTokens: boolean;
  crossTab: boolean;
  captchaModule: string | undefined;
}

const KEYS = ['root', 'clientId', 'showTokens', 'crossTab', 'captchaModule'];

/**
 * A same-origin path: starts with one `/`, no `//` anywhere (a `//host` is another origin, and
 * `/a//b` is refused for simplicity), no backslash (browsers read `/\host` as `//host`), no scheme,
 * no whitespace or control characters, at most 512 characters. The page's CSP (`script-src 'self'`)
 * would refuse a foreign module anyway; this makes the mistake a start-up error instead.
 */
export function validCaptchaModule(value: unknown): string {
  const fix =
    'loginPage.captchaModule must be a same-origin path starting with "/" (e.g. "/captcha/hook.js"), without "//", "\\" or a scheme (LINGPAI_LOGIN_PAGE_CAPTCHA_MODULE)';
  if (typeof value !== 'string' || value.length > 512 || !value.startsWith('/')) throw new ConfigError(fix);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (value.includes('//') || value.includes('\\') || /[\s\x00-\x1f\x7f]/.test(value))
    throw new ConfigError(fix);
  return value;
}

/** The directory `@lingpai/login-page` exports as `loginPageRoot`; undefined when it is not installed. */
export async function defaultLoginPageRoot(): Promise<string | undefined> {
  // A variable, not a literal: the server builds and type-checks without the page installed, and
  // `loginPage: false` never loads it.
  const specifier = '@lingpai/login-page';
  try {
    const module = (await import(specifier)) as { loginPageRoot?: unknown };
    return typeof module.loginPageRoot === 'string' ? module.loginPageRoot : undefined;
  } catch {
    return undefined;
  }
}

export function hasIndexHtml(root: string): boolean {
  return existsSync(join(root, 'index.html'));
}

/**
 * Validates `loginPage` once, at start; every message names the fix. A `root` that was given must
 * hold `index.html`; the default page not being built only warns (`root` undefined), so a server
 * started before `pnpm build` still runs everything else.
 */
export async function resolveLoginPageOptions(
  options: LoginPageOptions | undefined,
  context: { envId: string; cwd?: string; defaultRoot?: () => Promise<string | undefined> },
): Promise<ResolvedLoginPage | undefined> {
  if (options === false) return undefined;
  const given = options === undefined ? {} : options;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ConfigError(
      'loginPage must be false (no login page) or an object { root?, clientId?, showTokens?, crossTab?, captchaModule? }',
    );
  }
  for (const key of Object.keys(given)) {
    if (!KEYS.includes(key))
      throw new ConfigError(`loginPage: unknown option "${key}"; known: ${KEYS.join(', ')}`);
  }
  for (const key of ['showTokens', 'crossTab'] as const) {
    if (given[key] !== undefined && typeof given[key] !== 'boolean')
      throw new ConfigError(`loginPage.${key} must be true or false, got ${JSON.stringify(given[key])}`);
  }
  const clientId = given.clientId ?? DEFAULT_LOGIN_PAGE_CLIENT_ID;
  if (typeof clientId !== 'string' || !CLIENT_ID_PATTERN.test(clientId)) {
    throw new ConfigError(
      `loginPage.clientId "${String(clientId)}" must be 1–128 characters of letters, digits, '.', '_', ':' or '-' (LINGPAI_LOGIN_PAGE_CLIENT_ID)`,
    );
  }
  if (clientId === context.envId) {
    throw new ConfigError(
      `loginPage.clientId "${clientId}" is the environment id, whose client is registered differently; pick another id (the default is ${DEFAULT_LOGIN_PAGE_CLIENT_ID})`,
    );
  }
  const captchaModule =
    given.captchaModule === undefined ? undefined : validCaptchaModule(given.captchaModule);
  const settings = {
    clientId,
    showTokens: given.showTokens ?? false,
    crossTab: given.crossTab ?? true,
    captchaModule,
  };
  if (given.root !== undefined) {
    if (typeof given.root !== 'string' || given.root === '')
      throw new ConfigError(
        'loginPage.root must be the path of the built page (a directory with index.html)',
      );
    const root = isAbsolute(given.root) ? given.root : resolve(context.cwd ?? process.cwd(), given.root);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new ConfigError(
        `loginPage.root ${root} is not a directory: point it at the built page (apps/login-page/dist after \`pnpm --filter @lingpai/login-page build\`), or set loginPage: false (LINGPAI_LOGIN_PAGE=off)`,
      );
    }
    if (!hasIndexHtml(root)) {
      throw new ConfigError(
        `loginPage.root ${root} has no index.html: build the page (\`pnpm --filter @lingpai/login-page build\`) and point root at its dist/, or set loginPage: false (LINGPAI_LOGIN_PAGE=off)`,
      );
    }
    return { ...settings, root, expectedRoot: undefined };
  }
  const expectedRoot = await (context.defaultRoot ?? defaultLoginPageRoot)();
  const built = expectedRoot !== undefined && hasIndexHtml(expectedRoot);
  return { ...settings, root: built ? expectedRoot : undefined, expectedRoot };
}
