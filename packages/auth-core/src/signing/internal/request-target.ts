// The routed request as the API-key scheme signs it: host, path and query taken from the raw request
// target, never from a parser that normalises it. `new URL` resolves `/x/../admin` and `\admin` to
// `/admin` and a server's router may or may not, so a signature over the normalised form would
// verify for a request that routes elsewhere. Anything a router could read two ways is refused.
import { SIGNING_ERROR_CODES, SignatureError } from '../errors.js';
import { percentEncode } from './encoding.js';
import { compareStrings, sortSmall } from './sort.js';

function refuse(message: string): never {
  throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT, message);
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/;
// A lower-case DNS name or IPv4 address, or a bracketed IPv6 literal, with an optional port.
const HOST = /^(?:[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/;
// RFC 3986 pchar plus `/`, minus `%` (escapes are handled on their own).
const PATH_KEEP = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const SIMPLE_PATH = /^[A-Za-z0-9\-._~/]*$/;
// Separators a server may decode before resolving dot segments: `/`, `%2F`, `\`, `%5C`.
const SEGMENT_SEPARATOR = /\/|%2f/i;
// `.`, `..` and their percent-encoded spellings, before any `;params` (Tomcat reads `..;x` as `..`).
const DOT_SEGMENT = /^(?:\.|%2e){1,2}(?:;.*)?$/i;

/** The pieces of a request target: the host if the target was absolute, the raw path and query. */
export interface RawTarget {
  host: string | undefined;
  path: string;
  /** The text after the first `?` (possibly empty), or `undefined` with no `?` at all. */
  query: string | undefined;
}

/** Splits an absolute `http(s)://host/path?query` or an origin-form `/path?query`; drops a `#fragment`. */
export function splitRequestTarget(target: string): RawTarget {
  let host: string | undefined;
  let rest: string;
  const absolute = ABSOLUTE.exec(target);
  if (absolute !== null) {
    const [, scheme = '', authority = '', tail = ''] = absolute;
    host = hostOfAuthority(scheme.toLowerCase(), authority);
    rest = tail;
  } else {
    rest = target.split('#', 1)[0] as string;
    if (!rest.startsWith('/')) refuse('the url must be absolute or start with /');
  }
  const mark = rest.indexOf('?');
  const path = mark === -1 ? rest : rest.slice(0, mark);
  return {
    host,
    path: path.length === 0 ? '/' : path,
    query: mark === -1 ? undefined : rest.slice(mark + 1),
  };
}

function hostOfAuthority(scheme: string, authority: string): string {
  if (scheme !== 'http' && scheme !== 'https') refuse('only http and https URLs');
  if (authority.includes('\\')) refuse('a backslash in the host');
  let host: string;
  try {
    // IDNA, lower case, default port dropped: what the client's Host header will say.
    host = new URL(`${scheme}://${authority}/`).host;
  } catch {
    refuse('the url host is not valid');
  }
  return canonicalHost(host);
}

/** A Host header value (or configured host) in canonical form: lower case, validated. */
export function canonicalHost(host: string): string {
  const lower = host.toLowerCase();
  if (!HOST.test(lower)) refuse('the host is not a valid host[:port]');
  return lower;
}

/**
 * The raw wire path, percent-escapes upper-cased and characters that cannot travel raw encoded as
 * UTF-8, and nothing else changed (no decoding, no dot-segment removal, no `//` merging). Refuses
 * dot segments in any spelling, backslashes (raw or `%5C`), a leading `//` and malformed escapes.
 */
export function canonicalPath(path: string): string {
  if (!path.startsWith('/')) refuse('the path must start with /');
  // The common path: nothing to escape, no `%`, no segment starting with `.`, no leading `//`.
  if (SIMPLE_PATH.test(path) && !path.includes('/.') && !path.startsWith('//')) return path;
  if (path.includes('\\') || /%5c/i.test(path)) refuse('a backslash in the path');
  const segments = path.split(SEGMENT_SEPARATOR);
  // segments[0] is the empty text before the leading `/`; segments[1] empty means `//` or `/%2F`.
  if (segments.length > 2 && segments[1] === '') refuse('the path starts with //');
  for (const segment of segments) {
    if (DOT_SEGMENT.test(segment)) refuse('a dot segment in the path');
  }
  if (/^[A-Za-z0-9\-._~/]*$/.test(path)) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i] as string;
    if (char === '%') {
      const hex = path.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(hex)) refuse('a malformed percent-escape in the path');
      out += `%${hex.toUpperCase()}`;
      i += 2;
    } else if (PATH_KEEP.test(char)) {
      out += char;
    } else {
      const code = char.charCodeAt(0);
      // A surrogate pair is one character for UTF-8; a lone surrogate makes percentEncode throw.
      const whole = code >= 0xd800 && code <= 0xdbff ? path.slice(i, i + 2) : char;
      out += percentEncode(whole);
      i += whole.length - 1;
    }
  }
  return out;
}

function formDecode(text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A stray `%` is literal text, as URLSearchParams and the common query parsers read it.
    return spaced;
  }
}

/**
 * The query as `k=v&…` (or a bare `k` where the wire had no `=`), each name and value form-decoded
 * and RFC 3986-encoded, sorted by name only: a stable sort, so the values of a repeated name keep
 * the order they were sent in (`to=a&to=b` is not `to=b&to=a`: many frameworks read the first or the
 * last). Empty parts (`a=1&&b=2`) carry nothing and are dropped.
 */
export function canonicalQuery(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  const encoded = pairs.map(([name, value]) => {
    const key = percentEncode(name);
    return [key, value === undefined ? key : `${key}=${percentEncode(value)}`] as const;
  });
  if (encoded.length > 1) sortSmall(encoded, (a, b) => compareStrings(a[0], b[0]));
  return encoded.map((pair) => pair[1]).join('&');
}

/** The `[name, value]` pairs of a raw query; `value` is `undefined` for a part without `=`. */
export function queryPairs(query: string | undefined): Array<[string, string | undefined]> {
  const pairs: Array<[string, string | undefined]> = [];
  if (query === undefined || query.length === 0) return pairs;
  for (const part of query.split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    if (eq === -1) pairs.push([formDecode(part), undefined]);
    else pairs.push([formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]);
  }
  return pairs;
}
