import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SandboxContext } from '../sandbox-context.js';
import type { SandboxReportStatus, SandboxSmsConfig } from './config.js';
import type { PerNumberFlowControl } from './flow-control.js';
import type { SandboxSmsMessage, SmsInbox } from './inbox.js';
import type { ReportPoster } from './report-poster.js';

/** What every provider imitation shares. */
export interface SmsContext {
  sandbox: SandboxContext;
  config: SandboxSmsConfig;
  inbox: SmsInbox;
  flow: PerNumberFlowControl;
  reports: ReportPoster;
  nonces: NonceLog;
  /** Report status for the next report: the switch set over HTTP or programmatically. */
  reportStatus(): SandboxReportStatus;
  /** Report URLs configured "in the console" (Aliyun, Tencent, Vonage account webhook). */
  reportUrls: Map<string, string>;
  /** Stores a message in the inbox (time filled from the sandbox clock). */
  deliver(message: Omit<SandboxSmsMessage, 'time'>): SandboxSmsMessage;
}

/** Constant-time comparison of two strings (false on length mismatch without early exit on content). */
export function safeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** Random uppercase hex, the shape most provider ids take. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Signature nonces seen within the timestamp window, to answer replays like the platforms do. */
export class NonceLog {
  readonly #seen = new Map<string, number>();

  /** Records `nonce`; false when it was already used within `windowMs` of `now`. */
  use(scope: string, nonce: string, now: number, windowMs: number): boolean {
    const key = `${scope}\u0000${nonce}`;
    const previous = this.#seen.get(key);
    if (previous !== undefined && now - previous < windowMs * 2) return false;
    this.#seen.set(key, now);
    if (this.#seen.size > 100_000) this.#prune(now, windowMs);
    return true;
  }

  #prune(now: number, windowMs: number): void {
    for (const [key, time] of this.#seen) if (now - time >= windowMs * 2) this.#seen.delete(key);
  }
}

/** Header value as a single string (first of a repeated header). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A parsed form/JSON body field as a single string. */
export function field(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The request's query string exactly as received (without `?`). */
export function rawQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? '' : url.slice(index + 1);
}

/** The request's path exactly as received (without the query string). */
export function rawPath(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

/**
 * Runs a signer over what the client sent. The signers throw on input they cannot sign (a missing
 * host, action or version); for a verifier that simply means the signature cannot match.
 */
export function recompute<T>(sign: () => T): T | undefined {
  try {
    return sign();
  } catch {
    return undefined;
  }
}
