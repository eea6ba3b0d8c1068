import { expect } from 'vitest';
import { GRANT_TYPES } from '../../src/clients/client.js';
import { interactionIdOf, locationOf, pkcePair, TestBrowser } from './interaction-browser.js';
import { type Backend, basic, startTestServer, type TestServer } from './test-app.js';

/** A third-party single-page app: public, PKCE required, asks for consent. */
export const SPA = { id: 'spa', redirectUri: 'http://127.0.0.1:3000/cb' } as const;
/** A confidential web app (PKCE optional for it). */
export const WEB = { id: 'web', redirectUri: 'https://app.example.com/cb' } as const;
/** A first-party public app: never asks for consent. */
export const FIRST = { id: 'first', redirectUri: 'http://localhost:4000/cb' } as const;
/** A client registered without the authorization_code grant. */
export const NO_CODE = { id: 'nocode', redirectUri: 'http://127.0.0.1:3000/other' } as const;
/** The origin a client registered for CORS (which interaction routes must still never grant). */
export const SPA_ORIGIN = 'http://127.0.0.1:3000';

export const ALICE = { username: 'alice', password: 'Correct-Horse-9!' } as const;
export const BOB = { username: 'bob', password: 'Battery-Staple-7!' } as const;

export interface CodeFlowServer extends TestServer {
  webSecret: string;
  aliceSub: string;
  bobSub: string;
}

export async function startCodeFlowServer(backend: Backend): Promise<CodeFlowServer> {
  const server = await startTestServer(backend);
  const webSecret = await registerCodeFlowClients(server);
  const aliceSub = await server.addUser(ALICE.username, ALICE.password);
  const bobSub = await server.addUser(BOB.username, BOB.password);
  return Object.assign(server, { webSecret: webSecret!, aliceSub, bobSub });
}

/** Registers SPA, WEB, FIRST and NO_CODE; returns WEB's secret. */
export async function registerCodeFlowClients(server: TestServer): Promise<string | undefined> {
  const grants = [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken];
  const scopes = ['openid', 'user', 'profile', 'email'];
  await server.addClient({
    id: SPA.id,
    name: 'Third-party SPA',
    kind: 'public',
    grantTypes: grants,
    scopes,
    defaultScopes: ['user'],
    redirectUris: [SPA.redirectUri],
    corsOrigins: [SPA_ORIGIN],
  });
  const webSecret = await server.addClient({
    id: WEB.id,
    kind: 'confidential',
    grantTypes: grants,
    scopes,
    redirectUris: [WEB.redirectUri],
  });
  await server.addClient({
    id: FIRST.id,
    name: 'Our app',
    kind: 'public',
    grantTypes: grants,
    scopes,
    redirectUris: [FIRST.redirectUri],
    firstParty: true,
  });
  await server.addClient({
    id: NO_CODE.id,
    kind: 'public',
    grantTypes: [GRANT_TYPES.password],
    scopes,
    redirectUris: [NO_CODE.redirectUri],
  });
  return webSecret;
}

export interface StartedFlow {
  browser: TestBrowser;
  interaction: string;
  verifier: string;
  state: string;
}

/** Opens `/auth/v1/authorize` for a PKCE flow and expects to be sent to the login page. */
export async function startFlow(
  server: TestServer,
  options: {
    client?: string;
    redirectUri?: string;
    scope?: string;
    nonce?: string;
    browser?: TestBrowser;
    extra?: Record<string, string>;
  } = {},
): Promise<StartedFlow> {
  const browser = options.browser ?? new TestBrowser(server.app);
  const { verifier, challenge } = pkcePair();
  const state = `st-${Math.random().toString(36).slice(2)}`;
  const response = await browser.authorize({
    response_type: 'code',
    client_id: options.client ?? SPA.id,
    redirect_uri: options.redirectUri ?? SPA.redirectUri,
    scope: options.scope ?? 'openid user',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    nonce: options.nonce,
    ...options.extra,
  });
  expect(response.statusCode, response.body).toBe(303);
  return { browser, interaction: interactionIdOf(response), verifier, state };
}

/** The interaction's GET, asserting success; returns its body (with csrf_token). */
export async function describeInteraction(
  browser: TestBrowser,
  interaction: string,
): Promise<Record<string, unknown> & { csrf_token: string }> {
  const response = await browser.fetchGet(`/auth/v1/interaction/${interaction}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Login then (when asked) consent; returns the URL the page would navigate to. */
export async function loginAndConsent(
  flow: StartedFlow,
  user: { username: string; password: string } = ALICE,
  consent: { scopes?: string[] } = {},
): Promise<URL> {
  const { browser, interaction } = flow;
  const { csrf_token } = await describeInteraction(browser, interaction);
  const login = await browser.fetchPost(`/auth/v1/interaction/${interaction}/login`, user, {
    'x-csrf-token': csrf_token,
  });
  expect(login.statusCode, login.body).toBe(200);
  if (login.json().status === 'approved') return new URL(login.json().redirect_to);
  const approved = await browser.fetchPost(`/auth/v1/interaction/${interaction}/consent`, consent, {
    'x-csrf-token': csrf_token,
  });
  expect(approved.statusCode, approved.body).toBe(200);
  return new URL(approved.json().redirect_to);
}

export function codeOf(redirect: URL): string {
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect}`);
  return code;
}

/** `POST /auth/v1/token` with grant_type=authorization_code, as a form (RFC clients). */
export async function exchange(
  server: TestServer,
  params: { code: string; verifier?: string; redirectUri?: string; client?: string; secret?: string },
) {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: params.redirectUri ?? SPA.redirectUri,
  });
  if (params.verifier !== undefined) form.set('code_verifier', params.verifier);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (params.secret !== undefined) headers.authorization = basic(params.client ?? WEB.id, params.secret);
  else form.set('client_id', params.client ?? SPA.id);
  return server.app.inject({ method: 'POST', url: '/auth/v1/token', headers, payload: form.toString() });
}

export { locationOf };
