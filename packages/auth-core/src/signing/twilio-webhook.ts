// Twilio webhook signatures (X-Twilio-Signature), per Twilio "Webhooks security" and the behaviour
// of twilio-node src/webhooks/webhooks.ts (reference §2.4).
import { createHmac } from 'node:crypto';
import { constantTimeEqual, sha256Hex } from './internal/encoding.js';

/** Form params of the webhook; an array is a param sent several times. */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * Base64 HMAC-SHA1 over the URL followed by every param name and value, names sorted; repeated
 * values de-duplicated and sorted. The URL is used exactly as given.
 */
export function computeTwilioSignature(authToken: string, url: string, params?: TwilioParams): string {
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

function defaultPort(protocol: string): string | undefined {
  return protocol === 'https:' ? '443' : protocol === 'http:' ? '80' : undefined;
}

// Twilio's backend is not consistent about the default port, so twilio-node accepts both forms, and it
// also compares against the WHATWG-normalized URL (the "legacy querystring" form: `'` becomes `%27`).
function urlVariants(url: string): string[] {
  const variants = new Set<string>([url]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [...variants];
  }
  const port = defaultPort(parsed.protocol);
  const withoutPort = new URL(parsed.toString());
  if (withoutPort.port === port) withoutPort.port = '';
  variants.add(parsed.toString());
  variants.add(withoutPort.toString());
  if (port !== undefined && (parsed.port === '' || parsed.port === port)) {
    // `URL` always drops a default port, so the with-port form is built by hand (credentials kept).
    const auth =
      parsed.username || parsed.password
        ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@`
        : '';
    variants.add(
      `${parsed.protocol}//${auth}${parsed.hostname}:${port}${parsed.pathname}${parsed.search}${parsed.hash}`,
    );
  }
  return [...variants];
}

/**
 * Checks an `X-Twilio-Signature` in constant time against every URL form Twilio may have signed
 * (with and without the default port, as given and normalized). With `body`, also requires the URL's
 * `bodySHA256` param to equal hex(sha256(body)), and signs the URL alone (JSON webhooks).
 */
export function verifyTwilioSignature(input: VerifyTwilioSignatureInput): boolean {
  const { authToken, url, signature } = input;
  if (typeof signature !== 'string' || signature.length === 0 || !authToken) return false;
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
