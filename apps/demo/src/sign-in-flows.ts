import { randomBytes } from 'node:crypto';
import {
  AuthClient,
  AuthClientError,
  createPkce,
  memoryStorage,
  type UserProfile,
} from '@lingpai/auth-client';
import {
  DEMO_CLIENT_ID,
  DEMO_PROVIDERS,
  DEMO_USER,
  demoRedirectUri,
  SANDBOX_PERSON,
} from './demo-accounts.js';
import { DemoError } from './demo-error.js';
import { HeadlessBrowser } from './headless-browser.js';
import type { RunningDemo } from './start-demo.js';

/** One line of output. */
export type Say = (line: string) => void;

/** What the flows established, for the test to assert beyond the printed lines. */
export interface SignInResults {
  password: { sub: string };
  sms: { sub: string; code: string; provider: string };
  email: { sub: string; code: string };
  wechat: { sub: string; name: string | undefined; signedUp: boolean };
  github: { sub: string; name: string | undefined };
  refresh: { rotated: boolean };
  signOut: { refusedWith: string };
  loginPage: { showTokens: boolean };
}

/** A client clock the demo can move forward, to show a refresh without waiting two hours. */
function movableClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number) {
      offset += ms;
    },
  };
}

function shortToken(token: string | undefined): string {
  return token === undefined ? '(none)' : `${token.slice(0, 10)}…`;
}

