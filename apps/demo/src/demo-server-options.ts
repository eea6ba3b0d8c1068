import { randomBytes } from 'node:crypto';
import { SANDBOX_OAUTH_DEFAULTS, SANDBOX_SMS_DEFAULTS } from '@lingpai/sandbox';
import type { StartServerOptions } from '@lingpai/token-server';
import { DEMO_PROVIDERS, DEMO_USER, demoClient } from './demo-accounts.js';

export interface DemoServerInput {
  issuer: string;
  sandboxUrl: string;
  mailPort: number;
}

/** The token server's options without where it listens. */
export type DemoServerOptions = Omit<StartServerOptions, 'host' | 'port'>;

/**
 * The whole product on embedded defaults: PGlite in memory and memory stores (no `DATABASE_URL`, no
 * `REDIS_URL`), SMS through the sandbox's Aliyun with Tencent as the failover, email through the
 * demo's own SMTP server, WeChat (website QR and official account) and GitHub through the sandbox's
 * authorize pages, and the login page showing the tokens it holds.
 */
export function demoServerOptions({ issuer, sandboxUrl, mailPort }: DemoServerInput): DemoServerOptions {
  const { aliyun, tencent } = SANDBOX_SMS_DEFAULTS;
  const apps = SANDBOX_OAUTH_DEFAULTS.apps;
  return {
    issuer,
    // A new one each run: the database is in memory, so nothing sealed outlives the process.
    secret: randomBytes(32).toString('base64url'),
    database: {},
    logger: false,
    holder: 'pnpm demo',
    seed: {
      clients: [demoClient(issuer)],
      users: [
        {
          username: DEMO_USER.username,
          password: DEMO_USER.password,
          phoneNumber: DEMO_USER.phoneNumber,
          email: DEMO_USER.email,
          name: DEMO_USER.name,
        },
      ],
    },
    sms: {
      providers: [
        {
          kind: 'aliyun',
          baseURL: `${sandboxUrl}/aliyun`,
          credentials: { accessKeyId: aliyun.accessKeyId, accessKeySecret: aliyun.accessKeySecret },
          signName: '令牌',
          templates: { default: 'SMS_100000001' },
        },
        {
          kind: 'tencent',
          baseURL: `${sandboxUrl}/tencent`,
          credentials: { secretId: tencent.secretId, secretKey: tencent.secretKey },
          smsSdkAppId: tencent.smsSdkAppId,
          signName: '令牌',
          templates: { default: '1235' },
        },
      ],
    },
    email: {
      host: '127.0.0.1',
      port: mailPort,
      secure: false,
      from: '"令牌 Lingpai demo" <no-reply@lingpai.test>',
    },
    social: {
      [DEMO_PROVIDERS.wechat]: {
        provider: 'wechat',
        appId: apps.wechat.default.appId,
        clientSecret: apps.wechat.default.secret,
        platform: 'website',
        baseURL: `${sandboxUrl}/wechat`,
      },
      [DEMO_PROVIDERS.wechatOfficialAccount]: {
        provider: 'wechat',
        appId: apps.wechat.mp.appId,
        clientSecret: apps.wechat.mp.secret,
        platform: 'official-account',
        scopes: ['snsapi_userinfo'],
        baseURL: `${sandboxUrl}/wechat`,
      },
      [DEMO_PROVIDERS.github]: {
        provider: 'github',
        clientId: apps.github.default.appId,
        clientSecret: apps.github.default.secret,
        baseURL: `${sandboxUrl}/github`,
      },
    },
    loginPage: { showTokens: true },
  };
}
