import { LingpaiError } from '@lingpai/auth-core';

/** Every code the sandbox's own API throws (the imitated platforms answer in their own shapes). */
export const SANDBOX_ERROR_CODES = ['SANDBOX_CONFIG_INVALID'] as const;

export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number];

/**
 * A mistake in how a test drives the sandbox (an unknown fault target, a malformed fault), thrown
 * at once so a typo does not leave the test passing against an imitation with no fault set.
 */
export class SandboxError extends LingpaiError<SandboxErrorCode> {}