function describeError(error: unknown): string {
  if (error instanceof AuthClientError) {
    return `${error.error}${error.description === undefined ? '' : ` — ${error.description}`} (HTTP ${error.status})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one named step; a failure becomes a `DemoError` naming the step, what the server said and
 * where to look, so `--once` fails with one clear line instead of a stack.
 */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DemoError) throw error;
    throw new DemoError('DEMO_STEP_FAILED', `${name}: ${describeError(error)}`, { cause: error });
  }
}

/**
 * Every way the login page signs a person in, run headless over HTTP through `@lingpai/auth-client`:
 * first as an app on the CloudBase API (password, SMS code, WeChat), then exactly as the login page
 * does (authorize → the page's interaction API → the platform → code + PKCE), then the account side
 * (who am I, a seamless refresh, sign-out). Each client is a separate device with its own storage.
 */
export async function runSignInFlows(demo: RunningDemo, say: Say): Promise<SignInResults> {
  const { issuer, sandboxUrl } = demo;
  const redirectUri = demoRedirectUri(issuer);
  const clock = movableClock();
  const newClient = (browser?: HeadlessBrowser) =>
    new AuthClient({
      issuer,
      clientId: DEMO_CLIENT_ID,
      storage: memoryStorage(),
      crossTab: false,
      autoRefresh: false,
      clock,
      ...(browser === undefined ? {} : { fetch: browser.fetch }),
    });
  const me = (client: AuthClient): Promise<UserProfile> => client.getUserInfo();

  say(`Signing in as the demo app (client "${DEMO_CLIENT_ID}") on ${issuer}:`);

  // 1. Password: CloudBase's signIn, the same check and lockouts as the password grant.
  const passwordClient = newClient();
  const events: string[] = [];
  passwordClient.onChange((event) => events.push(event));
  const password = await step('password sign-in', async () => {
    const tokens = await passwordClient.signIn({
      username: DEMO_USER.username,
      password: DEMO_USER.password,
    });
    return { tokens, user: await me(passwordClient) };
  });
  say(
    `  ✓ password   "${DEMO_USER.username}" / "${DEMO_USER.password}" → signed in as ${password.user.name} (sub ${password.user.sub}); access token for ${password.tokens.expires_in} s`,
  );

  // 2. SMS code: send, read the code from the sandbox's inbox (as a phone would show it), verify, sign in.
  const signInWithCode = async (
    client: AuthClient,
    to: { phone_number: string } | { email: string },
    read: () => Promise<string>,
  ) => {
    const sent = await client.sendVerification({ ...to, target: 'USER' });
    // The server answers before it delivers; wait for the delivery, then read the inbox.
    await demo.deliveriesSettled();
    const code = await read();
    const { verification_token } = await client.verify({
      verification_id: sent.verification_id,
      verification_code: code,
    });
    await client.signIn({ verification_token });
    return { code, user: await me(client) };
  };
  const smsClient = newClient();
  const sms = await step('SMS code sign-in', () =>
    signInWithCode(smsClient, { phone_number: DEMO_USER.phoneNumber }, async () => {
      // Over HTTP, as anyone reading the sandbox's inbox would.
      const inbox = await fetch(
        `${sandboxUrl}/__sandbox/sms/code?to=${encodeURIComponent(DEMO_USER.phoneE164)}`,
      );
      if (inbox.status !== 200) throw new Error(`the sandbox inbox has no SMS to ${DEMO_USER.phoneE164}`);
      return ((await inbox.json()) as { code: string }).code;
    }),
  );
  const smsProvider = demo.sandbox.sms.last(DEMO_USER.phoneE164)?.provider ?? 'unknown';
  say(
    `  ✓ SMS code   sent to ${sms.user.phone_number} via the sandbox's ${smsProvider}, code ${sms.code} read from its inbox → signed in as ${sms.user.name}`,
  );

  // 2b. Email code: the same loop, delivered by SMTP to the demo's own mail server.
  const emailClient = newClient();
  const email = await step('email code sign-in', () =>
    signInWithCode(emailClient, { email: DEMO_USER.email }, async () => {
      const code = demo.mail.lastCode(DEMO_USER.email);
      if (code === undefined) throw new Error(`no mail with a code reached ${DEMO_USER.email}`);
      return code;
    }),
  );
  say(
    `  ✓ email code sent to ${email.user.email} via SMTP to the demo's mail server, code ${email.code} → signed in as ${email.user.name}`,
  );
  if (sms.user.sub !== password.user.sub || email.user.sub !== password.user.sub) {
    throw new DemoError('DEMO_STEP_FAILED', 'code sign-in: signed in as another user than the password did');
  }

  // 3. WeChat, as the official CloudBase client does it: the platform URL, the platform's page, the
  //    code → a provider token → sign in, else sign up with the same token (a first WeChat login).
  const platformSignIn = async (client: AuthClient, browser: HeadlessBrowser, providerId: string) => {
    const state = randomBytes(12).toString('base64url');
    const { uri } = await client.genProviderRedirectUri({
      provider_id: providerId,
      redirect_uri: redirectUri,
      state,
    });
    const back = await browser.consentAtPlatform(uri, SANDBOX_PERSON.wechat);
    const code = back.searchParams.get('code');
    if (code === null) throw new Error(`the platform came back without a code: ${back.search}`);
    if (back.searchParams.get('state') !== state)
      throw new Error('the platform came back with another state');
    const provider = await client.grantProviderToken({
      provider_id: providerId,
      provider_code: code,
      provider_redirect_uri: redirectUri,
      state,
    });
    // CloudBase's "sign in, else sign up with the same token": a first platform login has no account.
    let signedUp = false;
    try {
      await client.signInWithProvider({ provider_token: provider.provider_token });
    } catch (error) {
      if (!(error instanceof AuthClientError) || error.error !== 'user_not_found') throw error;
      signedUp = true;
      await client.signUp({ provider_token: provider.provider_token });
    }
    return { signedUp, profileName: provider.provider_profile?.name, user: await me(client) };
  };
  const wechatBrowser = new HeadlessBrowser();
  const wechatClient = newClient(wechatBrowser);
  const wechat = await step('WeChat sign-in', () =>
    platformSignIn(wechatClient, wechatBrowser, DEMO_PROVIDERS.wechat),
  );
  say(
    `  ✓ WeChat     "${SANDBOX_PERSON.wechat}" allowed on the sandbox's WeChat QR page → provider token (${wechat.profileName}) → ${
      wechat.signedUp ? 'user_not_found, so signed up with the same token' : 'signed in'
    } → sub ${wechat.user.sub}`,
  );
  // The same person through the official account (the flow inside the WeChat app): one unionid, one account.
  const officialBrowser = new HeadlessBrowser();
  const officialClient = newClient(officialBrowser);
  const official = await step('WeChat official-account sign-in', () =>
    platformSignIn(officialClient, officialBrowser, DEMO_PROVIDERS.wechatOfficialAccount),
  );
  if (official.signedUp || official.user.sub !== wechat.user.sub) {
    throw new DemoError(
      'DEMO_STEP_FAILED',
      'WeChat official-account sign-in: the same WeChat person got a second account (the unionid should join them)',
    );
  }
  say(
    `  ✓ WeChat     the same person via the official account (the in-WeChat flow) → the same account (one unionid)`,
  );

  // 4. GitHub, exactly as the login page does it in a browser: authorize with PKCE, the page's
  //    interaction (bound to a cookie, CSRF header), the platform, the server's callback, the code.
  const pageBrowser = new HeadlessBrowser();
  const pageClient = newClient(pageBrowser);
  const github = await step('GitHub sign-in through the login page flow', async () => {
    const pkce = await createPkce();
    const state = randomBytes(12).toString('base64url');
    const authorize = pageClient.authorizeUrl({
      redirectUri,
      scope: 'user openid profile',
      state,
      codeChallenge: pkce.challenge,
    });
    const loginPage = await pageBrowser.follow(authorize);
    const interactionId = loginPage.searchParams.get('interaction');
    if (interactionId === null)
      throw new Error(`authorize did not send the browser to the login page: ${loginPage}`);
    const view = await pageClient.interaction.describe(interactionId);
    const { redirect_to } = await pageClient.interaction.startProvider(
      interactionId,
      view.csrf_token,
      DEMO_PROVIDERS.github,
    );
    const callback = await pageBrowser.consentAtPlatform(redirect_to, SANDBOX_PERSON.github);
    const back = await pageBrowser.follow(callback);
    if (`${back.origin}${back.pathname}` !== redirectUri) {
      throw new Error(`the login ended at ${back.origin}${back.pathname}${back.search}, not at the app`);
    }
    const code = back.searchParams.get('code');
    if (code === null) throw new Error(`the app got no code: ${back.search}`);
    if (back.searchParams.get('state') !== state) throw new Error('the app got another state back');
    await pageClient.exchangeCode({ code, redirectUri, codeVerifier: pkce.verifier });
    return { user: await me(pageClient) };
  });
  say(
    `  ✓ GitHub     like the login page: authorize + PKCE → /login?interaction=… → "${SANDBOX_PERSON.github}" allowed on GitHub's page → code → tokens for ${github.user.name}`,
  );

  say('The account side (the password client):');
  // 5. Who am I.
  const profile = await step('user/me', () => me(passwordClient));
  say(
    `  ✓ user/me    ${profile.name} · username ${profile.username} · ${profile.phone_number} · ${profile.email} · password set: ${profile.has_password === true ? 'yes' : 'no'}`,
  );

  // 6. A seamless refresh: move the client's clock past the token's life; the next call refreshes first.
  const refresh = await step('refresh', async () => {
    const before = await passwordClient.getCredentials();
    clock.advance(password.tokens.expires_in * 1_000);
    const accessToken = await passwordClient.getAccessToken();
    const after = await passwordClient.getCredentials();
    await me(passwordClient);
    return {
      rotated: after?.refresh_token !== undefined && after.refresh_token !== before?.refresh_token,
      fresh: accessToken !== before?.access_token,
      before: before?.refresh_token,
      after: after?.refresh_token,
    };
  });
  if (!refresh.rotated || !refresh.fresh) {
    throw new DemoError('DEMO_STEP_FAILED', 'refresh: the client kept its old tokens after they expired');
  }
  say(
    `  ✓ refresh    2 h later (the client's clock moved on), getAccessToken() refreshed first; refresh token rotated ${shortToken(refresh.before)} → ${shortToken(refresh.after)}`,
  );

  // 7. Sign-out: the session ends on the server, so even the unexpired access token is refused at once.
  const signOut = await step('sign-out', async () => {
    const last = await passwordClient.getAccessToken();
    await passwordClient.signOut();
    const answer = await fetch(`${issuer}/auth/v1/user/me`, { headers: { authorization: `Bearer ${last}` } });
    const body = (await answer.json()) as { error?: string };
    if (answer.status !== 401)
      throw new Error(`the access token still works after sign-out (HTTP ${answer.status})`);
    return {
      refusedWith: body.error ?? `HTTP ${answer.status}`,
      stored: await passwordClient.getCredentials(),
    };
  });
  if (signOut.stored !== null)
    throw new DemoError('DEMO_STEP_FAILED', 'sign-out: the client kept its credentials');
  say(
    `  ✓ sign-out   session ended on the server, its access token refused at once (${signOut.refusedWith}); events: ${[...events, 'signed_out'].filter((event, i, all) => all.indexOf(event) === i).join(' → ')}`,
  );

  // 8. The page a person would open: served, under its strict policy, showing the tokens.
  const loginPage = await step('the login page', async () => {
    const page = await fetch(`${issuer}/login`);
    const type = page.headers.get('content-type') ?? '';
    const policy = page.headers.get('content-security-policy') ?? '';
    await page.body?.cancel();
    if (page.status !== 200 || !type.startsWith('text/html')) {
      throw new Error(`GET /login answered ${page.status} ${type}: is the login page built and served?`);
    }
    if (!policy.includes("frame-ancestors 'none'"))
      throw new Error(`GET /login has no strict policy: "${policy}"`);
    const config = await fetch(`${issuer}/login/config.json`);
    if (config.status !== 200) throw new Error(`GET /login/config.json answered ${config.status}`);
    return { showTokens: ((await config.json()) as { show_tokens?: boolean }).show_tokens === true };
  });
  say(
    `  ✓ login page ${issuer}/login served under a strict Content-Security-Policy; shows the tokens: ${loginPage.showTokens ? 'yes' : 'no'}`,
  );

  for (const client of [passwordClient, smsClient, emailClient, wechatClient, officialClient, pageClient])
    client.dispose();
  return {
    password: { sub: password.user.sub },
    sms: { sub: sms.user.sub, code: sms.code, provider: smsProvider },
    email: { sub: email.user.sub, code: email.code },
    wechat: { sub: wechat.user.sub, name: wechat.user.name, signedUp: wechat.signedUp },
    github: { sub: github.user.sub, name: github.user.name },
    refresh: { rotated: refresh.rotated },
    signOut: { refusedWith: signOut.refusedWith },
    loginPage,
  };
}
