// RS256 is the default (as CloudBase signs); ES256 and EdDSA are selectable. Whatever the algorithm,
// an independent verifier (jose) accepts our tokens with the published JWKS, and our verifier refuses
// a token whose header claims another algorithm than the key's.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { SigningAlgorithm } from '../src/keys/signing-key.js';
import { postToken } from './support/http.js';
import { ENV_ID, startTestServer, TEST_ISSUER } from './support/test-app.js';

describe.each<SigningAlgorithm>(['RS256', 'ES256', 'EdDSA'])('%s', (algorithm) => {
  it('signs access and ID tokens that jose verifies with the JWKS', async () => {
    const server = await startTestServer({ kind: 'pglite' }, { signingAlgorithm: algorithm });
    try {
      await server.addUser('alg-user', 'Alg-Password-1');
      const response = await postToken(server.app, {
        grant_type: 'password',
        username: 'alg-user',
        password: 'Alg-Password-1',
        scope: 'user openid',
      });
      expect(response.status).toBe(200);
      const jwks = createLocalJWKSet((await server.app.inject({ url: '/.well-known/jwks.json' })).json());
      const options = { issuer: TEST_ISSUER, currentDate: new Date(server.clock.now()) };
      const access = await jwtVerify(response.body.access_token as string, jwks, {
        ...options,
        audience: ENV_ID,
        typ: 'at+jwt',
      });
      expect(access.protectedHeader.alg).toBe(algorithm);
      const id = await jwtVerify(response.body.id_token as string, jwks, { ...options, audience: ENV_ID });
      expect(id.payload.sub).toBe(access.payload.sub);
      const metadata = (await server.app.inject({ url: '/.well-known/openid-configuration' })).json();
      expect(metadata.id_token_signing_alg_values_supported).toEqual([algorithm]);
      // The same token with its header's alg swapped is refused (the key decides, not the header).
      const [header, payload, signature] = (response.body.access_token as string).split('.') as [
        string,
        string,
        string,
      ];
      const other = algorithm === 'RS256' ? 'ES256' : 'RS256';
      const swapped = Buffer.from(
        JSON.stringify({ ...decodeProtectedHeader(response.body.access_token as string), alg: other }),
      ).toString('base64url');
      expect(server.app.lingpai.verifier.verify(`${header}.${payload}.${signature}`)).toBeDefined();
      expect(server.app.lingpai.verifier.verify(`${swapped}.${payload}.${signature}`)).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
