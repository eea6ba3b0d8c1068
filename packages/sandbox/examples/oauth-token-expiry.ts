// examples/oauth-token-expiry.ts
import { createManualClock } from '@lingpai/auth-core';
import { createSandbox, SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';

const clock = createManualClock(Date.now());
const sandbox = await createSandbox({ clock });
const base = await sandbox.listen();
const mp = SANDBOX_OAUTH_DEFAULTS.apps.wechat.mp;
const url = `${base}/wechat/cgi-bin/token?grant_type=client_credential&appid=${mp.appId}&secret=${mp.secret}`;
const { access_token } = (await (await fetch(url)).json()) as { access_token: string };
clock.advance(7200_000);
const answer = await fetch(`${base}/wechat/cgi-bin/getcallbackip?access_token=${access_token}`);
console.log(await answer.json()); // { errcode: 42001, errmsg: 'access_token expired …' }
console.log(sandbox.oauth.fetches('wechat', mp.appId, 'cgi-bin/token')); // 1
await sandbox.close();
