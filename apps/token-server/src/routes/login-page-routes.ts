import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { setLoginPageHeaders } from '../login-page/login-page-headers.js';
import { hasIndexHtml, LOGIN_PAGE_PREFIX, LOGIN_PAGE_SCOPES } from '../login-page/login-page-options.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES } from './schemas.js';

/** Vite's hashed file names never change content: a year, immutable (no revalidation at all). */
const ASSET_MAX_AGE_MS = 365 * 86_400_000;

/**
 * An asset path: segments of letters, digits, `.`, `_`, `-`, none starting with a dot — so no `..`,
 * no dotfile, no backslash, no NUL, whatever the URL's encoding was (the router decodes it first).
 */
const ASSET_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A file at the page's top level (Vite's `public/`, e.g. `favicon.svg`), served by its exact name. */
const TOP_LEVEL_FILE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export const LoginPageConfigView = Type.Object(
  {
    issuer: Type.String(),
    env_id: Type.String(),
    client_id: Type.String({ description: "the page's own client (public, first-party)" }),
    scope: Type.String({ description: 'what the page requests when it signs itself in' }),
    show_tokens: Type.Boolean({ description: 'the account page shows the decoded tokens' }),
    cross_tab: Type.Boolean({ description: "false: the page's AuthClient runs with crossTab: false" }),
    wechat_origins: Type.Array(Type.String(), {
      description: 'origins of the configured WeChat logins (what the CSP lets the page frame)',
    }),
    captcha_module: Type.Optional(
      Type.String({ description: "the captcha hook's same-origin module path (loginPage.captchaModule)" }),
    ),
  },
  { additionalProperties: false },
);

function topLevelFiles(root: string): Set<string> {
  const names = new Set<string>();
  for (const name of readdirSync(root)) {
    if (name === 'index.html' || !TOP_LEVEL_FILE.test(name)) continue;
    if (statSync(join(root, name)).isFile()) names.add(name);
  }
  return names;
}

/**
 * The built login page under `/login` (`@fastify/static`'s `send`: ETag, ranges, content types):
 * - `GET /login`, `/login/` and every page route `/login/<route>` → `index.html`, `no-cache` (the
 *   page routes by `location.pathname`; a revalidation picks up a new build at once);
 * - `GET /login/assets/*` → the hashed files, immutable for a year; an unknown one is 404;
 * - `GET /login/config.json` → what the page needs to know about this server;
 * - `GET /device` → `302 /login/device`, query kept (the device flow's `verification_uri`).
 * A path with a dot that is no file (`/login/x.js`) is 404, never the HTML under a script's name.
 * Every answer carries the page's CSP and headers (`src/login-page/login-page-headers.ts`).
 */
export const loginPageRoutes: RoutePlugin = async (app, services) => {
  const page = services.loginPage;
  if (page === undefined) return;
  await app.register(fastifyStatic, { serve: false });
  app.addHook('onRequest', (_request, reply, done) => {
    setLoginPageHeaders(reply, page.csp);
    done();
  });

  // The default page may be built after the server started (a developer's `pnpm build`): looked
  // for again on each request until it is there.
  let built: { root: string; files: Set<string> } | undefined;
  const current = () => {
    if (built) return built;
    const root =
      page.root ?? (page.expectedRoot && hasIndexHtml(page.expectedRoot) ? page.expectedRoot : undefined);
    if (root === undefined) return undefined;
    built = { root, files: topLevelFiles(root) };
    return built;
  };
  const notBuilt = (reply: FastifyReply) =>
    reply
      .code(503)
      .header('cache-control', 'no-store')
      .type('text/plain; charset=utf-8')
      .send(
        `The login page is not built${page.expectedRoot ? ` (no index.html in ${page.expectedRoot})` : ' (@lingpai/login-page is not installed)'}: run \`pnpm --filter @lingpai/login-page build\`, or set loginPage.root / LINGPAI_LOGIN_PAGE_ROOT to a built page.\n`,
      );
  const sendIndex = (reply: FastifyReply) => {
    const site = current();
    if (!site) return notBuilt(reply);
    return reply
      .header('cache-control', 'no-cache')
      .sendFile('index.html', site.root, { cacheControl: false });
  };
  const hidden = { schema: { hide: true } };

  app.get(LOGIN_PAGE_PREFIX, hidden, async (_request, reply) => sendIndex(reply));
  app.get(`${LOGIN_PAGE_PREFIX}/`, hidden, async (_request, reply) => sendIndex(reply));
  app.get(
    `${LOGIN_PAGE_PREFIX}/config.json`,
    {
      schema: {
        summary: "The login page's settings",
        tags: ['login-page'],
        response: { 200: LoginPageConfigView, ...ERROR_RESPONSES },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return {
        issuer: services.config.issuer,
        env_id: services.config.envId,
        client_id: page.clientId,
        scope: LOGIN_PAGE_SCOPES.join(' '),
        show_tokens: page.showTokens,
        cross_tab: page.crossTab,
        wechat_origins: page.wechatOrigins,
        ...(page.captchaModule === undefined ? {} : { captcha_module: page.captchaModule }),
      };
    },
  );
  app.get(`${LOGIN_PAGE_PREFIX}/assets/*`, hidden, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    const site = current();
    if (!site) return notBuilt(reply);
    if (!ASSET_PATH.test(path)) return reply.callNotFound();
    return reply.sendFile(path, join(site.root, 'assets'), {
      immutable: true,
      maxAge: ASSET_MAX_AGE_MS,
      dotfiles: 'deny',
      index: false,
    });
  });
  app.get(`${LOGIN_PAGE_PREFIX}/*`, hidden, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    const site = current();
    if (!site) return notBuilt(reply);
    if (site.files.has(path)) {
      return reply.header('cache-control', 'no-cache').sendFile(path, site.root, { cacheControl: false });
    }
    if (path === 'index.html' || !path.includes('.')) return sendIndex(reply);
    return reply.callNotFound();
  });
  app.get('/device', hidden, async (request, reply) => {
    const question = request.url.indexOf('?');
    const query = question === -1 ? '' : request.url.slice(question);
    return reply.redirect(`${LOGIN_PAGE_PREFIX}/device${query}`, 302);
  });
};
