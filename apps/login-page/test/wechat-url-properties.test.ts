import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wechatQrFrameUrl } from '../src/wechat-url.js';

const name = fc.stringMatching(/^[a-z_]{1,12}$/);
// Already percent-encoded values, as the server sends them (redirect_uri, state).
const value = fc.stringMatching(/^[A-Za-z0-9%._~-]{0,30}$/);
const pair = fc.tuple(name, value).map(([key, val]) => `${key}=${val}`);

describe('wechatQrFrameUrl (properties)', () => {
  it('keeps every other parameter byte for byte and in order, adds the two once, before the hash', () => {
    fc.assert(
      fc.property(
        fc.array(pair, { maxLength: 6 }),
        fc.constantFrom('', '#wechat_redirect'),
        (pairs, hash) => {
          const base = 'https://open.weixin.qq.com/connect/qrconnect';
          const input = `${base}${pairs.length > 0 ? `?${pairs.join('&')}` : ''}${hash}`;
          const output = wechatQrFrameUrl(input);
          const kept = pairs.filter((p) => !/^(login_type|self_redirect)=/.test(p));
          expect(output).toBe(
            `${base}?${[...kept, 'login_type=jssdk', 'self_redirect=default'].join('&')}${hash}`,
          );
          // Applying it again changes nothing.
          expect(wechatQrFrameUrl(output)).toBe(output);
        },
      ),
    );
  });
});
