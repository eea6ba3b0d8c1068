import type { AuthStorage } from './auth-storage.js';

/** What `navigator.locks` offers that the election uses (Web Locks API). */
interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>;
}

/**
 * Runs `won` in the tab elected to refresh, `lost` in the others — never waiting for a lock.
 *
 * The election is only an optimisation (one request to the server instead of one per tab): the
 * losers wait a bounded time for the winner's broadcast and then refresh themselves, which the
 * server's refresh grace turns into the same answer. So a winner that is frozen or closed
 * mid-refresh delays the others by that bound and blocks nobody — unlike a lock that is *waited
 * for*, whose orphaned holder hung every tab (supabase-js #2111, #2426; removed in PR #2392).
 *
 * Web Locks with `ifAvailable` where they exist; elsewhere a lease in the shared storage
 * (`<owner> <until>`), which a racing pair may both win — harmless, for the same reason.
 */
export async function elect<T>(
  name: string,
  storage: AuthStorage,
  owner: string,
  leaseUntil: number,
  now: number,
  won: () => Promise<T>,
  lost: () => Promise<T>,
): Promise<T> {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  if (locks) {
    let elected = false;
    const result = await locks.request(`lingpai-auth:${name}`, { ifAvailable: true }, async (lock) => {
      if (!lock) return undefined;
      elected = true;
      return won();
    });
    return elected ? (result as T) : lost();
  }
  const key = `${name}:lease`;
  const [holder, until] = String((await storage.get(key)) ?? '').split(' ');
  if (holder && holder !== owner && Number(until) > now) return lost();
  await storage.set(key, `${owner} ${leaseUntil}`);
  // Let every racer write before anyone reads back: the last writer is then the winner for all.
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (!String(await storage.get(key)).startsWith(`${owner} `)) return lost();
  try {
    return await won();
  } finally {
    if (String(await storage.get(key)).startsWith(`${owner} `)) await storage.remove(key);
  }
}
