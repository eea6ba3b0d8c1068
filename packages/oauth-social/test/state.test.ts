import { createManualClock, MemoryStore } from '@lingpai/auth-core';
import { describe, expect, it } from 'vitest';
import {
  createCodeVerifierNonce,
  createS256CodeChallenge,
  generateCodeVerifier,
  parseCallback,
  SignedOAuthState,
  StoredOAuthState,
} from '../src/index.js';

const SECRET = 'state-secret-that-is-at-least-32-bytes!';
const binding = { provider: 'github', redirectUri: 'https://app.example/callback' };

describe('PKCE', () => {
  it('computes the RFC 7636 Appendix B challenge', () => {
    // RFC 7636, Appendix B: the S256 worked example.
    expect(createS256CodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('ties the OIDC nonce to the verifier: a pinned derivation, distinct from the S256 challenge', () => {
    // Pinned: the authorization URL and the code exchange may run different versions or processes.
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(createCodeVerifierNonce(verifier)).toBe('_jmo5GtLLeylnn5HsHczjDhrdTG3BcKGlRSXKKjBcDI');
    expect(createCodeVerifierNonce(verifier)).not.toBe(createS256CodeChallenge(verifier));
  });

  it('makes 43-character verifiers from the injected randomness', () => {
    const verifier = generateCodeVerifier((size) => new Uint8Array(size).fill(7));
    expect(verifier).toHaveLength(43);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('SignedOAuthState', () => {
  it('round-trips and derives the same verifier and nonce on both sides', () => {
    const states = new SignedOAuthState({ secret: SECRET });
    const issued = states.create(binding);
    const verified = states.verify(issued.state, binding);
    expect(verified.codeVerifier).toBe(issued.codeVerifier);
    expect(verified.nonce).toBe(issued.nonce);
    // The exchange can recompute the nonce from the verifier alone (Google requires it from that).
    expect(issued.nonce).toBe(createCodeVerifierNonce(issued.codeVerifier));
    expect(issued.state).not.toContain(issued.codeVerifier);
  });

  it('is bound to the provider, redirect URI, browser binding and secret', () => {
    const states = new SignedOAuthState({ secret: SECRET });
    const issued = states.create({ ...binding, bind: 'session-1' });
    expect(() => states.verify(issued.state, { ...binding, bind: 'session-1', provider: 'google' })).toThrow(
      expect.objectContaining({ code: 'OAUTH_INVALID_STATE' }),
    );
    expect(() =>
      states.verify(issued.state, { ...binding, bind: 'session-1', redirectUri: 'https://evil/cb' }),
    ).toThrow(expect.objectContaining({ code: 'OAUTH_INVALID_STATE' }));
    expect(() => states.verify(issued.state, { ...binding, bind: 'session-2' })).toThrow(
      expect.objectContaining({ code: 'OAUTH_INVALID_STATE' }),
    );
    const other = new SignedOAuthState({ secret: `${SECRET}-other` });
    expect(() => other.verify(issued.state, { ...binding, bind: 'session-1' })).toThrow(
      expect.objectContaining({ code: 'OAUTH_INVALID_STATE' }),
    );
    expect(states.verify(issued.state, { ...binding, bind: 'session-1' }).codeVerifier).toBe(
      issued.codeVerifier,
    );
  });

  it('rejects tampering, garbage and expiry (fake clock)', () => {
    const clock = createManualClock(1_700_000_000_000);
    const states = new SignedOAuthState({ secret: SECRET, clock, ttlMs: 60_000 });
    const issued = states.create(binding);
    const [expiry, random, mac] = issued.state.split('.');
    const later = (Number.parseInt(expiry ?? '0', 36) + 3_600_000).toString(36);
    expect(() => states.verify(`${later}.${random}.${mac}`, binding)).toThrow(/signature/);
    for (const bad of [undefined, '', 'a.b', 'a.b.c.d', 'x'.repeat(300)]) {
      expect(() => states.verify(bad, binding)).toThrow(
        expect.objectContaining({ code: 'OAUTH_INVALID_STATE' }),
      );
    }
    clock.advance(59_999);
    expect(() => states.verify(issued.state, binding)).not.toThrow();
    clock.advance(1);
    expect(() => states.verify(issued.state, binding)).toThrow(/expired/);
  });

  it('refuses other spellings of a valid MAC (non-canonical base64url, foreign characters)', () => {
    const states = new SignedOAuthState({ secret: SECRET });
    const issued = states.create(binding);
    const [expiry, random, mac = ''] = issued.state.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes in 43 characters leave 2 spare bits in the last one: flipping one decodes the same.
    const spare = alphabet[alphabet.indexOf(mac.slice(-1)) ^ 1];
    for (const respelled of [
      `${mac.slice(0, -1)}${spare}`,
      `${mac}!`,
      `${mac.slice(0, 10)}*${mac.slice(10)}`,
    ]) {
      expect(() => states.verify(`${expiry}.${random}.${respelled}`, binding)).toThrow(
        expect.objectContaining({ code: 'OAUTH_INVALID_STATE' }),
      );
    }
    expect(states.verify(issued.state, binding).codeVerifier).toBe(issued.codeVerifier);
  });

  it('refuses short secrets', () => {
    expect(() => new SignedOAuthState({ secret: 'short' })).toThrow(
      expect.objectContaining({ code: 'OAUTH_CONFIG_ERROR' }),
    );
  });
});

describe('StoredOAuthState', () => {
  it('a key holding something else is OAUTH_INVALID_STATE, not a SyntaxError', async () => {
    // Regression: a foreign or corrupted value under the state key threw an untyped SyntaxError.
    const store = new MemoryStore();
    const states = new StoredOAuthState({ store, keyPrefix: 'st:' });
    for (const foreign of ['not json', '42', '{"p":"github"}']) {
      await store.set('st:AAAAAAAAAAAAAAAAAAAAAA', foreign, 60_000);
      await expect(states.consume('AAAAAAAAAAAAAAAAAAAAAA', binding)).rejects.toMatchObject({
        code: 'OAUTH_INVALID_STATE',
      });
    }
  });

  it('is single use and bound', async () => {
    const clock = createManualClock(1_000);
    const store = new MemoryStore({ clock });
    const states = new StoredOAuthState({ store, clock, ttlMs: 10_000 });
    const issued = await states.create({ ...binding, data: { returnTo: '/settings' } });
    await expect(states.consume(issued.state, { ...binding, provider: 'wechat' })).rejects.toMatchObject({
      code: 'OAUTH_INVALID_STATE',
    });
    // A mismatched attempt still consumed it: an attacker cannot probe and retry.
    await expect(states.consume(issued.state, binding)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_STATE',
    });
    const fresh = await states.create(binding);
    const consumed = await states.consume(fresh.state, binding);
    expect(consumed.codeVerifier).toBe(fresh.codeVerifier);
    await expect(states.consume(fresh.state, binding)).rejects.toMatchObject({ code: 'OAUTH_INVALID_STATE' });
    const expiring = await states.create(binding);
    clock.advance(10_000);
    await expect(states.consume(expiring.state, binding)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_STATE',
    });
  });

  it('only one of two concurrent consumers wins', async () => {
    const store = new MemoryStore();
    const states = new StoredOAuthState({ store });
    const issued = await states.create(binding);
    const results = await Promise.allSettled([
      states.consume(issued.state, binding),
      states.consume(issued.state, binding),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('parseCallback', () => {
  it('accepts code, Alipay auth_code and DingTalk authCode', () => {
    expect(parseCallback('/cb?code=a&state=s')).toEqual({ code: 'a', state: 's' });
    expect(parseCallback(new URL('https://x/cb?auth_code=b'))).toEqual({ code: 'b', state: undefined });
    expect(parseCallback({ authCode: 'c', state: 't' })).toEqual({ code: 'c', state: 't' });
  });

  it('turns a platform error into OAUTH_ACCESS_DENIED and no code into OAUTH_INVALID_CODE', () => {
    expect(() => parseCallback('/cb?error=access_denied&state=s')).toThrow(
      expect.objectContaining({ code: 'OAUTH_ACCESS_DENIED' }),
    );
    expect(() => parseCallback('/cb?state=s')).toThrow(
      expect.objectContaining({ code: 'OAUTH_INVALID_CODE' }),
    );
  });

  it('keeps forged log lines and unbounded text out of the error message (callback values are attacker-controlled)', () => {
    const forged = encodeURIComponent('denied\n2026-01-01 INFO admin logged in\r' + 'x'.repeat(5000));
    let caught: unknown;
    try {
      parseCallback(`/cb?error=access_denied%0Afake&error_description=${forged}`);
    } catch (error) {
      caught = error;
    }
    const error = caught as { message: string; platformMessage?: string };
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message.length).toBeLessThan(500);
    expect(error.platformMessage).toContain('\n2026-01-01 INFO admin logged in');
  });
});
