import { type Clock, systemClock } from '@lingpai/auth-core';
import { OtpError } from './errors.js';
import {
  assertAlgorithm,
  assertDigits,
  type HotpOptions,
  hotpUnchecked,
  isOptionsObject,
  matchCandidates,
  nodeAlgorithm,
} from './hotp.js';
import type { ReplayGuard } from './replay-guard.js';
import { type OtpSecret, secretBytes } from './secret.js';

/**
 * Accepted time steps, in seconds. RFC 6238 recommends 30; some tokens use 60. A period of a few
 * seconds cannot be typed in time, and one of hours (or the 999,999,999 s an otpauth URI can carry)
 * turns a one-time code into a long-lived password that the replay guard accepts once per period.
 */
export const MIN_TOTP_PERIOD = 15;
export const MAX_TOTP_PERIOD = 300;

export interface TotpOptions extends HotpOptions {
  /** Time step X in seconds. Default 30; 15 to 300. */
  period?: number;
  /** T0, the Unix time (seconds) steps count from. Default 0. */
  epoch?: number;
}

export interface TotpGenerateOptions extends TotpOptions {
  /** Unix time in milliseconds; default `clock.now()`. */
  time?: number;
  clock?: Clock;
}

function resolve(options: TotpOptions): { period: number; epoch: number; digits: number; node: string } {
  const algorithm = options.algorithm ?? 'SHA1';
  const digits = options.digits ?? 6;
  const period = options.period ?? 30;
  const epoch = options.epoch ?? 0;
  assertAlgorithm(algorithm);
  assertDigits(digits);
  assertPeriod(period);
  if (!Number.isSafeInteger(epoch)) throw new OtpError('OTP_INVALID_ARGUMENT', 'epoch must be an integer');
  return { period, epoch, digits, node: nodeAlgorithm(algorithm) };
}

/** Refuses a period outside `MIN_TOTP_PERIOD`..`MAX_TOTP_PERIOD` (typed `OTP_INVALID_ARGUMENT`). */
export function assertPeriod(period: number): void {
  if (!Number.isInteger(period) || period < MIN_TOTP_PERIOD || period > MAX_TOTP_PERIOD) {
    throw new OtpError(
      'OTP_INVALID_ARGUMENT',
      `period must be an integer from ${MIN_TOTP_PERIOD} to ${MAX_TOTP_PERIOD} seconds, got ${String(period)}`,
    );
  }
}

/**
 * RFC 6238 §4.2: T = floor((unixSeconds - T0) / X). A plain number: any time a `Date` can hold gives
 * a step far below 2^53, so it is exact, and it survives `JSON.stringify` (a bigint throws there).
 */
export function totpStep(timeMs: number, options: TotpOptions = {}): number {
  const { period, epoch } = resolve(options);
  return stepOf(timeMs, period, epoch);
}

function stepOf(timeMs: number, period: number, epoch: number): number {
  if (!Number.isFinite(timeMs))
    throw new OtpError('OTP_INVALID_ARGUMENT', 'time must be a finite number of ms');
  const seconds = Math.floor(timeMs / 1000) - epoch;
  if (seconds < 0) throw new OtpError('OTP_INVALID_ARGUMENT', 'time is before the TOTP epoch');
  return Math.floor(seconds / period);
}

export interface TotpCodeOptions extends TotpGenerateOptions {
  /** The key bytes, or base32 text (as in otpauth URIs). */
  secret: OtpSecret;
}

/**
 * The TOTP code at `time` (default now). `totp({ secret, … })` takes the shape `verifyTotp` takes;
 * `totp(secret, options)` works too.
 */
export function totp(options: TotpCodeOptions): string;
export function totp(secret: OtpSecret, options?: TotpGenerateOptions): string;
export function totp(first: OtpSecret | TotpCodeOptions, second: TotpGenerateOptions = {}): string {
  const options: TotpCodeOptions = isOptionsObject(first) ? first : { ...second, secret: first };
  const { period, epoch, digits, node } = resolve(options);
  const key = secretBytes(options.secret, options.minSecretBytes);
  const time = options.time ?? (options.clock ?? systemClock).now();
  return hotpUnchecked(key, BigInt(stepOf(time, period, epoch)), node, digits);
}

export interface TotpVerifyOptions extends TotpOptions {
  /** The key bytes, or base32 text (as in otpauth URIs). */
  secret: OtpSecret;
  token: string;
  /**
   * Steps accepted before and after the current one: a number for both sides, or `[past, future]`.
   * Default `[1, 1]`: one step of clock drift or typing delay each way (RFC 6238 §5.2 recommends at
   * most one step back). At most 10 each way.
   */
  window?: number | readonly [number, number];
  /**
   * Required: refuses any step at or below the last accepted one, across processes. Pass `false`
   * only if you persist `result.step` yourself and pass it back as `afterStep`.
   */
  replayGuard: ReplayGuard | false;
  /** Refuse steps `<= afterStep` (for callers that keep the last step in their own database). */
  afterStep?: bigint | number;
  /** Unix time in milliseconds; default `clock.now()`. */
  time?: number;
  clock?: Clock;
}

export interface TotpVerifyResult {
  valid: boolean;
  /** Matched step minus current step: -1 means the code was from the previous period. */
  delta?: number;
  /** The matched time step (a number, so the result is JSON-safe); persist it if you keep replay state yourself. */
  step?: number;
}

const MAX_WINDOW = 10;

/** Verifies a TOTP code with a drift window and a replay guard. Constant time over the window. */
export async function verifyTotp(options: TotpVerifyOptions): Promise<TotpVerifyResult> {
  if (options.replayGuard === undefined || options.replayGuard === null) {
    throw new OtpError(
      'OTP_REPLAY_GUARD_REQUIRED',
      'verifyTotp needs a replayGuard (or replayGuard: false if you persist the step yourself)',
    );
  }
  const { period, epoch, digits, node } = resolve(options);
  const key = secretBytes(options.secret, options.minSecretBytes);
  const window = options.window ?? [1, 1];
  const [past, future] = typeof window === 'number' ? [window, window] : window;
  for (const side of [past, future]) {
    if (!Number.isInteger(side) || side < 0 || side > MAX_WINDOW) {
      throw new OtpError('OTP_INVALID_ARGUMENT', `window sides must be integers from 0 to ${MAX_WINDOW}`);
    }
  }
  const time = options.time ?? (options.clock ?? systemClock).now();
  const current = stepOf(time, period, epoch);
  const candidates: string[] = [];
  const steps: number[] = [];
  for (let delta = -past; delta <= future; delta += 1) {
    const step = current + delta;
    if (step < 0) continue;
    steps.push(step);
    candidates.push(hotpUnchecked(key, BigInt(step), node, digits));
  }
  const index = matchCandidates(options.token, candidates);
  const step = steps[index];
  if (index < 0 || step === undefined) return { valid: false };
  if (options.afterStep !== undefined && BigInt(step) <= BigInt(options.afterStep)) return { valid: false };
  if (options.replayGuard !== false) {
    // Keep the marker until every step in the window has passed, so expiry never re-opens a step.
    const ttlMs = (past + future + 2) * period * 1000;
    if (!(await options.replayGuard.accept(BigInt(step), ttlMs))) return { valid: false };
  }
  return { valid: true, delta: step - current, step };
}
