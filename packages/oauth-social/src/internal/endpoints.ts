import { OAuthError } from '../errors.js';

/**
 * Resolves a platform's hosts. `baseURL` replaces EVERY `https://<host>` of the platform (the sandbox
 * serves all of a platform's hosts under one prefix); `hosts` overrides single hosts after that.
 */
export function resolveHosts<Key extends string>(
  defaults: Record<Key, string>,
  baseURL: string | undefined,
  hosts: Partial<Record<Key, string>> | undefined,
): Record<Key, string> {
  const resolved = {} as Record<Key, string>;
  for (const key of Object.keys(defaults) as Key[]) {
    const chosen = hosts?.[key] ?? baseURL ?? defaults[key];
    resolved[key] = chosen.replace(/\/+$/, '');
  }
  return resolved;
}

export function requireRedirectUri(provider: string, ...candidates: (string | undefined)[]): string {
  for (const candidate of candidates) if (candidate !== undefined && candidate !== '') return candidate;
  throw new OAuthError(
    'OAUTH_CONFIG_ERROR',
    `${provider}: no redirectUri (pass one in the options or the call)`,
    {
      provider,
    },
  );
}
