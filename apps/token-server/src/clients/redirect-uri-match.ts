import type { Client } from './client.js';

/** `http://` + an IP-literal loopback host + an optional port + the rest (path and query). */
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/;

/**
 * Whether `client` accepts `redirectUri`: exact string comparison with a registered URI (RFC 9700
 * §4.1.3 — no normalisation, no prefix or wildcard matching), with the one exception both RFC 8252
 * §7.3 and RFC 9700 §2.1 make: a native app's (public client's) loopback redirect on an IP literal,
 * `http://127.0.0.1/cb` or `http://[::1]/cb`, is accepted on any port, because the app listens
 * on whatever port the OS gave it at the time of the request. The app says so by registering the
 * URI **without a port**; a registration that names one (a web app's dev server on :3000) stays
 * exact. Everything but the port still has to match exactly, and `localhost` gets no such leeway
 * (RFC 8252 §8.3: a name may not resolve to the loopback interface).
 */
export function acceptsRedirectUri(
  client: Pick<Client, 'kind' | 'redirectUris'>,
  redirectUri: string,
): boolean {
  if (client.redirectUris.includes(redirectUri)) return true;
  if (client.kind !== 'public') return false;
  const asked = LOOPBACK.exec(redirectUri);
  if (!asked) return false;
  const port = asked[2] === undefined ? undefined : Number(asked[2]);
  if (port !== undefined && (port < 1 || port > 65_535 || asked[2]!.startsWith('0'))) return false;
  return client.redirectUris.some((registered) => {
    const match = LOOPBACK.exec(registered);
    return (
      match !== null &&
      match[2] === undefined &&
      match[1] === asked[1] &&
      (match[3] ?? '') === (asked[3] ?? '')
    );
  });
}
