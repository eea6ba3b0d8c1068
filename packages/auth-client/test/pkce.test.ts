import { describe, expect, it } from 'vitest';
import { AuthClient, createPkce, pkceChallenge } from '../src/index.js';

describe('PKCE (RFC 7636)', () => {
  it("computes Appendix B's worked example", async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it("makes Appendix B's verifier from its 32 octets", async () => {
    const octets = [
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
      191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    const pkce = await createPkce((n) => Uint8Array.from(octets.slice(0, n)));
    expect(pkce).toEqual({
      verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      method: 'S256',
    });
  });

  it('draws 43 unreserved characters from the platform CSPRNG by default', async () => {
    const [a, b] = await Promise.all([createPkce(), createPkce()]);
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.verifier).not.toBe(b.verifier);
  });

  it('builds the authorization URL of the code flow', () => {
    const client = new AuthClient({
      issuer: 'https://auth.example.com/ignored',
      clientId: 'web',
      crossTab: false,
    });
    const url = new URL(
      client.authorizeUrl({
        redirectUri: 'https://app.example.com/callback',
        scope: 'user openid',
        state: 's1',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        prompt: 'login',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://auth.example.com/auth/v1/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'web',
      redirect_uri: 'https://app.example.com/callback',
      scope: 'user openid',
      state: 's1',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      prompt: 'login',
    });
    client.dispose();
  });
});
