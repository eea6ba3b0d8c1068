// The sign-in side's configuration: `passwordPolicy` (option and config file) and the anonymous
// lifetimes and limits, validated at start with messages naming the entry.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { loadEnvConfig } from '../src/env-config.js';
import { DEFAULT_PASSWORD_POLICY } from '../src/users/password-policy.js';
import { TEST_SECRET } from './support/test-app.js';

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'lingpai-signin-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('sign-in configuration', () => {
  it('passwordPolicy defaults, and takes the config file’s values', () => {
    expect(resolveConfig({ secret: TEST_SECRET }).passwordPolicy).toEqual(DEFAULT_PASSWORD_POLICY);
    const env = loadEnvConfig({ LINGPAI_CONFIG: configFile({ passwordPolicy: { minLength: 12 } }) });
    expect(env.options.passwordPolicy).toEqual({ minLength: 12 });
    const resolved = resolveConfig({ ...env.options, secret: TEST_SECRET });
    expect(resolved.passwordPolicy).toEqual({ ...DEFAULT_PASSWORD_POLICY, minLength: 12 });
  });

  it('refuses a wrong passwordPolicy at start, naming the field', () => {
    expect(() =>
      loadEnvConfig({ LINGPAI_CONFIG: configFile({ passwordPolicy: { minLenght: 12 } }) }),
    ).toThrow(/passwordPolicy: unknown field "minLenght"/);
    expect(() => loadEnvConfig({ LINGPAI_CONFIG: configFile({ passwordPolicy: [] }) })).toThrow(
      /passwordPolicy must be an object/,
    );
    expect(() => resolveConfig({ secret: TEST_SECRET, passwordPolicy: { maxLength: 5_000 } })).toThrow(
      /maxLength must be at most 1024/,
    );
    expect(() => resolveConfig({ secret: TEST_SECRET, passwordPolicy: { minCharacterClasses: 5 } })).toThrow(
      /minCharacterClasses must be 1–4/,
    );
  });

  it('the anonymous lifetimes and limits are settable and validated like the others', () => {
    const env = loadEnvConfig({ LINGPAI_ANONYMOUS_IDLE_TTL: '7d' });
    expect(env.options.lifetimes?.anonymousIdle).toBe(7 * 86_400);
    const resolved = resolveConfig({ secret: TEST_SECRET, limits: { anonymousSignInsPerIp: 5 } });
    expect(resolved.limits.anonymousSignInsPerIp).toBe(5);
    expect(() => resolveConfig({ secret: TEST_SECRET, limits: { anonymousSignInsPerIp: 0 } })).toThrow(
      /limits.anonymousSignInsPerIp must be a positive integer/,
    );
  });
});
