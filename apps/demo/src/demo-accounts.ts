/**
 * Who the demo seeds. Public on purpose: the database lives in memory and the server listens on
 * loopback only, so nothing here protects anything beyond one `pnpm demo` run.
 */
export const DEMO_USER = {
  username: 'demo',
  password: 'Lingpai-Demo-2026',
  /** As a person types it; the server keeps it in E.164 and shows it as `+86 13800138000`. */
  phoneNumber: '+86 13800138000',
  phoneE164: '+8613800138000',
  email: 'demo@lingpai.test',
  name: '演示用户 Demo',
} as const;

/** The sandbox's WeChat and GitHub person the headless run signs in as (the page lets you pick). */
export const SANDBOX_PERSON = { wechat: 'alice', github: 'bob' } as const;

/** The social platforms the demo configures, by CloudBase `provider_id`. */
export const DEMO_PROVIDERS = {
  /** WeChat website login: the QR page (`snsapi_login`). */
  wechat: 'wechat',
  /** WeChat official account: what the page uses inside the WeChat browser. */
  wechatOfficialAccount: 'wechat_mp',
  github: 'github',
} as const;

export const DEMO_CLIENT_ID = 'demo-app';

/**
 * The demo's own app: what `pnpm demo --once` signs in as, the way an app built on the CloudBase
 * API would (first party, so it may take passwords and codes directly). The login page has its own
 * client, which the token server registers.
 */
export function demoClient(issuer: string) {
  return {
    id: DEMO_CLIENT_ID,
    name: 'Demo app',
    kind: 'public' as const,
    grantTypes: ['password', 'refresh_token', 'authorization_code'],
    scopes: ['user', 'openid', 'profile', 'email', 'phone', 'offline_access'],
    defaultScopes: ['user'],
    redirectUris: [demoRedirectUri(issuer)],
    refreshGraceSeconds: 10,
    firstParty: true,
  };
}

/** Where platforms and the authorize endpoint send the demo app back (read from `Location`, never served). */
export function demoRedirectUri(issuer: string): string {
  return `${issuer}/demo/callback`;
}
