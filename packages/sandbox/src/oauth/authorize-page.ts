import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CodeRecord, OauthState } from './oauth-state.js';
import { readParams } from './platform-scope.js';
import type { OauthPlatform, SandboxOauthApp } from './types.js';

/** A validated authorize request. */
export interface AuthorizeRequest {
  app: SandboxOauthApp;
  redirectUri: string;
  scope: string;
  state: string | undefined;
  /** Extra fields stored with the code (nonce, PKCE challenge, offline access). */
  code?: Pick<CodeRecord, 'nonce' | 'codeChallenge' | 'codeChallengeMethod' | 'offline'>;
  /** Platform-specific request values the `approved` step needs (e.g. Google's `prompt`). */
  extra?: Record<string, string | undefined>;
}

/** The page the platform shows instead of the picker (bad client id, redirect URI or scope). */
export interface AuthorizeFailure {
  error: string;
}

export interface AuthorizeSpec {
  platform: OauthPlatform;
  /** Paths under the platform prefix that serve the page (GET) and take the consent form (POST). */
  paths: readonly string[];
  title: { zh: string; en: string };
  codeTtlMs: number;
  parse(params: Record<string, string>, state: OauthState): AuthorizeRequest | AuthorizeFailure;
  /** Query parameters put on the redirect after consent. */
  approved(request: AuthorizeRequest, code: CodeRecord): Record<string, string | undefined>;
  /** Query parameters put on the redirect after the user declines. */
  denied(request: AuthorizeRequest): Record<string, string | undefined>;
  /** The code value; defaults to 32 random base64url characters. */
  newCode?: () => string;
  /**
   * Whether this request asks for the page to be embedded in another site's iframe (WeChat's
   * `login_type=jssdk`), and which window the approval then navigates. Undefined: a full page.
   */
  embedded?(params: Record<string, string>, path: string): EmbeddedPage | undefined;
}

/** An authorize page shown inside another site's iframe. */
export interface EmbeddedPage {
  /** `_top`: the approval navigates the embedding window; `_self`: the frame itself. */
  target: '_top' | '_self';
}

// Parameters the picker itself adds; never echoed back as hidden fields.
const PICKER_FIELDS = new Set(['user', 'auto', 'decision']);

/**
 * Registers an authorize page: GET shows a user picker and consent buttons (a plain form, no script);
 * POST takes the form and redirects back with a code. `?user=<id>&auto=1` on the GET skips the page.
 */
export function registerAuthorizePage(scope: FastifyInstance, state: OauthState, spec: AuthorizeSpec): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply, submitted: boolean) => {
    const params = readParams(request);
    const english = prefersEnglish(request, params);
    const parsed = spec.parse(params, state);
    if ('error' in parsed) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorPage(spec, parsed.error, english));
    }
    const embedded = spec.embedded?.(params, request.url.split('?')[0] ?? '');
    // Framable by any site, as the platform's embeddable page is: said explicitly, so a default
    // added later (helmet, say) cannot turn it off unnoticed.
    if (embedded) reply.header('content-security-policy', 'frame-ancestors *');
    const decide = submitted || params.auto === '1';
    if (!decide) {
      return reply
        .type('text/html; charset=utf-8')
        .send(pickerPage(spec, state, parsed, request, params, english, embedded));
    }
    if (params.decision === 'deny') return redirect(reply, parsed.redirectUri, spec.denied(parsed));
    const user = state.user(params.user);
    if (user === undefined) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorPage(spec, english ? 'Pick a user.' : '请选择用户。', english));
    }
    const code = state.issueCode(
      {
        platform: spec.platform,
        appId: parsed.app.appId,
        userId: user.id,
        redirectUri: parsed.redirectUri,
        scope: parsed.scope,
        ...parsed.code,
      },
      spec.codeTtlMs,
      spec.newCode?.(),
    );
    const approved = spec.approved(parsed, code);
    // `auto=1` inside a frame that must move the top window: the platform's script does that, as
    // a redirect of the frame's own request would only move the frame.
    if (!submitted && embedded?.target === '_top') {
      return reply
        .type('text/html; charset=utf-8')
        .send(topNavigationPage(spec, redirectTarget(parsed.redirectUri, approved), english));
    }
    return redirect(reply, parsed.redirectUri, approved);
  };
  for (const path of spec.paths) {
    scope.get(path, (request, reply) => handle(request, reply, false));
    scope.post(path, (request, reply) => handle(request, reply, true));
  }
}

