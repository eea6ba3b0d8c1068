import { ConfigError } from '../errors.js';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './password-policy.js';

const POLICY_FIELDS = Object.keys(DEFAULT_PASSWORD_POLICY) as Array<keyof PasswordPolicy>;

/**
 * `passwordPolicy` from the options or the config file, validated once at start (every message names
 * the field and what it must be); the defaults fill what is left out.
 */
export function resolvePasswordPolicy(input: unknown): PasswordPolicy {
  if (input === undefined) return { ...DEFAULT_PASSWORD_POLICY };
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ConfigError('passwordPolicy must be an object');
  const policy = { ...DEFAULT_PASSWORD_POLICY };
  for (const [key, value] of Object.entries(input)) {
    if (!(POLICY_FIELDS as string[]).includes(key))
      throw new ConfigError(`passwordPolicy: unknown field "${key}"; known: ${POLICY_FIELDS.join(', ')}`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw new ConfigError(`passwordPolicy.${key} must be a positive integer, got ${String(value)}`);
    policy[key as keyof PasswordPolicy] = value;
  }
  // The password check reads at most 1,024 characters (grants/password-grant.ts).
  if (policy.maxLength > 1_024) throw new ConfigError('passwordPolicy.maxLength must be at most 1024');
  if (policy.minLength > policy.maxLength)
    throw new ConfigError('passwordPolicy.minLength cannot exceed passwordPolicy.maxLength');
  if (policy.minCharacterClasses > 4)
    throw new ConfigError(
      'passwordPolicy.minCharacterClasses must be 1–4 (lowercase, uppercase, digits, symbols)',
    );
  return policy;
}

/** The config file's `passwordPolicy`, validated now (so a wrong field refuses the start) but kept partial. */
export function passwordPolicyFromFile(value: unknown): Partial<PasswordPolicy> | undefined {
  if (value === undefined) return undefined;
  resolvePasswordPolicy(value);
  return value as Partial<PasswordPolicy>;
}
