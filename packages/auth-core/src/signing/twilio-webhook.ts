// Twilio webhook signatures (X-Twilio-Signature), per Twilio "Webhooks security" and the behaviour
// of twilio-node src/webhooks/webhooks.ts (reference §2.4).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuerystring, stringify as stringifyQuerystring } from 'node:querystring';
import { requireCredential } from './errors.js';
import { constantTimeEqual, sha256Hex } from './internal/encoding.js';
import { compareStrings, sortSmall } from './internal/sort.js';

/** Form params of the webhook; an array is a param sent several times. */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * Base64 HMAC-SHA1 over the URL followed by every param name and value, names sorted; repeated
 * values de-duplicated and sorted. The URL is used exactly as given.
 */
export function computeTwilioSignature(authToken: string, url: string, params?: TwilioParams): string {
  requireCredential(authToken, 'authToken', 'computeTwilioSignature', 'TWILIO_AUTH_TOKEN');
  return createHmac('sha1', authToken)
    .update(url + paramsText(params), 'utf8')
    .digest('base64');
}

// Every param name followed by its value, names sorted; a repeated param's values de-duplicated and
// sorted (what Twilio signs after the URL).
function paramsText(params: TwilioParams | undefined): string {
  if (params === undefined) return '';
  let data = '';
  const names = Object.keys(params);
  if (names.length > 1) sortSmall(names, compareStrings);
  for (const name of names) {
    const value = params[name];
    if (value === undefined) continue;
    if (typeof value === 'string') data += name + value;
    else for (const item of [...new Set(value)].sort()) data += name + item;
  }
  return data;
}

export interface VerifyTwilioSignatureInput {
  authToken: string;
  /** The full URL Twilio requested (the one configured in the console), query string included. */
  url: string;
  /** POST form params. Leave out for GET and for JSON-body webhooks. */
  params?: TwilioParams;
  /** Raw body of a JSON webhook; checked against the `bodySHA256` query param. */
  body?: string | Uint8Array;
  /** The `X-Twilio-Signature` header. */
  signature: string | undefined;
}

/** A base64 HMAC-SHA1 is 28 characters. */
const TWILIO_SIGNATURE_LENGTH = 28;

const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

// The URL's twin with the scheme's default port written out or left off (http(s) only), or
// undefined. Works on the text, not on `URL`, so the path and query keep the exact characters
// Twilio signed. A non-default port is never dropped: a signature for host:443 must not pass at
// host:8443 (twilio-node drops any port).
function defaultPortTwin(url: string): string | undefined {
  const match = AUTHORITY.exec(url);
  if (match === null) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  const port = scheme === 'https://' ? ':443' : scheme === 'http://' ? ':80' : undefined;
  if (port === undefined) return undefined;
  const authority = match[2] as string;
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  const rest = url.slice(match[0].length);
  const head = `${match[1]}${authority.slice(0, authority.length - hostAndPort.length)}`;
  if (portStart === -1) return `${head}${hostAndPort}${port}${rest}`;
  if (hostAndPort.slice(portStart) === port) return `${head}${hostAndPort.slice(0, portStart)}${rest}`;
  return undefined;
}

// The query re-encoded as Node's legacy `querystring` does (`+` and `%20` become `%20`, `%7E` becomes
// `~`, a bare `k` becomes `k=`): some Twilio back ends signed that escaped form.
function withLegacyQuerystring(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  return `${url.slice(0, queryStart)}?${stringifyQuerystring(parseQuerystring(url.slice(queryStart + 1)))}`;
}

// The URL forms Twilio may have signed besides the URL as given (tried first, as the form Twilio
// signs when the console URL is what the app sees), most likely first: its default-port twin
// (Twilio's backend is not consistent about the default port), then the WHATWG-normalized form
// (`'` becomes `%27`, dot segments go), its twin, and both with the legacy query encoding.
function otherUrlVariants(url: string): string[] {
  const variants: string[] = [];
  const twin = defaultPortTwin(url);
  if (twin !== undefined) variants.push(twin);
  let normalized: string;
  try {
    normalized = new URL(url).toString();
  } catch {
    return variants;
  }
  const normalizedTwin = defaultPortTwin(normalized);
  const later = [normalized, normalizedTwin, withLegacyQuerystring(normalized)];
  if (normalizedTwin !== undefined) later.push(withLegacyQuerystring(normalizedTwin));
  for (const form of later) {
    if (form !== undefined && form !== url && !variants.includes(form)) variants.push(form);
  }
  return variants;
}

/**
 * Checks an `X-Twilio-Signature` against every URL form Twilio may have signed (as given, with and
 * without the default port, normalized, and with the legacy query encoding). With `body`, also
 * requires the URL's `bodySHA256` param to equal hex(sha256(body)), and signs the URL alone (JSON
 * webhooks). Throws `SIGNATURE_MISSING_CREDENTIALS` for a missing `authToken` (a deployment
 * mistake, not a forged request).
 *
 * Each comparison is constant-time. The forms are tried most likely first and the check stops at
 * the first match: which form matched is not secret (the attacker chose the URL and knows which
 * forms it has), only how much of a signature matched is, and timingSafeEqual hides that.
 */
export function verifyTwilioSignature(input: VerifyTwilioSignatureInput): boolean {
  const { authToken, url, signature } = input;
  // An unset token is a deployment mistake, not a forged request: say so instead of rejecting
  // every webhook as "invalid signature".
  requireCredential(authToken, 'authToken', 'verifyTwilioSignature', 'TWILIO_AUTH_TOKEN');
  if (typeof signature !== 'string' || signature.length === 0) return false;
  let params = input.params;
  if (input.body !== undefined) {
    let bodyHash: string | null = null;
    try {
      bodyHash = new URL(url).searchParams.get('bodySHA256');
    } catch {
      return false;
    }
    if (bodyHash === null || !constantTimeEqual(bodyHash, sha256Hex(input.body))) return false;
    params = undefined;
  }
  const provided = Buffer.from(signature, 'utf8');
  // A base64 HMAC-SHA1 is 28 characters: a header of any other length matches no form.
  if (provided.length !== TWILIO_SIGNATURE_LENGTH) return false;
  const data = paramsText(params);
  if (signatureMatches(provided, authToken, url + data)) return true;
  for (const variant of otherUrlVariants(url)) {
    if (signatureMatches(provided, authToken, variant + data)) return true;
  }
  return false;
}

// A top-level function, not a closure over `provided`: the closure measured 15 % slower.
function signatureMatches(provided: Buffer, authToken: string, signed: string): boolean {
  const expected = createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
  return timingSafeEqual(provided, Buffer.from(expected, 'latin1'));
}
