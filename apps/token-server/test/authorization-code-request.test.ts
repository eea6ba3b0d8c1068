import { describe, expect, it } from 'vitest';
import type { LoadedClient } from '../src/clients/client-registry.js';
import { DEFAULT_AUTHORIZATION_OPTIONS } from '../src/interactions/authorization-options.js';
import {
  AuthorizationError,
  loginSatisfies,
  validateAuthorizationRequest,
} from '../src/interactions/authorization-request.js';
import { challengeProblem, verifierMatches } from '../src/interactions/pkce.js';
import { pkcePair } from './support/interaction-browser.js';

const client = (kind: 'public' | 'confidential'): LoadedClient => ({
  id: 'c',
  name: 'c',
  kind,
  secretHash: kind === 'public' ? undefined : 'h',
  authMethods: kind === 'public' ? ['none'] : ['client_secret_basic'],
  grantTypes: ['authorization_code'],
  scopes: ['user', 'openid'],
  defaultScopes: [],
  redirectUris: ['https://app.example/cb'],
  logoutUris: [],
  corsOrigins: [],
  refreshGraceSeconds: 0,
  firstParty: false,
  ipAllow: [],
  rateLimitPerMinute: undefined,
  serviceAccountSub: undefined,
  allowList: undefined,
});

const base = { response_type: 'code', client_id: 'c', redirect_uri: 'https://app.example/cb' };

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthorizationError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('authorization request rules (no storage)', () => {
  it('plain PKCE only when the option allows it, and then only a 43–128 character challenge', () => {
    const plain = { ...base, code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' };
    const allowed = { ...DEFAULT_AUTHORIZATION_OPTIONS, allowPlainPkce: true };
    expect(
      refusal(() =>
        validateAuthorizationRequest(
          client('public'),
          base.redirect_uri,
          plain,
          DEFAULT_AUTHORIZATION_OPTIONS,
        ),
      ),
    ).toBe('invalid_request');
    const params = validateAuthorizationRequest(client('public'), base.redirect_uri, plain, allowed);
    expect(params.code_challenge_method).toBe('plain');
    expect(challengeProblem('plain', 'short', { allowPlain: true })).toEqual(expect.any(String));
    expect(verifierMatches('a'.repeat(43), 'a'.repeat(43), 'plain')).toBe(true);
  });

  it('a confidential client may skip PKCE unless requirePkceForConfidential; a public one never may', () => {
    const strict = { ...DEFAULT_AUTHORIZATION_OPTIONS, requirePkceForConfidential: true };
    expect(
      refusal(() =>
        validateAuthorizationRequest(
          client('confidential'),
          base.redirect_uri,
          base,
          DEFAULT_AUTHORIZATION_OPTIONS,
        ),
      ),
    ).toBe('accepted');
    expect(
      refusal(() => validateAuthorizationRequest(client('confidential'), base.redirect_uri, base, strict)),
    ).toBe('invalid_request');
    expect(
      refusal(() =>
        validateAuthorizationRequest(
          client('public'),
          base.redirect_uri,
          base,
          DEFAULT_AUTHORIZATION_OPTIONS,
        ),
      ),
    ).toBe('invalid_request');
  });

  it('S256: the verifier’s hash must match, compared whole', () => {
    const { verifier, challenge } = pkcePair();
    expect(verifierMatches(verifier, challenge, 'S256')).toBe(true);
    expect(verifierMatches(`${verifier}x`, challenge, 'S256')).toBe(false);
    expect(verifierMatches(verifier, challenge.slice(0, 42), 'S256')).toBe(false);
  });

  it('max_age: 0 always asks again, otherwise a login at most that many seconds old passes', () => {
    const now = 1_000_000_000;
    expect(loginSatisfies({ prompt: [], max_age: 0 }, now, now)).toBe(false);
    expect(loginSatisfies({ prompt: [], max_age: 60 }, now - 60_000, now)).toBe(true);
    expect(loginSatisfies({ prompt: [], max_age: 60 }, now - 60_001, now)).toBe(false);
    expect(loginSatisfies({ prompt: ['login'] }, now, now)).toBe(false);
    expect(loginSatisfies({ prompt: ['consent'] }, 0, now)).toBe(true);
  });
});
