import { takeNetworkBudget } from '../limits/network-budget.js';
import type { Services } from '../services.js';
import { newUserSub, type UserRow } from '../users/user-repository.js';

/** Counts one new anonymous user against its network, before the row is created (`takeNetworkBudget`). */
export async function takeAnonymousSignIn(services: Services, ip: string): Promise<void> {
  const { anonymousSignInsPerIp, anonymousSignInWindow } = services.config.limits;
  await takeNetworkBudget(services, {
    name: 'anon',
    ip,
    perIp: anonymousSignInsPerIp,
    windowSeconds: anonymousSignInWindow,
    refusal: 'too many anonymous sign-ins from this network',
  });
}

/** A new anonymous user: no contact, no password; pruned by the sweeper once idle. */
export async function createAnonymousUser(services: Services): Promise<UserRow> {
  const now = new Date(services.clock.now());
  for (let attempt = 0; ; attempt++) {
    const rows = await services.db.query<UserRow>(
      `INSERT INTO users (sub, is_anonymous, created_at, updated_at, last_seen_at)
       VALUES ($1, true, $2, $2, $2) ON CONFLICT (sub) DO NOTHING RETURNING *`,
      [newUserSub(services.random), now],
    );
    // A sub collision (1 in 9×10^18) draws again.
    if (rows[0]) return rows[0];
    if (attempt >= 2) throw new Error('could not allocate a user id');
  }
}
