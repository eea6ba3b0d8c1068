import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll } from 'vitest';

export const REDIRECT_URI = 'http://127.0.0.1:7999/callback';

/** Starts one sandbox per test file and returns accessors. */
export function useSandbox(): { sandbox: () => Sandbox; url: () => string } {
  let sandbox: Sandbox | undefined;
  let url = '';
  beforeAll(async () => {
    sandbox = await createSandbox();
    url = await sandbox.listen();
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  return {
    sandbox: () => {
      if (sandbox === undefined) throw new Error('sandbox not started');
      return sandbox;
    },
    url: () => url,
  };
}

function decodeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&');
}

/**
 * Plays the user at the sandbox's authorize page: loads the picker, submits its form (every hidden
 * field, the chosen user, allow/deny) and returns the callback URL the platform redirected to.
 */
export async function consent(
  authorizeUrl: URL | string,
  user: string,
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${html.slice(0, 300)}`);
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form on the authorize page: ${html.slice(0, 300)}`);
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    form.append(decodeHtml(match[1] ?? ''), decodeHtml(match[2] ?? ''));
  }
  form.set('user', user);
  form.set('decision', decision);
  const submitted = await fetch(new URL(decodeHtml(action), authorizeUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const location = submitted.headers.get('location');
  if (submitted.status !== 302 || location === null) {
    throw new Error(`consent answered ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`);
  }
  return new URL(location);
}
