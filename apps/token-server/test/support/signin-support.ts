import { basic, ENV_ID } from './test-app.js';
import type { VerificationFixture } from './verification-fixture.js';

/** The verification caps of the fixture's server, raised: one test file sends many codes from 127.0.0.1. */
export const MANY_SENDS = { cooldownSeconds: 0, limits: { perIp: [{ max: 1_000, windowSeconds: 3_600 }] } };

export type Answer = { statusCode: number; json: Record<string, unknown> };

/** POSTs as the official client does (text/plain JSON, `?client_id=`, a device id). */
export function postAs(
  fixture: VerificationFixture,
  url: string,
  body: Record<string, unknown>,
  options: { device?: string; bearer?: string; basic?: boolean; ip?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'text/plain;charset=UTF-8' };
  if (options.device !== undefined) headers['x-device-id'] = options.device;
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.basic) headers.authorization = basic(ENV_ID, '');
  const query = options.bearer === undefined && !options.basic ? `?client_id=${ENV_ID}` : '';
  return fixture.inject(`${url}${query}`, body, {
    headers,
    ...(options.ip === undefined ? {} : { remoteAddress: options.ip }),
  });
}

/** A refresh at the token endpoint; answers the body. */
export async function refresh(
  fixture: VerificationFixture,
  refreshToken: string,
): Promise<Record<string, unknown>> {
  const answer = await fixture.inject(`/auth/v1/token?client_id=${ENV_ID}`, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_secret: '',
  });
  return answer.json;
}

/** Counts how many of the answers succeeded, and the distinct errors of the rest. */
export function tally(answers: Answer[]): { ok: number; errors: string[] } {
  const errors = new Set<string>();
  let ok = 0;
  for (const answer of answers) {
    if (answer.statusCode === 200) ok++;
    else errors.add(String(answer.json.error));
  }
  return { ok, errors: [...errors].sort() };
}
