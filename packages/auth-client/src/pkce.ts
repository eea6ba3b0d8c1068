/** Bytes → base64url without padding (RFC 7636 §3, RFC 4648 §5). */
export function base64Url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Random bytes from the platform's CSPRNG (Web Crypto: browsers and Node 20 alike). */
export const randomBytes = (length: number): Uint8Array => crypto.getRandomValues(new Uint8Array(length));

/** The S256 challenge of a verifier: BASE64URL(SHA-256(ASCII(verifier))) (RFC 7636 §4.2). */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** A PKCE pair for the authorization code flow: keep `verifier`, send `challenge`. */
export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/**
 * A fresh verifier (32 random bytes → 43 base64url characters, the RFC's recommendation) and its
 * S256 challenge. `random` is injectable for tests; it must return `n` unpredictable bytes.
 */
export async function createPkce(random: (n: number) => Uint8Array = randomBytes): Promise<Pkce> {
  const verifier = base64Url(random(32));
  return { verifier, challenge: await pkceChallenge(verifier), method: 'S256' };
}
