import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../src/env-config.js';
import { ConfigError } from '../src/errors.js';
import { wechatOrigins } from '../src/login-page/login-page.js';
import { loginPageCsp } from '../src/login-page/login-page-headers.js';
import { type LoginPageOptions, resolveLoginPageOptions } from '../src/login-page/login-page-options.js';
import { resolveSocialConfig } from '../src/social/social-config.js';
import { writeFixturePage } from './support/login-page-fixture.js';

const fixture = writeFixturePage();
const scratch = mkdtempSync(join(tmpdir(), 'lingpai-login-options-'));
mkdirSync(join(scratch, 'empty'));
writeFileSync(join(scratch, 'a-file'), 'x');
afterAll(() => {
  fixture.remove();
  rmSync(scratch, { recursive: true, force: true });
});

const resolve = (options: unknown, defaultRoot?: string) =>
  resolveLoginPageOptions(options as LoginPageOptions, {
    envId: 'test-env',
    cwd: join(fixture.root, '..'),
    defaultRoot: async () => defaultRoot,
  });

describe('loginPage options', () => {
  it('false serves no page', async () => {
    expect(await resolve(false)).toBeUndefined();
  });

  it('defaults: the default root when built, client lingpai-login, tokens hidden, cross-tab on', async () => {
    expect(await resolve(undefined, fixture.root)).toEqual({
      root: fixture.root,
      expectedRoot: fixture.root,
      clientId: 'lingpai-login',
      showTokens: false,
      crossTab: true,
    });
  });

  it('an unbuilt or missing default page is not an error: root undefined, where it was looked for kept', async () => {
    expect(await resolve({}, join(scratch, 'empty'))).toMatchObject({
      root: undefined,
      expectedRoot: join(scratch, 'empty'),
    });
    expect(await resolve({}, undefined)).toMatchObject({ root: undefined, expectedRoot: undefined });
  });

  it('a relative root is resolved against the working directory', async () => {
    expect((await resolve({ root: 'dist' }))?.root).toBe(fixture.root);
  });

  it.each([
    [null, /loginPage must be false .* or an object/],
    ['off', /loginPage must be false/],
    [true, /loginPage must be false/],
    [{ rootDir: '/x' }, /unknown option "rootDir"; known: root, clientId, showTokens, crossTab/],
    [{ showTokens: 'yes' }, /loginPage.showTokens must be true or false/],
    [{ crossTab: 0 }, /loginPage.crossTab must be true or false/],
    [{ clientId: 'has space' }, /loginPage.clientId "has space" must be 1–128 characters/],
    [{ clientId: 'test-env' }, /is the environment id.*pick another id/],
    [{ root: '' }, /loginPage.root must be the path of the built page/],
    [
      { root: '/definitely/not/here' },
      /is not a directory: point it at the built page .*LINGPAI_LOGIN_PAGE=off/,
    ],
    [{ root: join(scratch, 'a-file') }, /is not a directory/],
    [
      { root: join(scratch, 'empty') },
      /has no index.html: build the page \(`pnpm --filter @lingpai\/login-page build`\) and point root at its dist\//,
    ],
  ])('%j is refused, naming the fix', async (options, message) => {
    const failure = resolve(options, fixture.root);
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(message);
  });
});

