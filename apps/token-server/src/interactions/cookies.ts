import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A small, strict `Cookie` header parser (RFC 6265 §4.2.1 / §5.4) and `Set-Cookie` writer, so the
 * server needs no cookie dependency. Strict where it matters for security:
 *
 * - a pair whose name is not an RFC 7230 token or whose value has a non-cookie-octet is ignored
 *   (other software on the same host may set sloppy cookies; they must not break ours);
 * - a name that appears twice is treated as absent: two values for one of our cookies means someone
 *   planted one (cookie tossing from a sibling subdomain or an insecure origin), and guessing which
 *   is ours could bind a victim's browser to an attacker's value;
 * - bounded: at most 100 pairs and 8 KiB are read.
 */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const MAX_HEADER = 8_192;
const MAX_PAIRS = 100;

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined || header.length > MAX_HEADER) return cookies;
  const ambiguous = new Set<string>();
  let pairs = 0;
  for (const piece of header.split(';')) {
    const pair = piece.trim();
    if (pair === '') continue;
    if (++pairs > MAX_PAIRS) break;
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals).trim();
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!TOKEN.test(name) || !COOKIE_OCTETS.test(value)) continue;
    if (cookies.has(name) || ambiguous.has(name)) {
      cookies.delete(name);
      ambiguous.add(name);
      continue;
    }
    cookies.set(name, value);
  }
  return cookies;
}

/** One cookie of the request, or undefined when absent, malformed or given twice. */
export function requestCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  return parseCookies(typeof header === 'string' ? header : undefined).get(name);
}

export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
}

/**
 * Always `Path=/`, `HttpOnly` (no script reads them), `SameSite=Lax` (sent on the top-level
 * navigation back from a client, not on cross-site subrequests) and, outside local development,
 * `Secure`. No `Domain`, so they stay on this host.
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!TOKEN.test(name) || !COOKIE_OCTETS.test(value)) throw new Error(`cookie ${name} has a bad value`);
  const parts = [`${name}=${value}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(attributes.maxAge))}`];
  parts.push('HttpOnly', 'SameSite=Lax');
  if (attributes.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Adds a `Set-Cookie`; Fastify appends repeated `set-cookie` headers rather than replacing them. */
export function appendSetCookie(reply: FastifyReply, cookie: string): void {
  reply.header('set-cookie', cookie);
}

/**
 * Whether cookies carry `Secure`: always, except for an `http:` issuer on localhost or 127.0.0.1
 * (local development, where a Secure cookie would never be sent back over plain HTTP).
 */
export function cookiesAreSecure(issuer: string): boolean {
  const url = new URL(issuer);
  if (url.protocol === 'https:') return true;
  return !(url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]');
}

/**
 * Our cookie names. With `Secure`, the `__Host-` prefix makes browsers refuse the cookie unless it
 * was set by this exact host over HTTPS with `Path=/` and no `Domain` — a sibling subdomain cannot
 * plant or overwrite it.
 */
export function cookieNames(secure: boolean): { browser: string; session: string } {
  const prefix = secure ? '__Host-' : '';
  return { browser: `${prefix}lp_browser`, session: `${prefix}lp_session` };
}

export interface CookiePolicy {
  secure: boolean;
  names: { browser: string; session: string };
}

/** The cookie names and `Secure` flag for this issuer, decided once at start. */
export function cookiePolicy(issuer: string): CookiePolicy {
  const secure = cookiesAreSecure(issuer);
  return { secure, names: cookieNames(secure) };
}