/** Checks a redirect URI against the app: exact list when registered, else an allowed host. */
export function redirectAllowed(app: SandboxOauthApp, redirectUri: string | undefined): boolean {
  if (redirectUri === undefined || redirectUri === '') return false;
  if (app.redirectUris !== undefined) return app.redirectUris.includes(redirectUri);
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const hosts = app.redirectHosts ?? ['127.0.0.1', 'localhost'];
  return hosts.includes(url.hostname);
}

function redirectTarget(target: string, params: Record<string, string | undefined>): string {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

function redirect(
  reply: FastifyReply,
  target: string,
  params: Record<string, string | undefined>,
): FastifyReply {
  return reply.redirect(redirectTarget(target, params), 302);
}

/** Moves the embedding window to `target` (a script, as the platform's page does), with a link. */
function topNavigationPage(spec: AuthorizeSpec, target: string, english: boolean): string {
  const title = english ? spec.title.en : spec.title.zh;
  return layout(
    title,
    `<p><a href="${escapeHtml(target)}" target="_top">${english ? 'Continue' : '继续'}</a></p>
<script>window.top.location.href = ${JSON.stringify(target).replace(/</g, '\\u003c')};</script>`,
    english,
    true,
  );
}

function prefersEnglish(request: FastifyRequest, params: Record<string, string>): boolean {
  const lang = params.lang ?? params.hl ?? params.language ?? params.locale;
  if (lang !== undefined) return /^en/i.test(lang);
  return /^en/i.test(request.headers['accept-language'] ?? '');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title: string, body: string, english: boolean, compact = false): string {
  // Compact: WeChat's embedded QR frame is 300×400.
  const margin = compact ? '.5rem auto' : '3rem auto';
  return `<!doctype html>
<html lang="${english ? 'en' : 'zh-CN'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:${margin};padding:0 1rem}label{display:block;margin:.4rem 0}button{margin:.6rem .4rem 0 0;padding:.4rem 1rem}</style>
</head><body>${body}</body></html>`;
}

function errorPage(spec: AuthorizeSpec, message: string, english: boolean): string {
  const title = english ? spec.title.en : spec.title.zh;
  return layout(title, `<h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p>`, english);
}

function pickerPage(
  spec: AuthorizeSpec,
  state: OauthState,
  parsed: AuthorizeRequest,
  request: FastifyRequest,
  params: Record<string, string>,
  english: boolean,
  embedded: EmbeddedPage | undefined,
): string {
  const title = english ? spec.title.en : spec.title.zh;
  const hidden = Object.entries(params)
    .filter(([key]) => !PICKER_FIELDS.has(key))
    .map(([key, value]) => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const users = state.registry.users
    .map(
      (user, index) =>
        `<label><input type="radio" name="user" value="${escapeHtml(user.id)}"${index === 0 ? ' checked' : ''}> ${escapeHtml(
          english ? user.name : user.nickname,
        )} <small>(${escapeHtml(user.id)})</small></label>`,
    )
    .join('\n');
  const action = request.url.split('?')[0] ?? '';
  const asks = english
    ? `<p><strong>${escapeHtml(parsed.app.name)}</strong> asks to sign you in.</p><p>Scope: <code>${escapeHtml(parsed.scope)}</code></p>`
    : `<p><strong>${escapeHtml(parsed.app.name)}</strong> 申请使用你的账号登录。</p><p>授权范围：<code>${escapeHtml(parsed.scope)}</code></p>`;
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>${asks}
<form method="post" action="${escapeHtml(action)}"${embedded ? ` target="${embedded.target}"` : ''}>
<fieldset><legend>${english ? 'Sign in as' : '选择账号'}</legend>
${users}
</fieldset>
${hidden}
<button type="submit" name="decision" value="allow">${english ? 'Allow' : '同意授权'}</button>
<button type="submit" name="decision" value="deny">${english ? 'Deny' : '拒绝'}</button>
</form>`,
    english,
    embedded !== undefined,
  );
}
