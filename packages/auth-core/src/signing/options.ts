import type { Clock } from '../clock.js';
import type { NonceSource } from '../random.js';

/** What every signer may be given so its output is reproducible (tests, worked examples, sandboxes). */
export interface SigningOptions {
  /** Source of the request time. Default: the system clock. */
  clock?: Clock;
  /** Source of the per-request nonce, where the scheme has one. Default: a secure random nonce. */
  nonce?: NonceSource;
}
