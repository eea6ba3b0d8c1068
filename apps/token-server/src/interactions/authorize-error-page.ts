import type { FastifyReply, FastifyRequest } from 'fastify';
import { toTokenServerError } from '../http/error-handler.js';

/**
 * The error page of `/auth/v1/authorize`: what a browser sees when the server must not redirect
 * (unknown client, unregistered or missing redirect_uri, a malformed request, storage down).
 *
 * A browser lands here by following a link, so it gets a tiny static HTML page — no script, no
 * style, no links, no resources — under `Content-Security-Policy: default-src 'none'; frame-ancestors
 * 'none'` (nothing can run, load, or frame it: RFC 9700 §4.16) and `Referrer-Policy: no-referrer`
 * (RFC 9700 §4.2.4). Anything that does not ask for HTML — an API client, a test, `Accept:
 * application/json` — keeps the JSON error body of every other endpoint.
 */
export const ERROR_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'";

/** A browser navigation names `text/html`; a client that also names JSON is read as wanting JSON. */
export function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (typeof accept !== 'string') return false;
  const types = accept.toLowerCase();
  return types.includes('text/html') && !types.includes('application/json');
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** The words of one static page: its title, heading and closing advice (plain text, escaped). */
export interface StaticPageText {
  title: string;
  heading: string;
  advice: string;
}

/** The authorize error page's words. */
export const AUTHORIZE_ERROR_TEXT: StaticPageText = {
  title: 'Sign-in request refused',
  heading: 'This sign-in request cannot continue',
  advice:
    'The application that sent you here is misconfigured or the link was altered. Go back to the ' +
    'application and sign in from there.',
};

/**
 * A static page as a string: `<html lang>`, a `<title>`, and everything inside `<main>` (axe-core's
 * `landmark-one-main` / `region` rules: a screen-reader user lands on the content at once). The
 * paragraphs are HTML-escaped.
 */
export function staticPageHtml(text: StaticPageText, paragraphs: readonly string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(text.title)}</title></head>`,
    '<body>',
    '<main>',
    `<h1>${escapeHtml(text.heading)}</h1>`,
    ...paragraphs.map((paragraph) => `<p>${paragraph}</p>`),
    `<p>${escapeHtml(text.advice)}</p>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The error page, as a string: the error's code, number and description, each HTML-escaped. */
export function errorPageHtml(
  error: { code: string; errorCode: number; message: string },
  text: StaticPageText = AUTHORIZE_ERROR_TEXT,
): string {
  return staticPageHtml(text, [
    escapeHtml(error.message),
    `Error: <code>${escapeHtml(error.code)}</code> (${error.errorCode})`,
  ]);
}

/**
 * The headers of every static page and its JSON twin — the login page's (`login-page-headers.ts`)
 * with a stricter CSP, since these pages load nothing at all.
 */
export function setStaticPageHeaders(reply: FastifyReply): void {
  reply
    .header('content-security-policy', ERROR_PAGE_CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cache-control', 'no-store');
}

/**
 * An error handler for a browser-facing route: the static headers on every error answer; a browser
 * gets the HTML page with `text`, anything else is handed (by rethrowing) to the server's error
 * handler and its JSON.
 */
export function htmlErrorHandler(text: StaticPageText) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    setStaticPageHeaders(reply);
    if (!wantsHtml(request)) throw error;
    const mapped = toTokenServerError(error);
    if (mapped.code === 'server_error') request.log.error({ err: error }, 'unhandled error');
    reply.code(mapped.status ?? 500);
    for (const [name, value] of Object.entries(mapped.headers)) reply.header(name, value);
    if (mapped.retryAfter !== undefined) reply.header('retry-after', String(mapped.retryAfter));
    return reply.type('text/html; charset=utf-8').send(errorPageHtml(mapped, text));
  };
}

/**
 * The authorize route's error handler. Sets the framing and Referer headers on every error answer;
 * a browser gets the HTML page, anything else is handed (by rethrowing) to the server's error
 * handler and its JSON.
 */
export const authorizeErrorHandler = htmlErrorHandler(AUTHORIZE_ERROR_TEXT);
