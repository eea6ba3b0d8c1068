import type { PageConfig } from './interaction-types.js';

/** A config.json that is not what the server should serve (a typed error, named for the fix). */
export class PageConfigError extends Error {
  readonly code = 'invalid_page_config';
}

/**
 * `/login/config.json` checked: the page refuses to start on a malformed one rather than
 * authorizing the wrong client. Unknown fields are ignored (a newer server may add some).
 */
export function parsePageConfig(body: unknown): PageConfig {
  if (typeof body !== 'object' || body === null) throw new PageConfigError('config.json is not an object');
  const raw = body as Record<string, unknown>;
  const text = (name: string): string => {
    const value = raw[name];
    if (typeof value !== 'string' || value === '') {
      throw new PageConfigError(`config.json: "${name}" must be a non-empty string`);
    }
    return value;
  };
  const origins = raw.wechat_origins;
  if (origins !== undefined && !(Array.isArray(origins) && origins.every((o) => typeof o === 'string'))) {
    throw new PageConfigError('config.json: "wechat_origins" must be an array of origins');
  }
  const config: PageConfig = {
    issuer: text('issuer'),
    client_id: text('client_id'),
    scope: typeof raw.scope === 'string' ? raw.scope : 'openid profile user',
    show_tokens: raw.show_tokens === true,
    cross_tab: raw.cross_tab !== false,
    wechat_origins: (origins as string[] | undefined) ?? [],
  };
  if (typeof raw.env_id === 'string') config.env_id = raw.env_id;
  if (typeof raw.captcha_module === 'string' && raw.captcha_module !== '') {
    config.captcha_module = raw.captcha_module;
  }
  return config;
}