describe('the CSP', () => {
  it('without WeChat frames nothing and loads images from itself and data: only', () => {
    expect(loginPageCsp([])).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('names each WeChat origin in img-src and frame-src, and nothing else changes', () => {
    const csp = loginPageCsp(['https://open.weixin.qq.com', 'http://127.0.0.1:4010']);
    expect(csp).toContain("img-src 'self' data: https://open.weixin.qq.com http://127.0.0.1:4010;");
    expect(csp).toContain('frame-src https://open.weixin.qq.com http://127.0.0.1:4010;');
    expect(csp).not.toMatch(/unsafe|\*/);
  });
});

describe('loginPage from the environment and the config file', () => {
  const base = { LINGPAI_SECRET: 'x'.repeat(32) };
  const load = (env: Record<string, string>) => loadEnvConfig({ ...base, ...env }, scratch);
  const writeConfig = (name: string, body: unknown) => {
    const path = join(scratch, name);
    writeFileSync(path, JSON.stringify(body));
    return path;
  };

  it('unset: nothing said, the server default (on) applies', () => {
    const config = load({});
    expect(config.options.loginPage).toBeUndefined();
    expect(config.warnings).toEqual([]);
  });

  it.each(['off', 'false', '0', 'OFF'])('LINGPAI_LOGIN_PAGE=%s turns it off', (value) => {
    expect(load({ LINGPAI_LOGIN_PAGE: value }).options.loginPage).toBe(false);
  });

  it('each variable sets one option; a relative root is against the working directory', () => {
    const config = load({
      LINGPAI_LOGIN_PAGE: 'on',
      LINGPAI_LOGIN_PAGE_ROOT: 'page/dist',
      LINGPAI_LOGIN_PAGE_CLIENT_ID: 'my-login',
      LINGPAI_LOGIN_PAGE_TOKENS: '1',
      LINGPAI_LOGIN_PAGE_CROSS_TAB: 'false',
    });
    expect(config.options.loginPage).toEqual({
      root: join(scratch, 'page/dist'),
      clientId: 'my-login',
      showTokens: true,
      crossTab: false,
    });
    expect(config.warnings).toEqual([]);
  });

  it('a wrong switch is refused naming the variable', () => {
    expect(() => load({ LINGPAI_LOGIN_PAGE_TOKENS: 'maybe' })).toThrow(
      /LINGPAI_LOGIN_PAGE_TOKENS must be on or off \(1\/0, true\/false\), got "maybe"/,
    );
    expect(() => load({ LINGPAI_LOGIN_PAGE: 'sometimes' })).toThrow(/LINGPAI_LOGIN_PAGE must be on or off/);
  });

  it('settings for a page that is off are ignored with a warning', () => {
    const config = load({ LINGPAI_LOGIN_PAGE: 'off', LINGPAI_LOGIN_PAGE_TOKENS: '1' });
    expect(config.options.loginPage).toBe(false);
    expect(config.warnings).toContain('the LINGPAI_LOGIN_PAGE_* settings are ignored: the login page is off');
  });

  it('a misspelt variable is named with the nearest known one', () => {
    expect(load({ LINGPAI_LOGIN_PAGE_TOKEN: '1' }).warnings).toContain(
      'unknown variable LINGPAI_LOGIN_PAGE_TOKEN is ignored (did you mean LINGPAI_LOGIN_PAGE_TOKENS?)',
    );
  });

  it('the file: loginPage false, or options with root relative to the file; a variable beats it', () => {
    const off = writeConfig('off.json', { loginPage: false });
    expect(load({ LINGPAI_CONFIG: off }).options.loginPage).toBe(false);
    expect(load({ LINGPAI_CONFIG: off, LINGPAI_LOGIN_PAGE: 'on' }).options.loginPage).toEqual({});
    const on = writeConfig('on.json', {
      loginPage: { root: 'built', showTokens: true, clientId: 'from-file' },
    });
    expect(load({ LINGPAI_CONFIG: on }).options.loginPage).toEqual({
      root: join(scratch, 'built'),
      showTokens: true,
      clientId: 'from-file',
    });
    expect(
      load({ LINGPAI_CONFIG: on, LINGPAI_LOGIN_PAGE_TOKENS: '0', LINGPAI_LOGIN_PAGE_CLIENT_ID: 'from-env' })
        .options.loginPage,
    ).toMatchObject({ showTokens: false, clientId: 'from-env' });
  });

  it('a wrong loginPage in the file is refused naming the field', () => {
    expect(() => load({ LINGPAI_CONFIG: writeConfig('bad1.json', { loginPage: { tokens: true } }) })).toThrow(
      /LINGPAI_CONFIG loginPage: unknown field "tokens"/,
    );
    expect(() =>
      load({ LINGPAI_CONFIG: writeConfig('bad2.json', { loginPage: { crossTab: 'no' } }) }),
    ).toThrow(/LINGPAI_CONFIG loginPage.crossTab must be true or false/);
    expect(() => load({ LINGPAI_CONFIG: writeConfig('bad3.json', { loginPage: true }) })).toThrow(
      /LINGPAI_CONFIG loginPage must be false \(no login page\) or an object with root, clientId/,
    );
    expect(() => load({ LINGPAI_CONFIG: writeConfig('bad4.json', { loginpage: false }) })).toThrow(
      /unknown key "loginpage".*did you mean "loginPage"/,
    );
  });
});

describe('the WeChat origins the page may frame', () => {
  const wechat = (extra: Record<string, unknown>) => ({
    provider: 'wechat',
    appId: `wx${Math.random().toString(36).slice(2, 10)}`,
    clientSecret: 'secret-secret',
    ...extra,
  });
  const origins = (section: Record<string, unknown>) =>
    wechatOrigins([...resolveSocialConfig(section, { allowLiteralSecrets: true }).values()]);

  it("are WeChat's own without an override, once for the website and the official account", () => {
    expect(origins({ site: wechat({}), mp: wechat({ platform: 'official-account' }) })).toEqual([
      'https://open.weixin.qq.com',
    ]);
  });

  it('follow hosts.open, else baseURL (the origin only), and skip mini programs and other platforms', () => {
    expect(
      origins({
        site: wechat({ hosts: { open: 'https://wx-proxy.example.com/open/' } }),
        mp: wechat({ platform: 'official-account', baseURL: 'http://127.0.0.1:4010/wechat' }),
        mini: wechat({ platform: 'mini-program', baseURL: 'https://mini.example.com' }),
        github: {
          provider: 'github',
          clientId: 'gh',
          clientSecret: 'secret-secret',
          baseURL: 'https://gh.example.com',
        },
      }),
    ).toEqual(['https://wx-proxy.example.com', 'http://127.0.0.1:4010']);
  });

  it('are none without WeChat', () => {
    expect(origins({})).toEqual([]);
  });
});
