import type { Clock } from '@lingpai/auth-core';
import type { FaultSwitches } from './faults.js';

/** What every sandbox route shares: the clock (injectable so expiries can be tested), the faults. */
export interface SandboxContext {
  clock: Clock;
  faults: FaultSwitches;
  /** The base URL the sandbox is reachable at once listening (used in generated links and callbacks). */
  baseUrl(): string;
}
