import { type Clock, systemClock } from '@lingpai/auth-core';
import { SmsError } from './sms-error.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe is let through (ms). Default 30,000. */
  cooldownMs?: number;
  clock?: Clock;
}

export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_MS = 30_000;

/**
 * A per-provider circuit breaker. Closed: every request passes; `failureThreshold` consecutive
 * provider-side failures open it. Open: requests are skipped until `cooldownMs` has passed, then
 * exactly one probe is let through (half-open). The probe's success closes the circuit; its failure
 * opens it for another cooldown. Only provider-side failures count (5xx, timeouts, auth, quota):
 * an invalid number says nothing about the provider's health.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.#cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.#clock = options.clock ?? systemClock;
    if (!Number.isInteger(this.#threshold) || this.#threshold < 1) {
      throw new SmsError('SMS_CONFIG_INVALID', 'circuitBreaker.failureThreshold must be an integer >= 1');
    }
    if (!Number.isFinite(this.#cooldownMs) || this.#cooldownMs < 0) {
      throw new SmsError('SMS_CONFIG_INVALID', 'circuitBreaker.cooldownMs must be >= 0');
    }
  }

  /** The state now (an open circuit whose cooldown has passed reads as half-open). */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#clock.now() - this.#openedAt >= this.#cooldownMs) return 'half-open';
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Milliseconds until an open circuit lets a probe through; 0 when not open. */
  get retryInMs(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#openedAt + this.#cooldownMs - this.#clock.now());
  }

  /**
   * Asks to send one request. True means go ahead, and the caller must report the outcome with
   * `onSuccess` (it answered, even with a rejection of
   * this message), `onFailure` (provider trouble) or `release` (nothing was sent).
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    // Half-open: one probe at a time; everyone else keeps skipping this provider.
    if (this.#probeInFlight) return false;
    this.#state = 'half-open';
    this.#probeInFlight = true;
    return true;
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#probeInFlight = false;
    this.#state = 'closed';
  }

  onFailure(): void {
    this.#failures += 1;
    if (this.#state === 'half-open' || this.#failures >= this.#threshold) {
      this.#state = 'open';
      this.#openedAt = this.#clock.now();
    }
    this.#probeInFlight = false;
  }

  /** The acquired request was never sent (the provider could not take the message): frees the probe slot. */
  release(): void {
    this.#probeInFlight = false;
  }

  reset(): void {
    this.#state = 'closed';
    this.#failures = 0;
    this.#probeInFlight = false;
  }

  toJSON(): { state: CircuitState; consecutiveFailures: number; retryInMs: number } {
    return { state: this.state, consecutiveFailures: this.#failures, retryInMs: this.retryInMs };
  }
}
