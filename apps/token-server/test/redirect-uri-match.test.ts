// RFC 9700 §4.1.3 exact matching, with RFC 8252 §7.3's one exception: a native app registered with
// a portless loopback IP redirect is accepted on whatever port it listens on at the time.
import { describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { acceptsRedirectUri } from '../src/clients/redirect-uri-match.js';
import { interactionIdOf, locationOf, pkcePair, TestBrowser } from './support/interaction-browser.js';
import { backends, startTestServer } from './support/test-app.js';

const cli = { kind: 'public' as const, redirectUris: ['http://127.0.0.1/callback', 'http://[::1]/cb?x=1'] };

describe('acceptsRedirectUri', () => {
  it('takes any port on a portless loopback IP registration of a public client, nothing else', () => {
    expect(acceptsRedirectUri(cli, 'http://127.0.0.1/callback')).toBe(true);
    expect(acceptsRedirectUri(cli, 'http://127.0.0.1:53817/callback')).toBe(true);
    expect(acceptsRedirectUri(cli, 'http://[::1]:8400/cb?x=1')).toBe(true);
    for (const refused of [
      'http://127.0.0.1:53817/callback/', // the path is still exact
      'http://127.0.0.1:53817/callback?next=1',
      'http://127.0.0.1:53817/other',
      'http://[::1]:8400/cb?x=2',
      'http://[::1]:8400/callback', // another host's registration
      'http://localhost:53817/callback', // a name, not an IP literal (RFC 8252 §8.3)
      'https://127.0.0.1:53817/callback',
      'http://127.0.0.1:0/callback',
      'http://127.0.0.1:65536/callback',
      'http://127.0.0.1:08080/callback',
      'http://127.0.0.1:53817@evil.example/callback',
      'http://127.0.0.1.evil.example:53817/callback',
    ]) {
      expect(acceptsRedirectUri(cli, refused), refused).toBe(false);
    }
  });

  it('keeps a registration with a port exact, and gives confidential clients no leeway', () => {
    const spa = { kind: 'public' as const, redirectUris: ['http://127.0.0.1:3000/cb'] };
    expect(acceptsRedirectUri(spa, 'http://127.0.0.1:3000/cb')).toBe(true);
    expect(acceptsRedirectUri(spa, 'http://127.0.0.1:3001/cb')).toBe(false);
    const web = { kind: 'confidential' as const, redirectUris: ['http://127.0.0.1/callback'] };
    expect(acceptsRedirectUri(web, 'http://127.0.0.1/callback')).toBe(true);
    expect(acceptsRedirectUri(web, 'http://127.0.0.1:53817/callback')).toBe(false);
  });
});

describe.each(backends())('a native app on an ephemeral loopback port (%s)', (_name, backend) => {
  it('authorizes and redeems on the port it asked with; the code is bound to that exact URI', async () => {
    const server = await startTestServer(backend);
    try {
      await server.addClient({
        id: 'cli',
        name: 'A CLI',
        kind: 'public',
        firstParty: true,
        grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
        scopes: ['openid', 'user'],
        redirectUris: ['http://127.0.0.1/callback'],
      });
      await server.addUser('native', 'Correct-Horse-9!');
      const browser = new TestBrowser(server.app);
      const { verifier, challenge } = pkcePair();
      const redirectUri = 'http://127.0.0.1:53817/callback';
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'cli',
        redirect_uri: redirectUri,
        scope: 'openid user',
        state: 'st',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const start = await browser.navigate(`/auth/v1/authorize?${query}`);
      const id = interactionIdOf(start);
      const view = (await browser.fetchGet(`/auth/v1/interaction/${id}`)).json();
      const login = await browser.fetchPost(
        `/auth/v1/interaction/${id}/login`,
        { username: 'native', password: 'Correct-Horse-9!' },
        { 'x-csrf-token': String(view.csrf_token) },
      );
      const back = new URL(String(login.json().redirect_to));
      expect(`${back.origin}${back.pathname}`).toBe('http://127.0.0.1:53817/callback');
      const code = back.searchParams.get('code')!;
      const exchange = (uri: string) =>
        server.app.inject({
          method: 'POST',
          url: '/auth/v1/token',
          payload: {
            grant_type: 'authorization_code',
            client_id: 'cli',
            code,
            redirect_uri: uri,
            code_verifier: verifier,
          },
        });
      // Another port at the token endpoint is not the URI the code was issued for (RFC 6749 §4.1.3).
      expect((await exchange('http://127.0.0.1:40000/callback')).json().error).toBe('invalid_grant');
      const tokens = await exchange(redirectUri);
      expect(tokens.statusCode).toBe(200);
      expect(tokens.json().access_token).toBeTypeOf('string');
      expect(locationOf(start).pathname).toBe('/login');
    } finally {
      await server.close();
    }
  });
});
