// examples/google-pkce.ts
import { Google, parseCallback, SignedOAuthState } from '@lingpai/oauth-social';
import { createSandbox, SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';

const sandbox = await createSandbox(); // stands in for Google; in production leave `baseURL` out
const { appId: clientId, secret: clientSecret } = SANDBOX_OAUTH_DEFAULTS.apps.google.default;
const redirectUri = 'http://127.0.0.1:3000/callback';
const google = new Google({
  clientId,
  clientSecret,
  redirectUri,
  baseURL: `${await sandbox.listen()}/google`,
});
const states = new SignedOAuthState({ secret: process.env.STATE_SECRET ?? '' });

// The state carries the PKCE verifier and the OpenID Connect nonce: nothing stored, neither in the URL.
const issued = states.create({ provider: 'google', redirectUri });
const authorize = google.createAuthorizationURL({
  state: issued.state,
  codeVerifier: issued.codeVerifier,
  nonce: issued.nonce,
});

authorize.searchParams.set('user', 'alice'); // the sandbox consents as alice
authorize.searchParams.set('auto', '1');
const redirected = await fetch(authorize, { redirect: 'manual' });

// callback:
const { code, state: returned } = parseCallback(redirected.headers.get('location') ?? '');
const { codeVerifier, nonce } = states.verify(returned, { provider: 'google', redirectUri });
const tokens = await google.validateAuthorizationCode(code, { codeVerifier, nonce }); // ID token verified (JWKS, iss, aud, exp, iat, nonce)
const profile = await google.getProfile(tokens);
console.log(profile.id, profile.email, profile.emailVerified);

await sandbox.close();
