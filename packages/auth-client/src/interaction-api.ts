import type { CallOptions, RequestOptions } from './auth-client.js';

/** A login method the login page offers (`GET /auth/v1/interaction/:id`'s `login_methods`). */
export interface LoginMethod {
  type: 'password' | 'sms' | 'email' | 'provider';
  provider_id?: string;
  name?: string;
  /** The social platform, e.g. `wechat`, `github`. */
  platform?: string;
  /** WeChat: `qr` (website app, desktop) or `in-wechat` (official account, inside WeChat's browser). */
  flow?: 'qr' | 'in-wechat';
  [field: string]: unknown;
}

/** What an interaction asks for, and the CSRF token for its POSTs. */
export interface InteractionView {
  kind: 'authorize' | 'device';
  client: { id: string; name: string; first_party: boolean };
  scopes: string[];
  needs_login: boolean;
  needs_consent: boolean;
  user?: { sub: string; username?: string; name?: string; picture?: string };
  user_code?: string;
  expires_in: number;
  login_methods: LoginMethod[];
  csrf_token: string;
}

/** `POST /auth/v1/interaction/device`: a new device interaction, already described. */
export interface DeviceInteractionView extends InteractionView {
  interaction: string;
}

/** What a login, consent, denial or abort answers. */
export interface InteractionResult {
  status: 'logged_in' | 'approved' | 'denied' | 'aborted';
  /** Authorize interactions: navigate here (the client's redirect_uri with the code or the error). */
  redirect_to?: string;
  needs_consent?: boolean;
  user?: InteractionView['user'];
}

/**
 * The login page's interaction API: same origin only, bound to the browser by an HttpOnly cookie,
 * every POST with the `x-csrf-token` that `describe` (or `prepareDevice`) returned.
 */
export interface InteractionApi {
  describe(id: string, options?: CallOptions): Promise<InteractionView>;
  login(
    id: string,
    csrf: string,
    body: { username: string; password: string },
    options?: CallOptions,
  ): Promise<InteractionResult>;
  sendCode(
    id: string,
    csrf: string,
    body: { phone_number?: string; email?: string; usage?: 'SIGN_IN' | 'REGISTER' },
    options?: CallOptions,
  ): Promise<{
    verification_id: string;
    expires_in: number;
    is_user?: boolean;
    resend_after_seconds?: number;
  }>;
  loginWithCode(
    id: string,
    csrf: string,
    body: { verification_id: string; verification_code: string },
    options?: CallOptions,
  ): Promise<InteractionResult>;
  signUp(
    id: string,
    csrf: string,
    body: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<InteractionResult>;
  startProvider(
    id: string,
    csrf: string,
    providerId: string,
    options?: CallOptions,
  ): Promise<{ redirect_to: string }>;
  consent(id: string, csrf: string, scopes?: string[], options?: CallOptions): Promise<InteractionResult>;
  deny(id: string, csrf: string, options?: CallOptions): Promise<InteractionResult>;
  abort(id: string, csrf: string, options?: CallOptions): Promise<InteractionResult>;
  prepareDevice(options?: CallOptions): Promise<{ csrf_token: string }>;
  startDevice(csrf: string, userCode: string, options?: CallOptions): Promise<DeviceInteractionView>;
}

type Request = <T>(path: string, options: RequestOptions) => Promise<T>;

export function createInteractionApi(request: Request): InteractionApi {
  const at = (id: string, step = '') => `interaction/${encodeURIComponent(id)}${step}`;
  const post = <T>(path: string, csrf: string, body: unknown, o: CallOptions = {}) =>
    request<T>(path, {
      ...o,
      method: 'POST',
      body,
      auth: 'none',
      headers: { 'x-csrf-token': csrf, ...o.headers },
    });
  const get = <T>(path: string, o: CallOptions = {}) => request<T>(path, { ...o, auth: 'none' });
  return {
    describe: (id, o) => get(at(id), o),
    login: (id, csrf, body, o) => post(at(id, '/login'), csrf, body, o),
    sendCode: (id, csrf, body, o) => post(at(id, '/verification'), csrf, body, o),
    loginWithCode: (id, csrf, body, o) => post(at(id, '/login/verification'), csrf, body, o),
    signUp: (id, csrf, body, o) => post(at(id, '/signup'), csrf, body, o),
    startProvider: (id, csrf, providerId, o) =>
      post(at(id, `/provider/${encodeURIComponent(providerId)}`), csrf, {}, o),
    consent: (id, csrf, scopes, o) => post(at(id, '/consent'), csrf, scopes ? { scopes } : {}, o),
    deny: (id, csrf, o) => post(at(id, '/deny'), csrf, {}, o),
    abort: (id, csrf, o) => post(at(id, '/abort'), csrf, {}, o),
    prepareDevice: (o) => get('interaction/device', o),
    startDevice: (csrf, userCode, o) => post('interaction/device', csrf, { user_code: userCode }, o),
  };
}
