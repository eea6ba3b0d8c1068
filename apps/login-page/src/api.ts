import type { AuthClient, UserProfile, UserSession } from '@lingpai/auth-client';
import type {
  DeviceInteractionView,
  InteractionResult,
  InteractionView,
  SendCodeResult,
} from './interaction-types.js';

function captchaHeader(captcha: string | undefined): { headers?: Record<string, string> } {
  return captcha ? { headers: { 'x-captcha-token': captcha } } : {};
}

export type Contact = { phone_number: string } | { email: string };

export interface SignUpFields {
  username?: string;
  password?: string;
  name?: string;
  verification_id?: string;
  verification_code?: string;
}

export type { UserProfile, UserSession };

/**
 * Every server call the page makes, in one place, all through `@lingpai/auth-client`. The calls a
 * captcha may guard take its token as a last argument (sent as `x-captcha-token`).
 */
export class PageApi {
  constructor(readonly client: AuthClient) {}

  describe(id: string): Promise<InteractionView> {
    return this.client.interaction.describe(id);
  }

  login(id: string, csrf: string, username: string, password: string, captcha?: string) {
    return this.client.interaction.login(id, csrf, { username, password }, captchaHeader(captcha));
  }

  sendCode(
    id: string,
    csrf: string,
    contact: Contact,
    usage: 'SIGN_IN' | 'REGISTER',
    captcha?: string,
  ): Promise<SendCodeResult> {
    return this.client.interaction.sendCode(id, csrf, { ...contact, usage }, captchaHeader(captcha));
  }

  loginWithCode(id: string, csrf: string, verificationId: string, code: string): Promise<InteractionResult> {
    return this.client.interaction.loginWithCode(id, csrf, {
      verification_id: verificationId,
      verification_code: code,
    });
  }

  signUp(id: string, csrf: string, contact: Contact, fields: SignUpFields): Promise<InteractionResult> {
    return this.client.interaction.signUp(id, csrf, { ...contact, ...fields });
  }

  async startProvider(id: string, csrf: string, providerId: string): Promise<string> {
    const { redirect_to } = await this.client.interaction.startProvider(id, csrf, providerId);
    return redirect_to;
  }

  consent(id: string, csrf: string): Promise<InteractionResult> {
    return this.client.interaction.consent(id, csrf);
  }

  deny(id: string, csrf: string): Promise<InteractionResult> {
    return this.client.interaction.deny(id, csrf);
  }

  abort(id: string, csrf: string): Promise<InteractionResult> {
    return this.client.interaction.abort(id, csrf);
  }

  async prepareDevice(): Promise<string> {
    return (await this.client.interaction.prepareDevice()).csrf_token;
  }

  startDevice(csrf: string, userCode: string): Promise<DeviceInteractionView> {
    return this.client.interaction.startDevice(csrf, userCode);
  }

  /** Forgot password, step 1: a PASSWORD_RESET code, for the page's own client. */
  sendResetCode(contact: Contact, locale: string, captcha?: string): Promise<SendCodeResult> {
    return this.client.request<SendCodeResult>('/auth/v1/verification', {
      method: 'POST',
      body: { ...contact, usage: 'PASSWORD_RESET', locale },
      auth: false,
      ...captchaHeader(captcha),
    });
  }

  /** Forgot password, step 2: the code → a single-use verification token (each call is one try). */
  async verifyCode(verificationId: string, code: string): Promise<string> {
    const { verification_token } = await this.client.request<{ verification_token: string }>(
      '/auth/v1/verification/verify',
      { method: 'POST', body: { verification_id: verificationId, verification_code: code }, auth: false },
    );
    return verification_token;
  }

  /**
   * Forgot password, step 3. The server checks the password policy before it redeems the token, so
   * a refused password leaves the token good for the next try.
   */
  async resetPassword(contact: Contact, verificationToken: string, newPassword: string): Promise<void> {
    await this.client.request('/auth/v1/reset', {
      method: 'POST',
      body: { ...contact, new_password: newPassword, verification_token: verificationToken },
      auth: false,
    });
  }

  me(): Promise<UserProfile> {
    return this.client.request<UserProfile>('/auth/v1/user/me', { auth: true });
  }

  async sessions(): Promise<UserSession[]> {
    return (await this.client.request<{ data: UserSession[] }>('/auth/v1/user/sessions', { auth: true }))
      .data;
  }

  /**
   * Ends this browser's login session on the server (`POST /auth/v1/logout`, RP-Initiated Logout):
   * same-origin JSON with the login-session cookie; the ID token goes in the body, never a URL.
   */
  async logout(idToken: string | undefined): Promise<void> {
    await this.client.request('/auth/v1/logout', {
      method: 'POST',
      auth: 'none',
      body: { client_id: this.client.clientId, ...(idToken ? { id_token_hint: idToken } : {}) },
    });
  }

  async endSession(sessionId: string): Promise<void> {
    await this.client.request(`/auth/v1/user/sessions/${encodeURIComponent(sessionId)}`, {
      method: 'DELETE',
      auth: true,
    });
  }
}
