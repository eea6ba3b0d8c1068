import {
  ALIPAY_SANDBOX_APP_PRIVATE_KEY,
  ALIPAY_SANDBOX_APP_PUBLIC_KEY,
  ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
} from './alipay-keys.js';
import type { OauthPlatform, SandboxOauthApp, SandboxOauthUser } from './types.js';

const users: readonly SandboxOauthUser[] = [
  {
    id: 'alice',
    nickname: '爱丽丝',
    name: 'Alice Zhang',
    givenName: 'Alice',
    familyName: 'Zhang',
    email: 'alice@example.com',
    emailVerified: true,
    mobile: '+8613800000001',
    gender: 'female',
    country: 'CN',
    province: 'Guangdong',
    city: 'Shenzhen',
    githubLogin: 'alice-sandbox',
    githubId: 9_000_001,
    alipayUserId: '2088000000000001',
    weiboUid: '5000000001',
    googleSub: '100000000000000000001',
    wecomUserId: 'ZhangAiLi',
  },
  {
    id: 'bob',
    nickname: '鲍勃',
    name: 'Bob Li',
    givenName: 'Bob',
    familyName: 'Li',
    email: 'bob@example.org',
    emailVerified: false,
    mobile: '+8613800000002',
    gender: 'male',
    country: 'CN',
    province: 'Beijing',
    city: 'Beijing',
    // On GitHub his unverified address stays private; a verified work address is public.
    githubPublicEmail: 'bob@work.example.org',
    githubExtraEmails: [{ email: 'bob@work.example.org', verified: true }],
    githubLogin: 'bob-sandbox',
    githubId: 9_000_002,
    alipayUserId: '2088000000000002',
    weiboUid: '5000000002',
    googleSub: '100000000000000000002',
    wecomUserId: 'LiBaoBo',
  },
  {
    // No email anywhere, and not a WeCom member (WeCom answers an openid for her).
    id: 'carol',
    nickname: '卡罗',
    name: 'Carol Wang',
    givenName: 'Carol',
    familyName: 'Wang',
    email: null,
    emailVerified: false,
    mobile: '+8613800000003',
    gender: 'unknown',
    country: 'CN',
    province: 'Shanghai',
    city: 'Shanghai',
    githubLogin: 'carol-sandbox',
    githubId: 9_000_003,
    alipayUserId: '2088000000000003',
    weiboUid: '5000000003',
    googleSub: '100000000000000000003',
  },
  {
    // Seen through WeChat's snapshot page: virtual ids, `is_snapshotuser: 1`.
    id: 'snapshot',
    nickname: '微信用户',
    name: 'Snapshot Visitor',
    givenName: 'Snapshot',
    familyName: 'Visitor',
    email: null,
    emailVerified: false,
    mobile: '+8613800000004',
    gender: 'unknown',
    country: '',
    province: '',
    city: '',
    githubLogin: 'snapshot-sandbox',
    githubId: 9_000_004,
    alipayUserId: '2088000000000004',
    weiboUid: '5000000004',
    googleSub: '100000000000000000004',
    wechatSnapshot: true,
  },
];

/**
 * The default apps and users of the OAuth sandbox. Every platform has a `default` app; some have more
 * (WeChat's official account with and without an Open Platform binding, a mini program; GitHub's
 * expiring-token app; Alipay's legacy user_id app). Keys and secrets are public test values.
 */
