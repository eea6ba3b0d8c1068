import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import type { BuildAppOptions } from '../../../src/app.js';
import type { ClientInput } from '../../../src/clients/client.js';
import { GRANT_TYPES } from '../../../src/clients/client.js';
import type { LoginPageOptions } from '../../../src/login-page/login-page-options.js';
import { parsePhoneInput } from '../../../src/users/contact-address.js';
import { startListeningServer } from '../../support/listening-server.js';
import { sandboxSocialConfig } from '../../support/social-sandbox.js';
import type { TestServer } from '../../support/test-app.js';
import { type SmtpInbox, startSmtpInbox } from '../../support/verification-fixture.js';

/**
 * The built page (`pnpm --filter @lingpai/login-page build`; `pnpm test` builds it first), or
 * another build of it named by `LINGPAI_LOGIN_PAGE_DIST` (a page built against a patched client).
 */
export const LOGIN_PAGE_DIST = process.env.LINGPAI_LOGIN_PAGE_DIST
  ? `${process.env.LINGPAI_LOGIN_PAGE_DIST.replace(/\/$/, '')}/`
  : fileURLToPath(new URL('../../../../login-page/dist/', import.meta.url));

/** The seeded user every sign-in test uses. */
export const USER = {
  username: 'zhangsan',
  password: 'DemoPass123!@#',
  phone: '+86 13800138000',
  /** How a person types it into the page's phone field. */
  phoneLocal: '13800138000',
  email: 'zhangsan@lingpai.test',
  name: 'Zhang San',
} as const;

/** A third-party web app (not first party): its authorize goes through the consent page. */
export const PARTNER_CLIENT: ClientInput = {
  id: 'partner-web',
  name: 'Partner Notes',
  kind: 'public',
  grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
  redirectUris: ['http://127.0.0.1:7999/callback'],
  scopes: ['openid', 'profile', 'user'],
  defaultScopes: ['openid', 'profile'],
};

/** A TV app for the device flow (a CLI in the test process plays it). */
export const TV_CLIENT: ClientInput = {
  id: 'tv-app',
  name: 'Living-room TV',
  kind: 'public',
  grantTypes: [GRANT_TYPES.deviceCode, GRANT_TYPES.refreshToken],
  scopes: ['user', 'profile', 'openid'],
  defaultScopes: ['user'],
};

export interface LoginServerOptions {
  /** Merged over the page's defaults (`root`: the built page, `showTokens: true`). */
  loginPage?: Exclude<LoginPageOptions, false>;
  lifetimes?: BuildAppOptions['lifetimes'];
  limits?: BuildAppOptions['limits'];
  verification?: BuildAppOptions['verification'];
}

export interface LoginServer {
  server: TestServer;
  /** `http://127.0.0.1:<port>`: where the browser goes. */
  issuer: string;
  sandbox: Sandbox;
  sandboxUrl: string;
  smtp: SmtpInbox;
  /** The newest SMS code for `phone`, once every background delivery settled. */
  lastSmsCode(phone: string): Promise<string | undefined>;
  /** The newest mailed code for `email`, once every background delivery settled. */
  lastEmailCode(email: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * The whole product on real sockets: the token server (PGlite, the real clock, issuer naming its
 * port) serving the built login page, with SMS through the sandbox (Aliyun), email to a real
 * `smtp-server`, WeChat (website QR and official account) and GitHub through the sandbox's
 * authorize pages, and the seeded user, partner app and TV app above.
 */
export async function startLoginServer(options: LoginServerOptions = {}): Promise<LoginServer> {
  if (options.loginPage?.root === undefined && !existsSync(`${LOGIN_PAGE_DIST}index.html`)) {
    throw new Error(
      `the login page is not built (no ${LOGIN_PAGE_DIST}index.html): run \`pnpm --filter @lingpai/login-page build\``,
    );
  }
  // A snapshot of the built page for this file: a rebuild while the suite runs (a developer's
  // `pnpm build` renames the hashed assets) cannot pull files from under a loaded page.
  let pageCopy: string | undefined;
  if (options.loginPage?.root === undefined) {
    pageCopy = mkdtempSync(join(tmpdir(), 'lingpai-login-page-'));
    cpSync(LOGIN_PAGE_DIST, pageCopy, { recursive: true });
  }
  const removeCopy = () => {
    if (pageCopy !== undefined) rmSync(pageCopy, { recursive: true, force: true });
  };
  const sandbox = await createSandbox({ sms: { perNumberPerMinute: 0 } });
  const sandboxUrl = await sandbox.listen();
  const smtp = await startSmtpInbox();
  const social = sandboxSocialConfig(sandboxUrl);
  const { aliyun } = SANDBOX_SMS_DEFAULTS;
  let server: TestServer & { issuer: string };
  try {
    server = await startListeningServer(
      { kind: 'pglite' },
      {
        sms: {
          providers: [
            {
              kind: 'aliyun',
              baseURL: `${sandboxUrl}/aliyun`,
              credentials: { accessKeyId: aliyun.accessKeyId, accessKeySecret: aliyun.accessKeySecret },
              signName: '令牌',
              templates: { default: 'SMS_100000001' },
            },
          ],
        },
        email: {
          host: '127.0.0.1',
          port: smtp.port,
          secure: false,
          from: '"Lingpai" <no-reply@lingpai.test>',
        },
        social: {
          wechat: { ...social.wechat!, name: 'WeChat' },
          wechat_mp: { ...social.wechat_mp!, name: 'WeChat' },
          github: { ...social.github!, name: 'GitHub' },
        },
        loginPage: { showTokens: true, ...options.loginPage, root: options.loginPage?.root ?? pageCopy },
        seed: {
          users: [
            {
              username: USER.username,
              password: USER.password,
              phoneNumber: USER.phone,
              email: USER.email,
              name: USER.name,
            },
          ],
        },
        ...(options.lifetimes ? { lifetimes: options.lifetimes } : {}),
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.verification ? { verification: options.verification } : {}),
      },
    );
    await server.addClient(PARTNER_CLIENT);
    await server.addClient(TV_CLIENT);
  } catch (error) {
    await sandbox.close();
    await smtp.close();
    removeCopy();
    throw error;
  }
  const settled = () => server.app.lingpai.verification.settled();
  return {
    server,
    issuer: server.issuer,
    sandbox,
    sandboxUrl,
    smtp,
    async lastSmsCode(phone) {
      await settled();
      return sandbox.sms.lastCode(parsePhoneInput(phone).e164);
    },
    async lastEmailCode(email) {
      await settled();
      const mail = [...smtp.messages].reverse().find((m) => m.to.includes(email.toLowerCase()));
      return mail === undefined ? undefined : /([0-9A-Z]{4,10})\s*$/.exec(mail.subject)?.[1];
    },
    async close() {
      await server.close();
      await sandbox.close();
      await smtp.close();
      removeCopy();
    },
  };
}
