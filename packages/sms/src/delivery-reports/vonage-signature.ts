// Vonage signed webhooks. Reference §2.6 only says "optional signed requests/webhooks (`sig`
// param)" [mostly unverified]; the algorithm below follows Vonage's own SDK (`@vonage/auth`
// createSignatureHash: params sorted by key, `&key=value` with `&` and `=` in values replaced by `_`,
// then md5 of that string + secret, or an HMAC of it keyed by the secret) and matches the Vonage
// Python SDK's test vector ({a:1, b:2, timestamp:1461605396}, secret "secret", md5hash →
// 6af838ef94998832dbfc29020b564830), which test/delivery-report-auth.test.ts pins.
// The JWT variant (Messages API: `Authorization: Bearer`, HS256 keyed by the signature secret, with
// `iat` and a `payload_hash` claim = sha256 hex of the body) is [unverified] against a real Vonage
// delivery receipt: the claim names come from Vonage's signed-webhook documentation, not the reference.
import { createHash, createHmac } from 'node:crypto';
import { type Clock, systemClock } from '@lingpai/auth-core';
import { safeEqual } from './authenticate.js';
import { DeliveryReportError } from './errors.js';
import { bodyText, type DeliveryReportRequest, headerOf, isRecord } from './report-request.js';

/** The signature method set on the Vonage account (dashboard → API settings). */
export type VonageSignatureMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512' | 'jwt';

export interface VonageReportOptions {
  /** The account's signature secret (not the API secret). */
  signatureSecret: string;
  /**
   * `md5hash` (md5 of the sorted params + secret), `md5`/`sha1`/`sha256`/`sha512` (HMAC of the sorted
   * params) for the SMS API's `sig` param, or `jwt` (an HS256 Bearer token, Messages API).
   */
  signatureMethod: VonageSignatureMethod;
  /** Oldest `timestamp` (sig) or `iat` (jwt) accepted, and the most a clock may run ahead, in seconds. Default 300. */
  maxAgeSeconds?: number;
  clock?: Clock;
}

const METHODS: readonly VonageSignatureMethod[] = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512', 'jwt'];
const DEFAULT_MAX_AGE_SECONDS = 300;

export function validateVonageOptions(options: VonageReportOptions): void {
  if (typeof options.signatureSecret !== 'string' || options.signatureSecret === '') {
    throw new DeliveryReportError(
      'DLR_CONFIG_INVALID',
      'vonage delivery reports: `vonage.signatureSecret` is required',
    );
  }
  if (!METHODS.includes(options.signatureMethod)) {
    throw new DeliveryReportError(
      'DLR_CONFIG_INVALID',
      `vonage delivery reports: \`vonage.signatureMethod\` must be one of ${METHODS.join(', ')} (the method set on the account)`,
    );
  }
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  if (!Number.isFinite(maxAge) || maxAge <= 0) {
    throw new DeliveryReportError(
      'DLR_CONFIG_INVALID',
      'vonage delivery reports: `vonage.maxAgeSeconds` must be a positive number',
    );
  }
}

function invalid(reason: string): DeliveryReportError {
  return new DeliveryReportError('DLR_SIGNATURE_INVALID', `vonage delivery report: ${reason}`);
}

/** The string Vonage signs: `&key=value` for every param but `sig`, sorted by key. */
export function vonageSignedString(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((key) => key !== 'sig')
    .sort()
    .map((key) => `&${key}=${(params[key] as string).replace(/[&=]/g, '_')}`)
    .join('');
}

/** The `sig` Vonage computes for `params` (hex, lower case). */
export function computeVonageSignature(
  params: Readonly<Record<string, string>>,
  secret: string,
  method: Exclude<VonageSignatureMethod, 'jwt'>,
): string {
  const signed = vonageSignedString(params);
  if (method === 'md5hash')
    return createHash('md5')
      .update(signed + secret, 'utf8')
      .digest('hex');
  return createHmac(method, secret).update(signed, 'utf8').digest('hex');
}

function withinAge(seconds: number, options: VonageReportOptions): boolean {
  const maxAgeMs = (options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  return Math.abs((options.clock ?? systemClock).now() - seconds * 1000) <= maxAgeMs;
}

/** Checks the `sig` param of the report's fields (form, query or JSON, already read). */
export function verifyVonageSig(
  fields: Readonly<Record<string, unknown>>,
  options: VonageReportOptions,
): void {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    // A repeated or nested field has no single signed spelling: refuse rather than guess one.
    if (typeof value === 'string') params[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') params[key] = String(value);
    else throw invalid(`field ${JSON.stringify(key)} is not a single value`);
  }
  const sig = params.sig;
  if (sig === undefined || sig === '') throw invalid('no sig');
  const expected = computeVonageSignature(
    params,
    options.signatureSecret,
    options.signatureMethod as Exclude<VonageSignatureMethod, 'jwt'>,
  );
  if (!safeEqual(sig.toLowerCase(), expected)) throw invalid('sig does not match');
  // The signed timestamp bounds replays of a captured report.
  const timestamp = Number(params.timestamp);
  if (!/^\d+$/.test(params.timestamp ?? '') || !withinAge(timestamp, options)) {
    throw invalid('timestamp missing or outside the accepted window');
  }
}

function base64urlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Checks an HS256 `Authorization: Bearer` JWT and its `payload_hash` against the raw body. */
export function verifyVonageJwt(request: DeliveryReportRequest, options: VonageReportOptions): void {
  const authorization = headerOf(request, 'authorization') ?? '';
  const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization.trim());
  if (match === null) throw invalid('no Bearer JWT');
  const [, header = '', payload = '', signature = ''] = match;
  const head = base64urlJson(header);
  // Only HS256: a token naming `none` or an RSA algorithm is not Vonage's and must not be trusted.
  if (!isRecord(head) || head.alg !== 'HS256') throw invalid('JWT algorithm is not HS256');
  const expected = createHmac('sha256', options.signatureSecret)
    .update(`${header}.${payload}`)
    .digest('base64url');
  if (!safeEqual(signature, expected)) throw invalid('JWT signature does not match');
  const claims = base64urlJson(payload);
  if (!isRecord(claims)) throw invalid('JWT payload is not JSON');
  if (typeof claims.iat !== 'number' || !withinAge(claims.iat, options)) {
    throw invalid('JWT iat missing or outside the accepted window');
  }
  if (typeof claims.exp === 'number' && (options.clock ?? systemClock).now() > claims.exp * 1000) {
    throw invalid('JWT expired');
  }
  // The token alone does not cover the body; payload_hash binds it.
  const body = bodyText(request);
  if (typeof claims.payload_hash !== 'string' || body === undefined) {
    throw invalid('JWT has no payload_hash, or the raw body is not available to check it');
  }
  const hash = createHash('sha256').update(body, 'utf8').digest('hex');
  if (!safeEqual(claims.payload_hash.toLowerCase(), hash))
    throw invalid('payload_hash does not match the body');
}
