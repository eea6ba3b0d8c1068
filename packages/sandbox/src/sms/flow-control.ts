import type { Clock } from '@lingpai/auth-core';

/**
 * A per-provider, per-number sliding one-minute window, like the flow control Chinese providers
 * apply to verification-code templates.
 */
export class PerNumberFlowControl {
  readonly #sent = new Map<string, number[]>();
  readonly #clock: Clock;
  readonly #perMinute: () => number;

  constructor(clock: Clock, perMinute: () => number) {
    this.#clock = clock;
    this.#perMinute = perMinute;
  }

  /** Counts one send to `number` and returns false when that exceeds the limit (nothing counted). */
  take(provider: string, number: string): boolean {
    const limit = this.#perMinute();
    if (limit <= 0) return true;
    const now = this.#clock.now();
    const key = `${provider}\u0000${number}`;
    const recent = (this.#sent.get(key) ?? []).filter((time) => now - time < 60_000);
    if (recent.length >= limit) {
      this.#sent.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#sent.set(key, recent);
    return true;
  }

  /** True when `count` more sends to `number` would still be within the limit. */
  allows(provider: string, number: string, count = 1): boolean {
    const limit = this.#perMinute();
    if (limit <= 0) return true;
    const now = this.#clock.now();
    const recent = (this.#sent.get(`${provider}\u0000${number}`) ?? []).filter((time) => now - time < 60_000);
    return recent.length + count <= limit;
  }

  clear(): void {
    this.#sent.clear();
  }
}
