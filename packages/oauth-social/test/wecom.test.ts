import { createSandbox, SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds, sandboxOauthUser } from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { parseCallback, WeCom } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const app = SANDBOX_OAUTH_DEFAULTS.apps.wecom.default;

/** A sandbox with one more WeCom member, `mallory`, whose userid is chosen by the test. */
async function startSandboxWithMember(wecomUserId: string) {
  const carol = sandboxOauthUser('carol');
  const sandbox = await createSandbox({
    oauth: { users: [{ ...carol, id: 'mallory', githubId: 9_000_099, wecomUserId }] },
  });
  return { sandbox, url: await sandbox.listen() };
}

describe('WeCom against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const wecom = (flow: 'qr' | 'in-app' = 'qr') =>
    new WeCom({
      corpId: app.appId,
      corpSecret: app.secret,
      agentId: app.agentId ?? '',
      flow,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/wecom`,
    });

  it('QR login for a member: userid, then user/get, on one cached corp token', async () => {
    const provider = wecom();
    const authorize = provider.createAuthorizationURL({ state: 's' });
    expect(authorize.pathname).toBe('/wecom/wwlogin/sso/login');
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(authorize, 'alice')).code,
    );
    expect(tokens.extra('userId')).toBe('ZhangAiLi');
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({ provider: 'wecom', id: 'ZhangAiLi', unionId: undefined });
    expect(profile.name).toBeTruthy();
    const second = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob')).code,
    );
    expect(second.extra('userId')).toBe('LiBaoBo');
    expect(sandbox().oauth.fetches('wecom', app.appId, 'cgi-bin/gettoken')).toBe(1);
  });

  it('in-app login for a non-member answers an openid', async () => {
    const provider = wecom('in-app');
    const authorize = provider.createAuthorizationURL({ state: 's' });
    expect(authorize.pathname).toBe('/wecom/connect/oauth2/authorize');
    expect(authorize.hash).toBe('#wechat_redirect');
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(authorize, 'carol')).code,
    );
    expect(tokens.hasExtra('userId')).toBe(false);
    const profile = await provider.getProfile(tokens);
    // A non-member's openid lives in its own namespace, so it can never equal a member's userid.
    const openId = sandboxOauthIds('wecom', app, sandboxOauthUser('carol')).openId;
    expect(tokens.extra('openId')).toBe(openId);
    expect(profile).toMatchObject({ id: `openid:${openId}`, openId, unionId: undefined });
  });

  it('a member whose userid equals a non-member openid keeps a distinct profile id', async () => {
    const carolOpenId = sandboxOauthIds('wecom', app, sandboxOauthUser('carol')).openId;
    const { sandbox: other, url: otherUrl } = await startSandboxWithMember(carolOpenId);
    try {
      const provider = new WeCom({
        corpId: app.appId,
        corpSecret: app.secret,
        agentId: app.agentId ?? '',
        flow: 'in-app',
        redirectUri: REDIRECT_URI,
        baseURL: `${otherUrl}/wecom`,
      });
      const login = async (user: string) =>
        provider.getProfile(
          await provider.validateAuthorizationCode(
            parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), user)).code,
          ),
        );
      const member = await login('mallory');
      const nonMember = await login('carol');
      expect(member.id).toBe(carolOpenId);
      expect(nonMember.id).toBe(`openid:${carolOpenId}`);
      expect(member.id).not.toBe(nonMember.id);
    } finally {
      await other.close();
    }
  });

  it('an invalid code is OAUTH_INVALID_CODE; a revoked corp token is replaced once, transparently', async () => {
    const provider = wecom();
    await expect(provider.validateAuthorizationCode('bogus')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
      platformCode: '40029',
    });
    const before = sandbox().oauth.fetches('wecom', app.appId, 'cgi-bin/gettoken');
    const token = await provider.appToken.get();
    sandbox().oauth.invalidateToken(token);
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice')).code,
    );
    expect(tokens.extra('userId')).toBe('ZhangAiLi');
    expect(await provider.appToken.get()).not.toBe(token);
    expect(sandbox().oauth.fetches('wecom', app.appId, 'cgi-bin/gettoken')).toBe(before + 1);
  });
});
