// HTTP Basic authentication (RFC 7617), e.g. Twilio's `AccountSid:AuthToken`. UTF-8 throughout.

/** `Basic base64(username:password)`. A colon is allowed in the password, never in the username. */
export function basicAuthorization(username: string, password: string): string {
  if (username.includes(':')) {
    // RFC 7617 §2: the user-id cannot contain a colon; the receiver would split in the wrong place.
    throw new TypeError('basic auth username must not contain ":"');
  }
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses a `Basic …` header; `undefined` for another scheme, bad base64 or no colon. */
export function parseBasicAuthorization(header: string): { username: string; password: string } | undefined {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  if (space === -1 || trimmed.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const token = trimmed.slice(space + 1).trim();
  if (token.length % 4 !== 0 || !BASE64.test(token)) return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
