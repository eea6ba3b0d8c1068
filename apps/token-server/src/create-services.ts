import { MemoryStore, systemClock } from '@lingpai/auth-core';
import type { OtpStore } from '@lingpai/otp';
import { createRedisClient, RedisStore } from '@lingpai/redis';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { GRANT_TYPES } from './clients/client.js';
import { CLIENTS_CHANNEL, ClientRegistry } from './clients/client-registry.js';
import { type ResolvedConfig, resolveConfig, type SeedData, type TokenServerOptions } from './config.js';
import { systemRandom } from './crypto/opaque-token.js';
import { deriveKey } from './crypto/sealing.js';
import { ConfigError } from './errors.js';
import { KEYS_CHANNEL, KeyRing } from './keys/key-ring.js';
import { type LimitStore, PostgresLimitStore } from './limits/limit-store.js';
import { type CaptchaVerifier, PasswordGuard } from './limits/password-guard.js';
import { createRedisRevocationBroadcast } from './limits/redis-revocation-broadcast.js';
import { createLoginPage, registerLoginPageClient } from './login-page/login-page.js';
import { resolveLoginPageOptions } from './login-page/login-page-options.js';
import type { Services } from './services.js';
import { resolveSocialConfig } from './social/social-config.js';
import { SocialLogin } from './social/social-login.js';
import type { Database } from './storage/database.js';
import { ExpiredRowsSweeper } from './storage/expired-rows-sweeper.js';
import { assertNotNewer, loadMigrations, migrate, migrationStatus } from './storage/migrations.js';
import { isDatabase, openDatabase } from './storage/open-database.js';
import { AccessTokenVerifier } from './tokens/access-token-verifier.js';
import { AuditLog } from './tokens/audit-log.js';
import { RevokedSessions } from './tokens/revoked-sessions.js';
import { TokenIssuer } from './tokens/token-issuer.js';
import { createArgon2Hasher, type PasswordHasher } from './users/password-hasher.js';
import { UserRepository } from './users/user-repository.js';
import { foldUsername } from './users/username.js';
import { createVerificationCodes } from './verification/create-verification.js';

export interface ServiceOverrides {
  passwordHasher?: PasswordHasher;
  captchaVerifier?: CaptchaVerifier;
  /** A limit store to use instead of the default (Redis if configured, else PostgreSQL/memory). */
  limitStore?: LimitStore;
  /** A verification code store instead of the default (Redis if configured, else the database). */
  otpStore?: OtpStore;
  /** Where the default login page is looked for, instead of `@lingpai/login-page`'s `loginPageRoot`. */
  defaultLoginPageRoot?: () => Promise<string | undefined>;
}

export interface StartedServices {
  services: Services;
  /** Stops timers and subscriptions and closes what `startServices` opened. */
  stop(): Promise<void>;
}

/** The scopes of the environment's own public client (CloudBase's default app). */
export const ENV_CLIENT_SCOPES = ['user', 'openid', 'profile', 'email', 'phone', 'offline_access'];

/**
 * Opens storage (migrating it), loads keys and builds every service. The environment id's public
 * client is registered if missing, so CloudBase's "client_id defaults to the env id" works at once.
 */
