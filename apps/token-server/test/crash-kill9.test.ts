import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test-support/services.js';
import { hashToken } from '../src/crypto/opaque-token.js';
import {
  createFleetDatabase,
  type FleetDatabase,
  type Instance,
  killAllInstances,
  passwordGrant,
  randomSecret,
  refreshGrant,
  startInstance,
} from './support/fleet.js';

/**
 * `kill -9` of a server in the middle of a refresh load, then a restart on the same database. A
 * rotation is one statement, so whatever the kill interrupts either happened entirely or not at all:
 * no token with two children, no family with two live tokens, no token handed out that the database
 * does not hold, and every client's last token either still works (once) or its family is over.
 */
const PASSWORD = 'CrashPass123!@#';
const CLIENTS = 8;
const LOAD_MS = 2_000;

interface Chain {
  username: string;
  deviceId: string;
  /** The last refresh token the server answered with. */
  latest: string;
  /** Every refresh token this client ever received. */
  received: string[];
  rotations: number;
}

describeWithPostgres('kill -9 under a refresh load', (url) => {
  let fdb: FleetDatabase;
  let config: Parameters<typeof startInstance>[1];

  beforeAll(async () => {
    fdb = await createFleetDatabase(url);
    config = { databaseUrl: url, schema: fdb.schema, secret: randomSecret(), poolSize: 10 };
  });

  afterAll(async () => {
    await killAllInstances();
    await fdb?.drop();
  });

  it('leaves no token with two successors and nothing issued that the database does not know', async () => {
    const first: Instance = await startInstance('doomed', config);
    const chains: Chain[] = [];
    for (let index = 0; index < CLIENTS; index++) {
      const username = `crash${index}`;
      await fdb.addUser(username, PASSWORD);
      const deviceId = `crash-device-${index}`;
      const signIn = await passwordGrant(first.url, { username, password: PASSWORD, deviceId });
      expect(signIn.status).toBe(200);
      const token = signIn.body.refresh_token!;
      chains.push({ username, deviceId, latest: token, received: [token], rotations: 0 });
    }

    // Each client rotates its own chain as fast as the server answers, until the server dies.
    let killed = false;
    const loops = chains.map(async (chain) => {
      const deadline = performance.now() + LOAD_MS + 5_000;
      while (performance.now() < deadline) {
        let answer: Awaited<ReturnType<typeof refreshGrant>>;
        try {
          answer = await refreshGrant(first.url, {
            refreshToken: chain.latest,
            deviceId: chain.deviceId,
            timeoutMs: 5_000,
          });
        } catch {
          if (killed) return; // the connection died with the server: this answer never came
          throw new Error('request failed before the kill');
        }
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        chain.latest = answer.body.refresh_token!;
        chain.received.push(chain.latest);
        chain.rotations++;
      }
      throw new Error('the load ran past its deadline');
    });
    await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
    killed = true;
    await first.kill9();
    await Promise.all(loops);
    const rotations = chains.reduce((sum, chain) => sum + chain.rotations, 0);
    expect(rotations).toBeGreaterThan(CLIENTS);

    // The table, straight after the crash.
    const forks = await fdb.db.query<{ parent_hash: string; children: string }>(
      `SELECT parent_hash, count(*) AS children FROM refresh_tokens
       WHERE parent_hash IS NOT NULL GROUP BY parent_hash HAVING count(*) > 1`,
    );
    expect(forks).toEqual([]);
    const twoLive = await fdb.db.query<{ family_id: string }>(
      `SELECT family_id FROM refresh_tokens WHERE consumed_at IS NULL
       GROUP BY family_id HAVING count(*) > 1`,
    );
    expect(twoLive).toEqual([]);
    // A consumed token names exactly the child that exists, and a child exists for it.
    const dangling = await fdb.db.query<{ hash: string }>(
      `SELECT p.hash FROM refresh_tokens p LEFT JOIN refresh_tokens c ON c.hash = p.child_hash
       WHERE p.consumed_at IS NOT NULL AND (c.hash IS NULL OR c.parent_hash <> p.hash)`,
    );
    expect(dangling).toEqual([]);

    // Everything a client was ever given is a row of the table.
    const received = chains.flatMap((chain) => chain.received.map(hashToken));
    const known = await fdb.db.query<{ hash: string }>(
      'SELECT hash FROM refresh_tokens WHERE hash = ANY($1::text[])',
      [received],
    );
    expect(known).toHaveLength(received.length);

    // Restart on the same database; each client presents the last token it holds.
    const second = await startInstance('restarted', config);
    let lostAnswers = 0;
    for (const chain of chains) {
      const state = (
        await fdb.db.query<{ consumed_at: Date | null; revoked_at: Date | null }>(
          `SELECT t.consumed_at, f.revoked_at FROM refresh_tokens t
           JOIN refresh_families f ON f.id = t.family_id WHERE t.hash = $1`,
          [hashToken(chain.latest)],
        )
      )[0]!;
      const answer = await refreshGrant(second.url, { refreshToken: chain.latest, deviceId: chain.deviceId });
      if (state.consumed_at === null && state.revoked_at === null) {
        // Live: it works, once.
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const replay = await refreshGrant(second.url, {
          refreshToken: chain.latest,
          deviceId: chain.deviceId,
        });
        expect(replay.status).toBe(400);
      } else {
        // The kill took the answer of a rotation that committed: the client holds a spent token,
        // presenting it is reuse, and the family is over (no grace for this client).
        lostAnswers++;
        expect(answer.status).toBe(400);
        const family = await fdb.db.query<{ revoked_at: Date | null }>(
          'SELECT f.revoked_at FROM refresh_families f JOIN refresh_tokens t ON t.family_id = f.id WHERE t.hash = $1',
          [hashToken(chain.latest)],
        );
        expect(family[0]?.revoked_at).not.toBeNull();
      }
    }
    expect(lostAnswers).toBeLessThanOrEqual(CLIENTS);
    await second.stop();
  });
});
