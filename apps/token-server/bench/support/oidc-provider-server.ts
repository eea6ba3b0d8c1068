// Target: oidc-provider 9 as a client_credentials token endpoint, on its built-in in-memory adapter.
// `format: 'jwt'`: a resource indicator whose resource server takes RS256 JWT access tokens (the
// request names it); `format: 'opaque'`: no resource, so the token is opaque and stored in the adapter.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import { announce, basicAuth, CLIENT_ID, CLIENT_SECRET, configOf, FORM, onStop, SCOPE } from './protocol.js';

const { format } = configOf<{ format: 'jwt' | 'opaque' }>();
const RESOURCE = 'urn:lingpai:bench-api';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-key', alg: 'RS256', use: 'sig' };

const provider = new Provider('http://127.0.0.1:8080', {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: SCOPE,
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk as never] },
  scopes: SCOPE.split(' '),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined as unknown as string,
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx: unknown, resource: string) => {
        if (resource !== RESOURCE) throw new Error('unknown resource');
        return {
          scope: SCOPE,
          audience: RESOURCE,
          accessTokenTTL: 7_200,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  ttl: { ClientCredentials: 7_200 },
});
// Its dev-adapter warning is expected here.
const server = provider.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address();
if (typeof address !== 'object' || address === null) throw new Error('no address');
onStop(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
const body = new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE });
if (format === 'jwt') body.set('resource', RESOURCE);
announce({
  port: address.port,
  method: 'POST',
  path: '/token',
  headers: { authorization: basicAuth(CLIENT_ID, CLIENT_SECRET), 'content-type': FORM },
  body: body.toString(),
});
