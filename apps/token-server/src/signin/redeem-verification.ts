import type { Services } from '../services.js';
import type { Contact } from './verified-contact.js';

/**
 * Spends a `verification_token` (single use, decided by the verification store: of parallel
 * redemptions exactly one succeeds) and returns the address it proved. Wrong usage, client, a used
 * or expired token → `invalid_verification_token`.
 */
export async function redeemVerification(
  services: Services,
  token: string,
  usages: readonly string[],
  clientId: string,
): Promise<Contact & { usage: string }> {
  const redeemed = await services.verification.redeem(token, { usages, clientId });
  return { kind: redeemed.kind, address: redeemed.address, usage: redeemed.usage };
}
