import { describe, expect, it } from 'vitest';
import { decodeJwtClaims } from '../src/jwt-claims.js';
import { pageUrl, parseRoute } from '../src/routes.js';
import { browserKind } from '../src/user-agent.js';
import { frameAllowed, wechatQrFrameUrl } from '../src/wechat-url.js';

const QR =
  'https://open.weixin.qq.com/connect/qrconnect?appid=wx123&redirect_uri=https%3A%2F%2Fid.example.com%2Fauth%2Fv1%2Finteraction%2Fprovider%2Fwechat%2Fcallback&response_type=code&scope=snsapi_login&state=s1#wechat_redirect';

describe('wechatQrFrameUrl', () => {
  it('adds login_type=jssdk and self_redirect=default before the #wechat_redirect hash, keeping the query as is', () => {
    expect(wechatQrFrameUrl(QR)).toBe(
      QR.replace('#wechat_redirect', '&login_type=jssdk&self_redirect=default#wechat_redirect'),
    );
  });

  it('replaces an earlier login_type or self_redirect, and works without a hash or query', () => {
    expect(wechatQrFrameUrl('http://127.0.0.1:9/connect/qrconnect?a=1&login_type=x&self_redirect=true')).toBe(
      'http://127.0.0.1:9/connect/qrconnect?a=1&login_type=jssdk&self_redirect=default',
    );
    expect(wechatQrFrameUrl('http://127.0.0.1:9/qr')).toBe(
      'http://127.0.0.1:9/qr?login_type=jssdk&self_redirect=default',
    );
  });

  it('frames only the configured origins', () => {
    expect(frameAllowed(QR, ['https://open.weixin.qq.com'])).toBe(true);
    expect(frameAllowed(QR, ['http://127.0.0.1:9'])).toBe(false);
    expect(frameAllowed('not a url', ['https://open.weixin.qq.com'])).toBe(false);
  });
});

describe('browserKind', () => {
  it('tells WeChat, other mobile browsers and desktops apart', () => {
    expect(
      browserKind(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN',
      ),
    ).toBe('wechat');
    expect(
      browserKind(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36 MicroMessenger/7.0.20.1781(0x6700143B) NetType/WIFI MiniProgramEnv/Windows WindowsWechat/WMPF',
      ),
    ).toBe('wechat');
    expect(
      browserKind(
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
      ),
    ).toBe('mobile');
    expect(
      browserKind(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0 Safari/537.36',
      ),
    ).toBe('desktop');
  });
});

describe('parseRoute', () => {
  it('maps every page', () => {
    expect(parseRoute('/login', '?interaction=abc')).toEqual({ name: 'sign-in', interaction: 'abc' });
    expect(parseRoute('/login/', '?interaction=abc&error=access_denied')).toEqual({
      name: 'sign-in',
      interaction: 'abc',
      error: 'access_denied',
    });
    expect(parseRoute('/login', '')).toEqual({ name: 'own-app' });
    expect(parseRoute('/login', '?interaction=')).toEqual({ name: 'own-app' });
    expect(parseRoute('/login/callback', '?code=c&state=s')).toEqual({
      name: 'callback',
      code: 'c',
      state: 's',
    });
    expect(parseRoute('/login/callback', '?error=access_denied&error_description=no&state=s')).toEqual({
      name: 'callback',
      state: 's',
      error: 'access_denied',
      errorDescription: 'no',
    });
    expect(parseRoute('/login/signup', '?interaction=i')).toEqual({ name: 'sign-up', interaction: 'i' });
    expect(parseRoute('/login/forgot', '')).toEqual({ name: 'forgot' });
    expect(parseRoute('/login/account', '?x=1')).toEqual({ name: 'account' });
    expect(parseRoute('/login/device', '?user_code=BCDF-GHJK')).toEqual({
      name: 'device',
      userCode: 'BCDF-GHJK',
    });
    expect(parseRoute('/login/device', '')).toEqual({ name: 'device' });
    expect(parseRoute('/login/nope', '')).toEqual({ name: 'not-found' });
    expect(parseRoute('/elsewhere', '')).toEqual({ name: 'not-found' });
  });

  it('builds links that keep the interaction', () => {
    expect(pageUrl('sign-up', 'a b')).toBe('/login/signup?interaction=a+b');
    expect(pageUrl('forgot')).toBe('/login/forgot');
    expect(pageUrl('sign-in', 'x')).toBe('/login?interaction=x');
  });
});

describe('decodeJwtClaims', () => {
  it('decodes a base64url payload with UTF-8, and refuses garbage', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'u1', name: '张三' })).toString('base64url');
    expect(decodeJwtClaims(`h.${payload}.s`)).toEqual({ sub: 'u1', name: '张三' });
    expect(decodeJwtClaims('nope')).toBeUndefined();
    expect(decodeJwtClaims('a.!!!.c')).toBeUndefined();
    expect(decodeJwtClaims(`a.${Buffer.from('[1]').toString('base64url')}.c`)).toBeUndefined();
  });
});
