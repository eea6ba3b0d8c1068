/**
 * What the logs may show of a request. Fastify logs the URL; a query string can carry secrets
 * (callers put tokens there even though we refuse them), so every query value is replaced.
 * Headers are not logged; the redact paths below are a second line for anything that adds them.
 */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question === -1) return url;
  const names = url
    .slice(question + 1)
    .split('&')
    .map((pair) => pair.split('=')[0])
    .filter(Boolean);
  return `${url.slice(0, question)}?${names.map((name) => `${name}=[redacted]`).join('&')}`;
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-captcha-token"]',
  'res.headers["set-cookie"]',
  'req.body',
  '*.password',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
  '*.code_verifier',
  '*.sudo_token',
  '*.new_password',
  '*.old_password',
];