export async function startServices(
  options: TokenServerOptions & ServiceOverrides,
  log: FastifyBaseLogger,
): Promise<StartedServices> {
  const config: ResolvedConfig = resolveConfig(options);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  // Before anything is opened: a wrong platform entry fails the start with its name.
  const social = new SocialLogin(resolveSocialConfig(options.social, { allowLiteralSecrets: true, clock }));
  const pageOptions = await resolveLoginPageOptions(options.loginPage, {
    envId: config.envId,
    ...(options.defaultLoginPageRoot === undefined ? {} : { defaultRoot: options.defaultLoginPageRoot }),
  });
  const loginPage = pageOptions && createLoginPage(pageOptions, social.list());
  if (loginPage && loginPage.root === undefined) {
    log.warn(
      `the login page is not built (${loginPage.expectedRoot ? `no index.html in ${loginPage.expectedRoot}` : '@lingpai/login-page is not installed'}): /login answers 503 until \`pnpm --filter @lingpai/login-page build\` has run; set loginPage: false (LINGPAI_LOGIN_PAGE=off) to serve none`,
    );
  }
  const ownsDatabase = !isDatabase(options.database);
  const db: Database = isDatabase(options.database) ? options.database : await openDatabase(options.database);
  const closers: Array<() => Promise<void>> = [];
  if (ownsDatabase) closers.push(() => db.close());
  try {
    const migrations = loadMigrations();
    if (config.autoMigrate) await migrate(db, new Date(clock.now()), migrations);
    const status = await migrationStatus(db, migrations);
    assertNotNewer(status);
    if (status.pending.length > 0) {
      throw new ConfigError(
        `the database needs migrations ${status.pending.map((m) => m.version).join(', ')}: run \`lingpai-token-server migrate\``,
      );
    }

    let redis: Redis | undefined;
    if (config.redisUrl) {
      if (!/^rediss?:\/\//.test(config.redisUrl))
        throw new ConfigError(`REDIS_URL "${config.redisUrl}" must start with redis:// or rediss://`);
      redis = createRedisClient(config.redisUrl);
      const client = redis;
      closers.push(async () => {
        client.disconnect();
      });
    }
    const limits: LimitStore =
      options.limitStore ??
      (redis
        ? new RedisStore({ client: redis, keyPrefix: '' })
        : db.kind === 'postgres'
          ? new PostgresLimitStore(db, clock)
          : new MemoryStore({ clock }));

    const hasher = options.passwordHasher ?? createArgon2Hasher(config.argon2);
    const hmacKey = deriveKey(config.secret, 'limit keys and codes');
    const keys = new KeyRing({
      db,
      secret: config.secret,
      clock,
      algorithm: config.signingAlgorithm,
      jwksMaxAgeSeconds: config.lifetimes.jwksMaxAge,
      maxTokenLifetimeSeconds: Math.max(
        config.lifetimes.accessToken,
        config.lifetimes.clientCredentials,
        config.lifetimes.idToken,
      ),
    });
    await keys.init();
    const revoked = new RevokedSessions(
      db,
      clock,
      Math.max(config.lifetimes.accessToken, config.lifetimes.idToken),
      redis ? createRedisRevocationBroadcast(redis) : undefined,
    );
    await revoked.start(config.resyncIntervalSeconds);
    closers.unshift(() => revoked.stop());
    const sweeper = new ExpiredRowsSweeper(db, clock, config.lifetimes);
    sweeper.start(600);
    closers.unshift(() => sweeper.stop());

    const clients = new ClientRegistry(db, clock, random);
    const users = new UserRepository(db, clock, random, hasher);
    const issuer = new TokenIssuer({
      db,
      keys,
      clock,
      random,
      issuer: config.issuer,
      audience: config.envId,
      lifetimes: config.lifetimes,
      revoked,
    });
    const verifier = new AccessTokenVerifier({
      keys,
      revoked,
      clock,
      issuer: config.issuer,
      audience: config.envId,
    });
    const audit = new AuditLog(db, clock);
    closers.unshift(() => audit.flush());

    // Other instances changing clients or keys reach us by NOTIFY; a timer is the backstop.
    // After a lost LISTEN connection comes back, drop/re-read everything: NOTIFYs in the gap are gone.
    const unlistenClients = await db.listen(
      CLIENTS_CHANNEL,
      (id) => clients.invalidate(id),
      () => clients.invalidate(),
    );
    const reloadKeys = () => void keys.reload().catch(() => undefined);
    const unlistenKeys = await db.listen(KEYS_CHANNEL, reloadKeys, reloadKeys);
    const keyTimer = setInterval(
      () => void keys.reload().catch(() => undefined),
      config.resyncIntervalSeconds * 1_000,
    );
    keyTimer.unref();
    closers.unshift(async () => {
      clearInterval(keyTimer);
      await unlistenClients();
      await unlistenKeys();
    });

    await clients.add(
      {
        id: config.envId,
        name: config.envId,
        kind: 'public',
        grantTypes: [
          GRANT_TYPES.password,
          GRANT_TYPES.refreshToken,
          GRANT_TYPES.authorizationCode,
          GRANT_TYPES.deviceCode,
        ],
        scopes: ENV_CLIENT_SCOPES,
        defaultScopes: ['user'],
        firstParty: true,
      },
      { upsert: true },
    );

    if (options.seed) await applySeed(options.seed, clients, users, db);
    // After the seed: a config file that registers the page's client itself has the last word.
    if (loginPage) await registerLoginPageClient(clients, loginPage, config.issuer, log);

    const dummyPasswordHash = await hasher.hash(random(24).toString('base64url'));
    const captcha = options.captchaVerifier;
    const verification = createVerificationCodes(options, {
      config,
      db,
      clock,
      audit,
      captcha,
      hmacKey,
      log,
      redis,
      ...(options.otpStore === undefined ? {} : { store: options.otpStore }),
    });
    closers.unshift(() => verification.close());
    const services: Services = {
      config,
      db,
      clock,
      random,
      keys,
      clients,
      users,
      hasher,
      dummyPasswordHash,
      limits,
      passwordGuard: new PasswordGuard(limits, hmacKey, config.limits, clock, captcha),
      captcha,
      issuer,
      verifier,
      revoked,
      sweeper,
      audit,
      social,
      hmacKey,
      log,
      verification,
      loginPage,
    };
    return {
      services,
      async stop() {
        for (const close of closers)
          await close().catch((error: unknown) => log.warn({ err: error }, 'error while stopping'));
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}

/**
 * Registers the config file's clients and users that are missing. Existing registrations are never
 * changed: a client that disagrees refuses the start (ClientRegistry.add), an existing username is
 * kept — so restarting with the same file is a no-op and a password changed since is not reset.
 */
async function applySeed(
  seed: SeedData,
  clients: ClientRegistry,
  users: UserRepository,
  db: Database,
): Promise<void> {
  for (const client of seed.clients ?? []) await clients.add(client);
  const exists = async (username: string) =>
    (await db.query('SELECT 1 FROM users WHERE username = $1', [foldUsername(username)])).length > 0;
  for (const user of seed.users ?? []) {
    if (await exists(user.username)) continue;
    try {
      await users.create(user);
    } catch (error) {
      // Another instance starting with the same file created it first.
      if (!(await exists(user.username))) throw error;
    }
  }
}
