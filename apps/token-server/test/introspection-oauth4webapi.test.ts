import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { signIn } from './support/session-helpers.js';
import { backends, ENV_ID, startTestServer, TEST_ISSUER, type TestServer } from './support/test-app.js';

const PASSWORD = 'DemoPass123!@#';
const insecure = { [oauth.allowInsecureRequests]: true };

/** An independent client library (oauth4webapi) drives introspection, revocation and userinfo over HTTP. */
describe.each(backends())(
  'oauth4webapi against introspection, revocation and userinfo on %s',
  (_name, backend) => {
    let server: TestServer;
    let as: oauth.AuthorizationServer;
    let rsSecret: string;

    beforeAll(async () => {
      server = await startTestServer(backend);
      await server.addUser('zhangsan', PASSWORD);
      rsSecret = (await server.addClient({
        id: 'oauth4webapi-rs',
        kind: 'confidential',
        grantTypes: [GRANT_TYPES.clientCredentials],
        scopes: ['admin'],
      })) as string;
      const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
      // The issuer stays the configured one; only the endpoints point at the ephemeral port.
      as = {
        issuer: TEST_ISSUER,
        introspection_endpoint: `${url}/auth/v1/token/introspect`,
        revocation_endpoint: `${url}/auth/v1/revoke`,
        userinfo_endpoint: `${url}/auth/v1/userinfo`,
      };
    });
    afterAll(async () => server?.close());

    it('introspects (Basic), reads userinfo, revokes as a public client, then sees active:false', async () => {
      const tokens = await signIn(server, { scope: 'user openid', password: PASSWORD });
      const rs = { client_id: 'oauth4webapi-rs' };
      const introspected = await oauth.processIntrospectionResponse(
        as,
        rs,
        await oauth.introspectionRequest(
          as,
          rs,
          oauth.ClientSecretBasic(rsSecret),
          tokens.access_token,
          insecure,
        ),
      );
      expect(introspected).toMatchObject({
        active: true,
        sub: tokens.sub,
        client_id: ENV_ID,
        token_type: 'Bearer',
      });

      const app = { client_id: ENV_ID };
      const claims = await oauth.processUserInfoResponse(
        as,
        app,
        tokens.sub,
        await oauth.userInfoRequest(as, app, tokens.access_token, insecure),
      );
      expect(claims.sub).toBe(tokens.sub);

      const revoked = await oauth.revocationRequest(as, app, oauth.None(), tokens.refresh_token, {
        ...insecure,
        additionalParameters: { token_type_hint: 'refresh_token' },
      });
      await expect(oauth.processRevocationResponse(revoked)).resolves.toBeUndefined();

      for (const token of [tokens.access_token, tokens.refresh_token]) {
        const after = await oauth.processIntrospectionResponse(
          as,
          rs,
          await oauth.introspectionRequest(as, rs, oauth.ClientSecretPost(rsSecret), token, insecure),
        );
        expect(after).toEqual({ active: false });
      }
    });
  },
);
