import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../src/env-config.js';
import { resolveSocialConfig } from '../src/social/social-config.js';
import { SANDBOX_PROVIDER_IDS, sandboxSocialConfig } from './support/social-sandbox.js';

const apps = SANDBOX_OAUTH_DEFAULTS.apps;

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'lingpai-social-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('the social config section', () => {
  it('builds all ten platforms (and a second WeChat app) from code-built options', () => {
    const providers = resolveSocialConfig(sandboxSocialConfig('http://127.0.0.1:4010'), {
      allowLiteralSecrets: true,
    });
    expect([...providers.keys()].filter((id) => id !== 'wechat_mini')).toEqual([...SANDBOX_PROVIDER_IDS]);
    expect(providers.get('wechat_mini')?.hasAuthorizePage).toBe(false);
    expect(new Set([...providers.values()].map((provider) => provider.platform)).size).toBe(10);
    expect(providers.get('wechat_mp')).toMatchObject({
      platform: 'wechat',
      appId: apps.wechat.mp.appId,
      name: 'WeChat',
    });
  });

  it('reads secrets from the environment in the config file, and names what is wrong', () => {
    const env = { GITHUB_SECRET: apps.github.default.secret };
    const good = configFile({
      social: {
        github: {
          provider: 'github',
          clientId: apps.github.default.appId,
          clientSecret: { env: 'GITHUB_SECRET' },
          scopes: ['read:user', 'user:email'],
        },
      },
    });
    expect(loadConfigFile(good, env).social?.github?.clientSecret).toBe(apps.github.default.secret);

    const cases: Array<[unknown, RegExp]> = [
      [
        { provider: 'github', clientId: 'x', clientSecret: { env: 'MISSING_SECRET' } },
        /social\.github\.clientSecret: the environment variable MISSING_SECRET is not set/,
      ],
      [
        { provider: 'github', clientId: 'x', clientSecret: 'literal-secret' },
        /social\.github\.clientSecret must be \{ "env": "VARIABLE_NAME" \}/,
      ],
      [{ provider: 'gitlab', clientId: 'x' }, /social\.github\.provider must be one of wechat, qq/],
      [{ provider: 'github', clientSecret: { env: 'GITHUB_SECRET' } }, /social\.github\.clientId is missing/],
      [
        { provider: 'github', clientId: 'x', clientSecret: { env: 'GITHUB_SECRET' }, clientSecrt: 'y' },
        /social\.github: unknown field "clientSecrt" for github/,
      ],
      [
        { provider: 'github', clientId: 'x', clientSecret: { env: 'GITHUB_SECRET' }, baseURL: 'ftp://x' },
        /social\.github\.baseURL must be an http\(s\) URL/,
      ],
      [
        { provider: 'github', clientId: 'x', clientSecret: { env: 'GITHUB_SECRET' }, platform: 'website' },
        /unknown field "platform" for github/,
      ],
    ];
    for (const [entry, message] of cases) {
      expect(() => loadConfigFile(configFile({ social: { github: entry } }), env)).toThrow(message);
    }
  });

  it('refuses platform-specific mistakes at start', () => {
    const env = { S: 'secret' };
    const check = (id: string, entry: Record<string, unknown>) => () =>
      resolveSocialConfig({ [id]: entry }, { env });
    expect(
      check('wechat', { provider: 'wechat', appId: 'wx1', clientSecret: { env: 'S' }, platform: 'app' }),
    ).toThrow(/social\.wechat\.platform must be one of website, official-account, mini-program/);
    expect(check('alipay', { provider: 'alipay', appId: '2021', privateKey: { env: 'S' } })).toThrow(
      /social\.alipay\.alipayPublicKey is missing/,
    );
    expect(check('wecom', { provider: 'wecom', clientId: 'ww1', clientSecret: { env: 'S' } })).toThrow(
      /social\.wecom\.agentId is missing/,
    );
    expect(check('Bad Id', { provider: 'qq', clientId: '1', clientSecret: { env: 'S' } })).toThrow(
      /social\.Bad Id: a provider id must be/,
    );
    expect(check('qq', { provider: 'qq', clientId: '1', appId: '2', clientSecret: { env: 'S' } })).toThrow(
      /social\.qq: give clientId or appId/,
    );
  });
});
