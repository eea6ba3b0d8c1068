// Who may post a delivery report. Aliyun, Tencent, MoceanAPI and Huawei do not sign their reports
// (reference §2.5, §3.1, §3.2; Huawei's status callback documents no signature either), and an
// SMPP receipt relayed over HTTP is signed by nothing: without a check anyone who finds the URL can
// mark any message delivered or failed. This is that check, made before the body is read.
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { DeliveryReportError } from './errors.js';
import type { DeliveryReportRequest } from './report-request.js';

/** How a delivery-report endpoint authenticates the caller, besides any provider signature. */
export interface DeliveryReportAuth {
  /**
   * The secret the callback URL carries, at least 16 characters (use 32 random bytes, hex).
   * Several are accepted while rotating: configure the new one, switch the provider's URL, drop the old.
   */
  token?: string | readonly string[];
  /**
   * Where the token is: `'query'` (default: `?token=…`, name from `tokenParam`) or `'path'` (the last
   * path segment; the route then listens on `<path>/:token`).
   */
  tokenIn?: 'query' | 'path';
  /** Query parameter holding the token for `tokenIn: 'query'`. Default `token`. */
  tokenParam?: string;
  /**
   * Addresses or CIDR blocks (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`) reports may come from,
   * checked against the request's `ip` (behind a proxy, let the framework resolve the client address:
   * Fastify's `trustProxy`). IPv4-mapped IPv6 addresses match their IPv4 entries.
   */
  allowIps?: readonly string[];
}

/** Checks one request; throws `DLR_UNAUTHENTICATED` (403). Built once, from validated options. */
export type DeliveryReportAuthenticator = (request: DeliveryReportRequest) => void;

const MIN_TOKEN_LENGTH = 16;

function configError(message: string): DeliveryReportError {
  return new DeliveryReportError('DLR_CONFIG_INVALID', `delivery-report auth: ${message}`);
}

function refused(reason: string): DeliveryReportError {
  return new DeliveryReportError('DLR_UNAUTHENTICATED', `delivery report refused: ${reason}`);
}

/** Equal-length digests, so neither the content nor the length of the secret shows in the timing. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time equality of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function parseAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.trim().split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) {
      throw configError(`allowIps entry ${JSON.stringify(entry)} is not an IP address or CIDR block`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) {
      throw configError(`allowIps entry ${JSON.stringify(entry)} has a bad prefix length`);
    }
    list.addSubnet(address, bits, type);
  }
  return list;
}

/** The last path segment of a request URL (absolute or a path), query removed, percent-decoded. */
function lastSegment(url: string): string {
  const path = /^https?:\/\//i.test(url) ? new URL(url).pathname : (url.split('?')[0] ?? '');
  const segment = path.replace(/\/+$/, '').split('/').at(-1) ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

function queryToken(url: string, name: string): string | undefined {
  const index = url.indexOf('?');
  if (index === -1) return undefined;
  const values = new URLSearchParams(url.slice(index + 1)).getAll(name);
  // Two tokens in one URL is not something a provider sends; refuse rather than pick one.
  return values.length === 1 ? values[0] : undefined;
}

/**
 * Validates `auth` (throws `DLR_CONFIG_INVALID` naming the fix) and returns the per-request check.
 * The check reads only the URL and the address, never the body.
 */
export function createDeliveryReportAuthenticator(auth: DeliveryReportAuth): DeliveryReportAuthenticator {
  const tokens =
    auth.token === undefined ? [] : typeof auth.token === 'string' ? [auth.token] : [...auth.token];
  if (auth.token !== undefined && tokens.length === 0) throw configError('`token` is an empty list');
  for (const token of tokens) {
    if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
      throw configError(`each \`token\` must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
    }
  }
  const tokenIn = auth.tokenIn ?? 'query';
  if (tokenIn !== 'query' && tokenIn !== 'path') throw configError('`tokenIn` must be "query" or "path"');
  const tokenParam = auth.tokenParam ?? 'token';
  if (tokenParam === '') throw configError('`tokenParam` must not be empty');
  const allowList = auth.allowIps === undefined ? undefined : parseAllowList(auth.allowIps);
  if (tokens.length === 0 && allowList === undefined) {
    throw configError('give `token` (a secret in the callback URL) and/or `allowIps`');
  }

  return (request) => {
    if (allowList !== undefined) {
      const ip = request.ip?.trim() ?? '';
      const family = isIP(ip);
      if (family === 0) throw refused('the client address is unknown');
      if (!allowList.check(ip, family === 4 ? 'ipv4' : 'ipv6')) throw refused('address not allowed');
    }
    if (tokens.length > 0) {
      const given = tokenIn === 'path' ? lastSegment(request.url) : queryToken(request.url, tokenParam);
      if (given === undefined || given === '') throw refused('no token');
      // Compare against every token, without stopping at the first match.
      let matched = false;
      for (const token of tokens) matched = safeEqual(given, token) || matched;
      if (!matched) throw refused('wrong token');
    }
  };
}
