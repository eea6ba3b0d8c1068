// Twilio webhook signatures (X-Twilio-Signature), per Twilio "Webhooks security" and the behaviour
// of twilio-node src/webhooks/webhooks.ts (reference §2.4).
import { createHmac } from 'node:crypto';
import { parse as parseQuerystring, stringify as stringifyQuerystring } from 'node:querystring';
import { requireCredential } from './errors.js';
import { constantTimeEqual, sha256Hex } from './internal/encoding.js';

/** Form params of the webhook; an array is a param sent several times. */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * Base64 HMAC-SHA1 over the URL followed by every param name and value, names sorted; repeated
 * values de-duplicated and sorted. The URL is used exactly as given.
 */
export function computeTwilioSignature(authToken: string, url: string, params?: TwilioParams): string {
  requireCredential(authToken, 'authToken', 'computeTwilioSignature', 'TWILIO_AUTH_TOKEN');
  let data = url;
  if (params !== undefined) {
    for (const name of Object.keys(params).sort()) {
      const value = params[name];
      if (value === undefined) continue;
      if (typeof value === 'string') data += name + value;
      else for (const item of [...new Set(value)].sort()) data += name + item;
    }
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
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

const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

// Adds `url` and, for http(s), its twin with the default port written out or left off. Works on the
// text, not on `URL`, so the path and query keep the exact characters Twilio signed.
function addPortForms(variants: Set<string>, url: string): void {
  variants.add(url);
  const match = AUTHORITY.exec(url);
  if (match === null) return;
  const scheme = (match[1] as string).toLowerCase();
  const port = scheme === 'https://' ? ':443' : scheme === 'http://' ? ':80' : undefined;
  if (port === undefined) return;
  const authority = match[2] as string;
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  const rest = url.slice(match[0].length);
  const head = `${match[1]}${authority.slice(0, authority.length - hostAndPort.length)}`;
  if (portStart === -1) variants.add(`${head}${hostAndPort}${port}${rest}`);
  else if (hostAndPort.slice(portStart) === port)
    variants.add(`${head}${hostAndPort.slice(0, portStart)}${rest}`);
}

// The query re-encoded as Node's legacy `querystring` does (`+` and `%20` become `%20`, `%7E` becomes
// `~`, a bare `k` becomes `k=`): some Twilio back ends signed that escaped form.
function withLegacyQuerystring(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  return `${url.slice(0, queryStart)}?${stringifyQuerystring(parseQuerystring(url.slice(queryStart + 1)))}`;
}

// Twilio's backend is not consistent about the default port, so twilio-node accepts both forms, of
// the URL as given, of its WHATWG-normalized form (`'` becomes `%27`, dot segments go) and of that
// form's legacy query encoding. Unlike twilio-node, a non-default port is never dropped: a signature
// for host:443 must not pass at host:8443.
function urlVariants(url: string): string[] {
  const variants = new Set<string>();
  addPortForms(variants, url);
  let normalized: string;
  try {
    normalized = new URL(url).toString();
  } catch {
    return [...variants];
  }
  const normalizedForms = new Set<string>();
  addPortForms(normalizedForms, normalized);
  for (const form of normalizedForms) {
    variants.add(form);
    variants.add(withLegacyQuerystring(form));
  }
  return [...variants];
}

/**
 * Checks an `X-Twilio-Signature` in constant time against every URL form Twilio may have signed
 * (with and without the default port; as given, normalized, and with the legacy query encoding). With `body`, also requires the URL's
 * `bodySHA256` param to equal hex(sha256(body)), and signs the URL alone (JSON webhooks).
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
  let valid = false;
  // Every variant is checked (no early exit), so timing does not reveal which form matched.
  for (const variant of urlVariants(url)) {
    if (constantTimeEqual(signature, computeTwilioSignature(authToken, variant, params))) valid = true;
  }
  return valid;
}
