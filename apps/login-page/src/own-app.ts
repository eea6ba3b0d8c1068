import { type AuthClient, createPkce } from '@lingpai/auth-client';
import type { PageConfig } from './interaction-types.js';
import { BASE } from './routes.js';

/** Where the page keeps its pending authorize (state + PKCE verifier) between leaving and coming back. */
export const PENDING_KEY = 'lingpai:login-page:pending-authorize';

export interface PendingAuthorize {
  state: string;
  verifier: string;
}

export function callbackUrl(origin: string): string {
  return `${origin}${BASE}/callback`;
}

function randomState(random: (n: number) => Uint8Array): string {
  let text = '';
  for (const byte of random(16)) text += byte.toString(16).padStart(2, '0');
  return text;
}

/**
 * `/login` with no interaction is the page's own app: it signs in like any other client, by a PKCE
 * authorize of `config.client_id` — so the token server's interaction, consent and login session
 * rules apply to it too, and tokens only ever reach it through the code exchange (never a URL).
 * The state and verifier live in sessionStorage: this tab only, gone when it closes.
 */
export async function startOwnAuthorize(
  client: AuthClient,
  config: PageConfig,
  origin: string,
  storage: Storage,
  random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
  /** `login` right after a sign-out: the server's remembered sign-in must not sign the user straight back in. */
  prompt?: 'login',
): Promise<string> {
  const pkce = await createPkce(random);
  const state = randomState(random);
  storage.setItem(PENDING_KEY, JSON.stringify({ state, verifier: pkce.verifier } satisfies PendingAuthorize));
  return client.authorizeUrl({
    redirectUri: callbackUrl(origin),
    scope: config.scope,
    state,
    codeChallenge: pkce.challenge,
    ...(prompt ? { prompt } : {}),
  });
}

/** The pending authorize this callback answers, taken out (single use), if its state matches. */
export function takePending(storage: Storage, state: string | undefined): PendingAuthorize | undefined {
  const raw = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY);
  if (raw === null || state === undefined) return undefined;
  try {
    const pending = JSON.parse(raw) as Partial<PendingAuthorize>;
    if (typeof pending.state !== 'string' || typeof pending.verifier !== 'string') return undefined;
    return pending.state === state ? { state: pending.state, verifier: pending.verifier } : undefined;
  } catch {
    return undefined;
  }
}
