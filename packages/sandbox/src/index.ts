export type { Sandbox, SandboxOptions } from './create-sandbox.js';
export { createSandbox } from './create-sandbox.js';
export type { Fault } from './faults.js';
export { FaultSwitches } from './faults.js';
export type { SandboxContext } from './sandbox-context.js';
