// Canonical-request pieces shared by the SigV4-shaped schemes (AWS SigV4, Volcengine, Aliyun ACS3,
// Tencent TC3): one implementation of query/header canonicalization, so a fix lands everywhere.
import { SIGNING_ERROR_CODES, SignatureError } from '../errors.js';
import { percentEncode } from './encoding.js';
import { compareStrings, sortSmall } from './sort.js';

/** Query parameters; an array value sends the name once per value. */
export type QueryInput = Readonly<Record<string, string | readonly string[]>>;
/** Request headers; names are case-insensitive, an array value is a header sent several times. */
export type HeaderInput = Readonly<Record<string, string | readonly string[]>>;

function comparePairs(a: readonly [string, string], b: readonly [string, string]): number {
  // UTF-16 code-unit order: for encoded (ASCII) text that is byte order, which every server sorts
  // by; for raw names it is the order of Java's TreeMap and the JS SDKs.
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] === b[1]) return 0;
  return a[1] < b[1] ? -1 : 1;
}

/** Sorts encoded `[name, value]` pairs (in place) and joins them as `k=v&…`. */
export function joinPairs(pairs: Array<[string, string]>): string {
  if (pairs.length > 1) sortSmall(pairs, comparePairs);
  let out = '';
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as [string, string];
    out += i === 0 ? `${pair[0]}=${pair[1]}` : `&${pair[0]}=${pair[1]}`;
  }
  return out;
}

/** `k=v&…`: names and values RFC 3986-encoded, sorted by name then value; an empty value gives `k=`. */
export function canonicalQueryFromRecord(query: QueryInput | undefined): string {
  if (query === undefined) return '';
  return joinPairs(pushQueryPairs([], query));
}

/**
 * `k=v&…` sorted by the RAW name (then raw value) and only then encoded: Aliyun's documented order
 * for ACS3 and RPC ("sort by parameter name, then URI-encode each name and value"). It differs
 * from `canonicalQueryFromRecord` only for names outside `A-Za-z0-9-_.~`, e.g. `a-b` < `a/b` raw
 * but `a%2Fb` < `a-b` encoded.
 */
export function canonicalQuerySortedRaw(query: QueryInput | undefined): string {
  if (query === undefined) return '';
  const raw: Array<[string, string]> = [];
  for (const name in query) {
    const value = query[name];
    if (value === undefined) continue;
    if (typeof value === 'string') raw.push([name, value]);
    else for (const item of value) raw.push([name, item]);
  }
  if (raw.length > 1) sortSmall(raw, comparePairs);
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const [name, value] = raw[i] as [string, string];
    const pair = `${percentEncode(name)}=${percentEncode(value)}`;
    out += i === 0 ? pair : `&${pair}`;
  }
  return out;
}

/** Appends `query`'s pairs, RFC 3986-encoded, to `pairs` (for `joinPairs`); returns `pairs`. */
export function pushQueryPairs(pairs: Array<[string, string]>, query: QueryInput): Array<[string, string]> {
  for (const name in query) {
    const value = query[name];
    if (value === undefined) continue;
    const encodedName = percentEncode(name);
    if (typeof value === 'string') pairs.push([encodedName, percentEncode(value)]);
    else for (const item of value) pairs.push([encodedName, percentEncode(item)]);
  }
  return pairs;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray `%` is literal text; re-encoding turns it into %25, as the server does.
    return text;
  }
}

/** The same canonical form from a raw query string (`a=1&b=2`, no leading `?`), as it travels on the wire. */
export function canonicalQueryFromSearch(search: string): string {
  if (search.length === 0) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of search.split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([percentEncode(decodeComponent(name)), percentEncode(decodeComponent(value))]);
  }
  return joinPairs(pairs);
}

/** Header values grouped by lower-case name, in the order given. */
export function collectHeaders(
  headers: HeaderInput | undefined,
  include: (lowerName: string) => boolean,
): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  if (headers === undefined) return grouped;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (!include(lower)) continue;
    let values = grouped.get(lower);
    if (values === undefined) {
      values = [];
      grouped.set(lower, values);
    }
    if (typeof value === 'string') values.push(value);
    else values.push(...value);
  }
  return grouped;
}

export interface CanonicalHeaders {
  /** `name:value\n` per header, sorted by name. */
  canonical: string;
  /** Names joined by `;`. */
  signed: string;
}

/** Formats grouped headers; `joinValues` turns one name's values into its canonical value. */
export function formatCanonicalHeaders(
  grouped: Map<string, string[]>,
  joinValues: (values: string[]) => string,
): CanonicalHeaders {
  const names = sortSmall([...grouped.keys()], compareStrings);
  let canonical = '';
  let signed = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    canonical += `${name}:${joinValues(grouped.get(name) as string[])}\n`;
    signed += i === 0 ? name : `;${name}`;
  }
  return { canonical, signed };
}

const SEQUENTIAL_SPACES = /\s+/g;

/** SigV4 value rule: trim, collapse inner whitespace runs to one space, join repeats with `,` in order. */
export function joinTrimmedCollapsed(values: string[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const value = (values[i] as string).trim();
    const clean =
      value.includes('  ') || /[\t\r\n]/.test(value) ? value.replace(SEQUENTIAL_SPACES, ' ') : value;
    out += i === 0 ? clean : `,${clean}`;
  }
  return out;
}

/** `Method\nURI\nQuery\nCanonicalHeaders\nSignedHeaders\nPayloadHash` (CanonicalHeaders ends in its own `\n`). */
export function buildCanonicalRequest(
  method: string,
  uri: string,
  query: string,
  headers: CanonicalHeaders,
  payloadHash: string,
): string {
  return `${method}\n${uri}\n${query}\n${headers.canonical}\n${headers.signed}\n${payloadHash}`;
}

/** Splits an absolute URL; throws `SIGNATURE_INVALID_INPUT` for anything `URL` rejects. */
export function parseRequestUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (cause) {
    throw new SignatureError(
      SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT,
      'request url is not an absolute URL',
      {
        cause,
      },
    );
  }
}

/**
 * Canonical URI of a wire path (already percent-encoded, as `URL#pathname` gives it).
 * `normalize` removes empty segments (`//a//` → `/a/`); `URL` has already removed `.` and `..`.
 * `encodeAgain` percent-encodes each segment once more, the rule for every AWS service but S3.
 */
export function canonicalUri(wirePath: string, normalize: boolean, encodeAgain: boolean): string {
  let path = wirePath.length === 0 ? '/' : wirePath;
  if (normalize && path.includes('//')) {
    const trailing = path.endsWith('/');
    const segments = path.split('/').filter((segment) => segment.length > 0);
    path = segments.length === 0 ? '/' : `/${segments.join('/')}${trailing ? '/' : ''}`;
  }
  if (!encodeAgain) return path;
  return path
    .split('/')
    .map((segment) => percentEncode(segment))
    .join('/');
}

/** Encodes a raw (unencoded) path segment by segment, keeping `/`. */
export function encodeRawPath(path: string): string {
  if (/^[A-Za-z0-9\-_.~/]*$/.test(path)) return path;
  return path
    .split('/')
    .map((segment) => percentEncode(segment))
    .join('/');
}
