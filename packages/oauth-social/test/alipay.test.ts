import {
  ALIPAY_SANDBOX_APP_PRIVATE_KEY,
  ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
  SANDBOX_OAUTH_DEFAULTS,
  sandboxOauthIds,
} from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { Alipay, parseCallback } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const apps = SANDBOX_OAUTH_DEFAULTS.apps.alipay;
const alice = SANDBOX_OAUTH_DEFAULTS.users[0];

describe('Alipay against the sandbox', () => {
  const { url } = useSandbox();
  const alipay = (
    app: { appId: string } = apps.default,
    publicKey: string | undefined = ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
  ) =>
    new Alipay({
      appId: app.appId,
      privateKey: ALIPAY_SANDBOX_APP_PRIVATE_KEY,
      ...(publicKey === undefined ? {} : { alipayPublicKey: publicKey }),
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/alipay`,
    });

  it('logs in: auth_code callback, RSA2-signed gateway, verified response signatures, open_id', async () => {
    const provider = alipay();
    const authorize = provider.createAuthorizationURL({ state: 's' });
    expect(authorize.pathname).toBe('/alipay/oauth2/publicAppAuthorize.htm');
    const callback = await consent(authorize, 'alice');
    expect(callback.searchParams.has('auth_code')).toBe(true);
    const tokens = await provider.validateAuthorizationCode(parseCallback(callback).code);
    if (alice === undefined) throw new Error('no alice');
    const ids = sandboxOauthIds('alipay', apps.default, alice);
    expect(tokens.openId()).toBe(ids.openId);
    expect(tokens.accessTokenExpiresAt().getTime()).toBeGreaterThan(tokens.issuedAt);
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({ provider: 'alipay', id: ids.openId, name: '爱丽丝', email: undefined });
    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    expect(refreshed.accessToken()).not.toBe(tokens.accessToken());
  });

  it('legacy apps answer the 2088… user_id', async () => {
    const provider = alipay(apps.userIdMode);
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice')).code,
    );
    expect(tokens.openId()).toBe(alice?.alipayUserId);
    expect(tokens.extra('userId')).toBe(alice?.alipayUserId);
  });

  it('maps gateway errors: used code (isv.code-invalid), bad refresh token, bad token, bad signature', async () => {
    const provider = alipay();
    const { code } = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob'));
    const tokens = await provider.validateAuthorizationCode(code);
    await expect(provider.validateAuthorizationCode(code)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
      platformCode: 'isv.code-invalid',
    });
    await expect(provider.refreshAccessToken('nope')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_REFRESH_TOKEN',
    });
    const forged = Object.create(tokens) as typeof tokens;
    Object.defineProperty(forged, 'accessToken', { value: () => 'authusrBnot-a-token' });
    await expect(provider.getProfile(forged)).rejects.toMatchObject({ code: 'OAUTH_INVALID_TOKEN' });
    // The gateway answers with its own key; verifying with the app's public key must fail.
    const wrongKey = alipay(apps.default, apps.default.appPublicKey);
    await expect(wrongKey.validateAuthorizationCode('x')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_SIGNATURE',
    });
  });
});

/**
 * A TLS-intercepting proxy (or a hijacked `baseURL`): it relays the genuine, genuinely signed
 * gateway answer and rewrites the text on its way back. `rewrite` gets the genuine text.
 */
function interceptingFetch(rewrite: (genuine: string) => string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input instanceof Request ? input.url : input).includes('/gateway.do')) return response;
    return new Response(rewrite(await response.text()), {
      status: response.status,
      headers: response.headers,
    });
  };
}

const TOKEN_NODE = 'alipay_system_oauth_token_response';

/** The genuine answer's parts: the exact signed node text and the sign value. */
function partsOf(genuine: string): { signed: string; sign: string; node: Record<string, unknown> } {
  const parsed = JSON.parse(genuine) as Record<string, unknown>;
  const node = parsed[TOKEN_NODE] as Record<string, unknown>;
  const start = genuine.indexOf('{', genuine.indexOf(`"${TOKEN_NODE}"`));
  const end = genuine.lastIndexOf(',"sign"');
  return { signed: genuine.slice(start, end), sign: parsed.sign as string, node };
}

describe('Alipay response-signature wrapping (an attacker who can rewrite the response)', () => {
  const { url } = useSandbox();
  if (alice === undefined) throw new Error('no alice');
  const victim = sandboxOauthIds('alipay', apps.default, alice).openId;

  /** The attacker logs in as themself (bob) and rewrites the token answer through `rewrite`. */
  const exchangeThrough = async (rewrite: (genuine: string) => string) => {
    const provider = new Alipay({
      appId: apps.default.appId,
      privateKey: ALIPAY_SANDBOX_APP_PRIVATE_KEY,
      alipayPublicKey: ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/alipay`,
      fetch: interceptingFetch(rewrite),
    });
    const callback = await consent(provider.createAuthorizationURL({ state: 's' }), 'bob');
    return provider.validateAuthorizationCode(parseCallback(callback).code);
  };
  const forgedNode = (node: Record<string, unknown>) => JSON.stringify({ ...node, open_id: victim });

  it('the proxy itself is transparent: an unmodified answer still verifies', async () => {
    const tokens = await exchangeThrough((genuine) => genuine);
    expect(tokens.openId()).not.toBe(victim);
  });

  it('refuses a signed node followed by a forged duplicate (JSON.parse keeps the last)', async () => {
    await expect(
      exchangeThrough((genuine) => {
        const { signed, sign, node } = partsOf(genuine);
        return `{"${TOKEN_NODE}":${signed},"sign":"${sign}","${TOKEN_NODE}":${forgedNode(node)}}`;
      }),
    ).rejects.toMatchObject({
      code: 'OAUTH_INVALID_SIGNATURE',
      message: expect.stringMatching(/more than once/),
    });
  });

  it('refuses a forged duplicate whose key is spelled with a JSON escape', async () => {
    const escaped = TOKEN_NODE.replace('_response', '\\u005fresponse');
    await expect(
      exchangeThrough((genuine) => {
        const { signed, sign, node } = partsOf(genuine);
        return `{"${TOKEN_NODE}":${signed},"${escaped}":${forgedNode(node)},"sign":"${sign}"}`;
      }),
    ).rejects.toMatchObject({ code: 'OAUTH_INVALID_SIGNATURE' });
  });

  it('verifies the top-level node, not a signed copy nested earlier inside another value', async () => {
    await expect(
      exchangeThrough((genuine) => {
        const { signed, sign, node } = partsOf(genuine);
        return `{"wrapper":{"${TOKEN_NODE}":${signed}},"${TOKEN_NODE}":${forgedNode(node)},"sign":"${sign}"}`;
      }),
    ).rejects.toMatchObject({
      code: 'OAUTH_INVALID_SIGNATURE',
      message: expect.stringMatching(/does not verify/),
    });
  });

  it('is not fooled by the method name inside a string (a key ending in \\"<method>_response)', async () => {
    await expect(
      exchangeThrough((genuine) => {
        const { signed, sign, node } = partsOf(genuine);
        return `{"x\\"${TOKEN_NODE}":${signed},"${TOKEN_NODE}":${forgedNode(node)},"sign":"${sign}"}`;
      }),
    ).rejects.toMatchObject({
      code: 'OAUTH_INVALID_SIGNATURE',
      message: expect.stringMatching(/does not verify/),
    });
  });

  it('refuses a duplicated sign, even when one of the two is the genuine signature', async () => {
    await expect(
      exchangeThrough((genuine) => {
        const { signed, sign } = partsOf(genuine);
        return `{"${TOKEN_NODE}":${signed},"sign":"AAAA","sign":"${sign}"}`;
      }),
    ).rejects.toMatchObject({ code: 'OAUTH_INVALID_SIGNATURE', message: expect.stringMatching(/"sign"/) });
  });

  it('accepts whitespace around members (the signed bytes stay the raw slice), refuses it around a duplicate', async () => {
    const tokens = await exchangeThrough((genuine) => {
      const { signed, sign } = partsOf(genuine);
      return `\r\n {\n\t"${TOKEN_NODE}" :\n ${signed} \t,\r\n "sign"\t:  "${sign.replaceAll('/', '\\/')}"\n}\n`;
    });
    expect(tokens.openId()).not.toBe(victim);
    await expect(
      exchangeThrough((genuine) => {
        const { signed, sign, node } = partsOf(genuine);
        return `{ "${TOKEN_NODE}" : ${signed} ,\n "sign" : "${sign}" ,\n\t"${TOKEN_NODE}"\n:\n${forgedNode(node)} }`;
      }),
    ).rejects.toMatchObject({ code: 'OAUTH_INVALID_SIGNATURE' });
  });

  it('a re-spaced node does not verify: the signature is over the exact bytes Alipay sent', async () => {
    await expect(
      exchangeThrough((genuine) => {
        const { signed, sign } = partsOf(genuine);
        return `{"${TOKEN_NODE}":${JSON.stringify(JSON.parse(signed), null, 1)},"sign":"${sign}"}`;
      }),
    ).rejects.toMatchObject({ code: 'OAUTH_INVALID_SIGNATURE' });
  });
});
