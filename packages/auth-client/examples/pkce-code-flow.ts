// examples/pkce-code-flow.ts
import { AuthClient, createPkce } from '@lingpai/auth-client';

const auth = new AuthClient({
  issuer: process.env.LINGPAI_ISSUER ?? 'http://127.0.0.1:8080',
  clientId: 'web',
});
const redirectUri = 'http://127.0.0.1:7999/callback';

// 1. Before leaving for the login page: a verifier to keep (sessionStorage in a browser) and its challenge.
const pkce = await createPkce();
const state = crypto.randomUUID();
const url = auth.authorizeUrl({ redirectUri, scope: 'user openid', state, codeChallenge: pkce.challenge });

// 2. The browser goes there (location.assign(url)); the user signs in; the server sends it back.
const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '');
if (back.searchParams.get('state') !== state) throw new Error('not our sign-in');

// 3. On the callback page: the code and the verifier for the session, stored and kept fresh.
const credentials = await auth.exchangeCode({
  code: back.searchParams.get('code') ?? '',
  redirectUri,
  codeVerifier: pkce.verifier,
});
console.log(credentials.scope);
auth.dispose();
