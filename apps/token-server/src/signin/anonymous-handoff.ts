import type { Services } from '../services.js';

/**
 * An anonymous user tried to sign up with a phone, email or platform identity that is already
 * `targetSub`'s. Nothing is merged; `targetSub`'s next sign-in on the same client and device
 * (within `lifetimes.anonymousHandoff`) answers `anonymous_sub` once (issueSignIn), so the app can
 * move the anonymous user's data itself. Keyed by device, not by the anonymous Bearer token,
 * because the official client sends no credentials on `signin` — and only the owner of
 * `targetSub`, proving it by signing in, ever sees it.
 */
export async function recordAnonymousHandoff(
  services: Services,
  handoff: { anonymousSub: string; targetSub: string; clientId: string; deviceId: string },
): Promise<void> {
  if (handoff.deviceId === '' || handoff.anonymousSub === handoff.targetSub) return;
  const now = services.clock.now();
  await services.db.query(
    `INSERT INTO anonymous_handoffs (anonymous_sub, target_sub, client_id, device_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (anonymous_sub) DO UPDATE SET target_sub = $2, client_id = $3, device_id = $4,
       created_at = $5, expires_at = $6`,
    [
      handoff.anonymousSub,
      handoff.targetSub,
      handoff.clientId,
      handoff.deviceId,
      new Date(now),
      new Date(now + services.config.lifetimes.anonymousHandoff * 1_000),
    ],
  );
}
