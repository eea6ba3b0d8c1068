import { expect } from 'vitest';
import type { TestBrowser } from './interaction-browser.js';

type Response = Awaited<ReturnType<TestBrowser['fetchPost']>>;

/** The login page's calls for the code methods, on one interaction of one browser. */
export class CodePage {
  constructor(
    readonly browser: TestBrowser,
    readonly interaction: string,
    readonly csrf: string,
  ) {}

  path(action: string): string {
    return `/auth/v1/interaction/${this.interaction}/${action}`;
  }

  post(action: string, body: unknown, headers: Record<string, string | undefined> = {}): Promise<Response> {
    return this.browser.fetchPost(this.path(action), body, { 'x-csrf-token': this.csrf, ...headers });
  }

  /** Sends a code; asserts success and returns the answer. */
  async send(
    body: { phone_number?: string; email?: string; usage?: string },
    headers: Record<string, string | undefined> = {},
  ): Promise<{
    verification_id: string;
    expires_in: number;
    is_user?: boolean;
    resend_after_seconds: number;
  }> {
    const sent = await this.post('verification', body, headers);
    expect(sent.statusCode, sent.body).toBe(200);
    return sent.json();
  }

  login(verificationId: string, code: string): Promise<Response> {
    return this.post('login/verification', { verification_id: verificationId, verification_code: code });
  }

  signup(body: Record<string, unknown>): Promise<Response> {
    return this.post('signup', body);
  }
}

/** A code that is certainly not `code` (same length, digits). */
export function wrongCode(code: string): string {
  return code.replace(/\d/g, (digit) => String((Number(digit) + 1) % 10));
}
