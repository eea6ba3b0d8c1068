import { expect } from 'vitest';
import type { Sandbox } from '../src/index.js';

export const REDIRECT = 'http://127.0.0.1:3000/callback';

/**
 * Walks an authorize page like a browser: GET shows the picker form, POST submits it with the chosen
 * user, and the 302 goes back to the redirect URI. Returns the callback's query parameters.
 */
export async function walkAuthorizePage(
  sandbox: Sandbox,
  path: string,
  query: Record<string, string>,
  user = 'alice',
  decision: 'allow' | 'deny' = 'allow',
): Promise<URLSearchParams> {
  const search = new URLSearchParams(query);
  const page = await sandbox.app.inject({ method: 'GET', url: `${path}?${search}` });
  expect(page.statusCode, page.body).toBe(200);
  expect(page.headers['content-type']).toContain('text/html');
  expect(page.body).toContain(`value="${user}"`);
  const form = new URLSearchParams(search);
  form.set('user', user);
  form.set('decision', decision);
  const posted = await sandbox.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  });
  expect(posted.statusCode, posted.body).toBe(302);
  const location = new URL(String(posted.headers.location));
  const redirect = query.redirect_uri ?? REDIRECT;
  expect(`${location.origin}${location.pathname}`).toBe(redirect);
  return location.searchParams;
}

/** JSON body of an inject response. */
export function json(response: { json: () => unknown }): Record<string, unknown> {
  return response.json() as Record<string, unknown>;
}
