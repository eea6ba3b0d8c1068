import { describe, expect, it } from 'vitest';
import { ConfigError, TokenServerError } from '../src/errors.js';
import { isSecretReference, resolveSecret } from '../src/secret-reference.js';
import { assertUserMaySignIn } from '../src/users/user-status.js';

describe('config-file secret references', () => {
  const env = { SMS_SECRET: 's3cret', EMPTY: '' };

  it('reads the named environment variable', () => {
    expect(resolveSecret('sms.providers[0].accessKeySecret', { env: 'SMS_SECRET' }, env)).toBe('s3cret');
  });

  it('names the field and the variable when it is missing or empty', () => {
    for (const name of ['MISSING', 'EMPTY']) {
      const run = () => resolveSecret('sms.providers[0].accessKeySecret', { env: name }, env);
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(`sms.providers[0].accessKeySecret: the environment variable ${name} is not set`);
    }
  });

  it('refuses a literal secret in the file unless the caller allows it', () => {
    expect(() => resolveSecret('email.auth.pass', 'hunter2', env)).toThrow(/\{ "env": "VARIABLE_NAME" \}/);
    expect(resolveSecret('email.auth.pass', 'hunter2', env, { allowLiteral: true })).toBe('hunter2');
    expect(() => resolveSecret('email.auth.pass', '', env, { allowLiteral: true })).toThrow(/is empty/);
  });

  it('refuses names that are not environment variable names, and other shapes', () => {
    expect(() => resolveSecret('x', { env: 'lower-case' }, env)).toThrow(/not an environment variable name/);
    expect(isSecretReference({ env: 'A', extra: 1 })).toBe(false);
    expect(isSecretReference(['A'])).toBe(false);
    expect(isSecretReference(null)).toBe(false);
    expect(() => resolveSecret('x', 42, env)).toThrow(ConfigError);
  });
});

describe('assertUserMaySignIn', () => {
  it('lets active users through and says why the others are refused', () => {
    expect(() => assertUserMaySignIn('ACTIVE')).not.toThrow();
    const refusal = (run: () => void) => {
      try {
        run();
      } catch (error) {
        return error instanceof TokenServerError ? [error.code, error.errorCode] : undefined;
      }
      return undefined;
    };
    expect(refusal(() => assertUserMaySignIn('BLOCKED'))).toEqual(['user_blocked', 4033]);
    expect(refusal(() => assertUserMaySignIn('PENDING'))).toEqual(['user_pending', 4034]);
    // The token endpoint keeps RFC 6749's vocabulary.
    expect(refusal(() => assertUserMaySignIn('BLOCKED', 'oauth'))).toEqual(['invalid_grant', 4001]);
  });
});