export const SANDBOX_OAUTH_DEFAULTS = {
  users,
  apps: {
    wechat: {
      /** Website app (QR login, `snsapi_login`), bound to Open Platform account `wx-open-1`. */
      default: {
        appId: 'wx5a1d0c0000000001',
        secret: 'sandboxwechatwebsecret0000000001',
        name: '令牌网站 Lingpai Web',
        wechatKind: 'website',
        unionGroup: 'wx-open-1',
      },
      /** Official account (`snsapi_base` / `snsapi_userinfo`), bound to the same Open Platform account. */
      mp: {
        appId: 'wx5a1d0c0000000002',
        secret: 'sandboxwechatmpsecret00000000002',
        name: '令牌公众号 Lingpai MP',
        wechatKind: 'official_account',
        unionGroup: 'wx-open-1',
      },
      /** Official account NOT bound to an Open Platform account: never answers a unionid. */
      mpUnbound: {
        appId: 'wx5a1d0c0000000003',
        secret: 'sandboxwechatmpsecret00000000003',
        name: '未绑定公众号 Unbound MP',
        wechatKind: 'official_account',
      },
      /** Mini program (`jscode2session`), bound to `wx-open-1`. */
      mini: {
        appId: 'wx5a1d0c0000000004',
        secret: 'sandboxwechatminisecret000000004',
        name: '令牌小程序 Lingpai Mini',
        wechatKind: 'mini_program',
        unionGroup: 'wx-open-1',
      },
    },
    wecom: {
      /** `appId` is the corpid; `secret` the app's corpsecret. */
      default: {
        appId: 'ww5a1d0c0000000001',
        secret: 'sandbox-wecom-corpsecret-000000000000000001',
        name: '令牌企业应用 Lingpai WeCom',
        agentId: '1000002',
      },
    },
    dingtalk: {
      /** `appId` is the clientId / appKey. */
      default: {
        appId: 'dingsandbox00000001',
        secret: 'sandbox-dingtalk-secret-0000000000000000000000000000000001',
        name: '令牌钉钉应用 Lingpai DingTalk',
        tenantId: 'ding5a1d0c0000000001',
        unionGroup: 'dingtalk-isv-1',
      },
    },
    lark: {
      default: {
        appId: 'cli_5a1d0c0000000001',
        secret: 'sandboxlarksecret000000000000001',
        name: '令牌飞书应用 Lingpai Lark',
        tenantId: '2ed263bf32cf1651',
        unionGroup: 'lark-dev-1',
      },
    },
    douyin: {
      /** `appId` is the client_key. */
      default: {
        appId: 'aw5a1d0c00000001',
        secret: 'sandboxdouyinsecret0000000000001',
        name: '令牌抖音应用 Lingpai Douyin',
        unionGroup: 'douyin-dev-1',
      },
    },
    alipay: {
      /** New-style app: answers the per-app `open_id`. Signs with `ALIPAY_SANDBOX_APP_PRIVATE_KEY`. */
      default: {
        appId: '2021000000000001',
        secret: '',
        name: '令牌支付宝应用 Lingpai Alipay',
        alipayOpenIdMode: true,
        appPublicKey: ALIPAY_SANDBOX_APP_PUBLIC_KEY,
      },
      /** Legacy app: answers the 2088… `user_id`. Same key pair. */
      userIdMode: {
        appId: '2021000000000002',
        secret: '',
        name: '旧版支付宝应用 Legacy Alipay',
        alipayOpenIdMode: false,
        appPublicKey: ALIPAY_SANDBOX_APP_PUBLIC_KEY,
      },
    },
    qq: {
      /** `secret` is the QQ appkey. */
      default: {
        appId: '101000001',
        secret: 'sandboxqqappkey00000000000000001',
        name: '令牌 QQ 应用 Lingpai QQ',
        unionGroup: 'qq-dev-1',
      },
    },
    weibo: {
      default: {
        appId: '3000000001',
        secret: 'sandboxweibosecret00000000000001',
        name: '令牌微博应用 Lingpai Weibo',
      },
    },
    google: {
      default: {
        appId: '100000000001-sandbox.apps.googleusercontent.com',
        secret: 'GOCSPX-sandbox-google-secret-0001',
        name: 'Lingpai Google',
      },
    },
    github: {
      /** Classic OAuth app: tokens never expire. */
      default: {
        appId: 'Ov23liSandbox0000001',
        secret: '5a1d0c0000000000000000000000000000000001',
        name: 'Lingpai GitHub',
      },
      /** GitHub App / expiring tokens: 8-hour access tokens, rotating 6-month refresh tokens. */
      expiring: {
        appId: 'Iv23liSandbox0000002',
        secret: '5a1d0c0000000000000000000000000000000002',
        name: 'Lingpai GitHub App',
        expiringTokens: true,
      },
    },
  } satisfies Record<OauthPlatform, Record<string, SandboxOauthApp>>,
  alipay: {
    /** Sign gateway requests of the default Alipay apps with this key. */
    appPrivateKey: ALIPAY_SANDBOX_APP_PRIVATE_KEY,
    appPublicKey: ALIPAY_SANDBOX_APP_PUBLIC_KEY,
    /** Verify gateway responses with this key (the console's "Alipay public key"). */
    alipayPublicKey: ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
  },
} as const;

/** A default user by id (`alice`, `bob`, `carol`, `snapshot`); throws for an unknown id. */
export function sandboxOauthUser(id: string): SandboxOauthUser {
  const user = SANDBOX_OAUTH_DEFAULTS.users.find((candidate) => candidate.id === id);
  if (user === undefined) throw new Error(`no sandbox OAuth user ${id}`);
  return user;
}
