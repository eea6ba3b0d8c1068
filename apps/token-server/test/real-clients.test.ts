// Independent OAuth clients against the running server: panva's oauth4webapi and openid-client,
// unmodified, over real HTTP. Discovery, client_credentials (Basic and post), the password grant as a
// generic grant, and refresh rotation.
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningServer } from './support/listening-server.js';
import { backends, type TestServer } from './support/test-app.js';

describe.each(backends())('real OAuth clients on %s', (_name, backend) => {
  let server: TestServer & { issuer: string };
  let secret: string;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    server = await startListeningServer(backend);
    await server.addUser('wang', 'WangPass123!');
    secret = (await server.addClient({
      id: 'backend-app',
      kind: 'confidential',
      grantTypes: ['client_credentials', 'password', 'refresh_token'],
      scopes: ['read', 'user', 'openid'],
    }))!;
    const issuer = new URL(server.issuer);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }),
    );
  });
  afterAll(async () => server?.close());

  it('oauth4webapi discovers both metadata documents with a matching issuer', async () => {
    expect(as.token_endpoint).toBe(`${server.issuer}/auth/v1/token`);
    const issuer = new URL(server.issuer);
    const oidc = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
    );
    expect(oidc.jwks_uri).toBe(`${server.issuer}/.well-known/jwks.json`);
  });

  it('oauth4webapi: client_credentials with client_secret_basic and client_secret_post', async () => {
    const app: oauth.Client = { client_id: 'backend-app' };
    for (const auth of [oauth.ClientSecretBasic(secret), oauth.ClientSecretPost(secret)]) {
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        app,
        auth,
        { scope: 'read' },
        { [oauth.allowInsecureRequests]: true },
      );
      const result = await oauth.processClientCredentialsResponse(as, app, response);
      expect(result.token_type).toBe('bearer');
      expect(result.scope).toBe('read');
      expect(result.refresh_token).toBeUndefined();
    }
  });

  it('oauth4webapi: a wrong secret is a 401 OAuth error it can parse', async () => {
    const app: oauth.Client = { client_id: 'backend-app' };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      app,
      oauth.ClientSecretBasic('wrong-secret-value'),
      {},
      { [oauth.allowInsecureRequests]: true },
    );
    // A 401 with `WWW-Authenticate: Basic` surfaces as the challenge (RFC 6749 §5.2), body parsed.
    const error = await oauth
      .processClientCredentialsResponse(as, app, response)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = error as oauth.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause[0]?.scheme).toBe('basic');
    expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client', error_code: 4010 });
  });

  it('oauth4webapi: password (generic grant) then refresh rotation; the old refresh token is dead', async () => {
    const app: oauth.Client = { client_id: 'backend-app' };
    const auth = oauth.ClientSecretBasic(secret);
    const options = { [oauth.allowInsecureRequests]: true };
    const signIn = await oauth.processGenericTokenEndpointResponse(
      as,
      app,
      await oauth.genericTokenEndpointRequest(
        as,
        app,
        auth,
        'password',
        { username: 'wang', password: 'WangPass123!', scope: 'user' },
        options,
      ),
    );
    expect(signIn.refresh_token).toBeTypeOf('string');
    const rotated = await oauth.processRefreshTokenResponse(
      as,
      app,
      await oauth.refreshTokenGrantRequest(as, app, auth, signIn.refresh_token!, options),
    );
    expect(rotated.refresh_token).not.toBe(signIn.refresh_token);
    await expect(
      oauth.processRefreshTokenResponse(
        as,
        app,
        await oauth.refreshTokenGrantRequest(as, app, auth, signIn.refresh_token!, options),
      ),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('openid-client: discovery, client_credentials, password with openid (ID token validated), refresh', async () => {
    const config = await client.discovery(
      new URL(server.issuer),
      'backend-app',
      undefined,
      client.ClientSecretPost(secret),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const cc = await client.clientCredentialsGrant(config, { scope: 'read' });
    expect(cc.access_token).toBeTypeOf('string');
    const signIn = await client.genericGrantRequest(config, 'password', {
      username: 'wang',
      password: 'WangPass123!',
      scope: 'openid user',
    });
    // openid-client validated the ID token (signature via JWKS, iss, aud, exp, at_hash).
    expect(signIn.claims()?.sub).toBe(signIn.sub ?? signIn.claims()?.sub);
    const refreshed = await client.refreshTokenGrant(config, signIn.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(signIn.refresh_token);
  });
});
