import { systemClock } from '@lingpai/auth-core';
import { resolveConfig } from '../config.js';
import { resolveSecret } from '../env-config.js';
import { ConfigError } from '../errors.js';
import { KeyRing } from '../keys/key-ring.js';
import type { Database } from '../storage/database.js';
import {
  BIN,
  type CliIo,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  parseCommand,
  say,
  table,
  UsageError,
  warn,
} from './cli-io.js';
import { loadConfig, withStorage } from './open-storage.js';

export const KEYS_HELP = `Usage: ${BIN} keys <rotate|list> [options]

  keys rotate [--revoke KID]   add the next signing key, or withdraw a compromised one
  keys list [--json]           list signing keys and their state

Run \`${BIN} keys <command> --help\` for details.
`;

export const KEYS_ROTATE_HELP = `Usage: ${BIN} keys rotate [--revoke KID]

Without --revoke: adds the next signing key. It is published in the JWKS at once and signs only after
the JWKS cache lifetime (LINGPAI_JWKS_MAX_AGE), so every verifier has it before the first token it
signs; the key it supersedes stays published for the longest token lifetime.

With --revoke KID: withdraws that key at once (a compromise). It no longer signs or verifies and leaves
the JWKS; tokens it signed stop verifying here. If it was the signing key, a new one signs immediately
(verifiers that cached the JWKS may refuse those tokens until they fetch it again).

Needs LINGPAI_SECRET (the keys are sealed under it). Running servers pick the change up by NOTIFY
(PostgreSQL) or their periodic reload.
`;

export const KEYS_LIST_HELP = `Usage: ${BIN} keys list [--json]

Lists the signing keys: kid, algorithm, state (signing, upcoming, published, retired, revoked), and
when each was created, becomes active and was revoked. Private keys are never printed.
`;

type KeyState = 'signing' | 'upcoming' | 'published' | 'retired' | 'revoked';

async function openKeyRing(io: CliIo, db: Database, config: ReturnType<typeof loadConfig>): Promise<KeyRing> {
  const resolved = resolveConfig({ ...config.options, secret: resolveSecret(config, (m) => warn(io, m)) });
  const keys = new KeyRing({
    db,
    secret: resolved.secret,
    clock: systemClock,
    algorithm: resolved.signingAlgorithm,
    jwksMaxAgeSeconds: resolved.lifetimes.jwksMaxAge,
    maxTokenLifetimeSeconds: Math.max(
      resolved.lifetimes.accessToken,
      resolved.lifetimes.clientCredentials,
      resolved.lifetimes.idToken,
    ),
  });
  try {
    await keys.init();
  } catch (error) {
    // AES-GCM refusing to open a sealed key means the secret is not the one the keys were sealed under.
    if (error instanceof Error && /unable to authenticate data/i.test(error.message)) {
      throw new ConfigError(
        'the signing keys in the database cannot be opened with this LINGPAI_SECRET: set the secret they were sealed under',
      );
    }
    throw error;
  }
  return keys;
}

function states(keys: KeyRing): Map<string, KeyState> {
  const now = systemClock.now();
  let signing: string | undefined;
  try {
    signing = keys.current().kid;
  } catch {
    signing = undefined;
  }
  const published = new Set(keys.jwks().keys.map((key) => key.kid));
  const result = new Map<string, KeyState>();
  for (const key of keys.list()) {
    result.set(
      key.kid,
      key.revokedAt !== undefined
        ? 'revoked'
        : key.kid === signing
          ? 'signing'
          : key.activatesAt > now
            ? 'upcoming'
            : published.has(key.kid)
              ? 'published'
              : 'retired',
    );
  }
  return result;
}

async function rotate(io: CliIo, args: string[]): Promise<number> {
  const parsed = parseCommand(io, 'keys rotate', KEYS_ROTATE_HELP, args, { revoke: { type: 'string' } });
  if (!parsed) return EXIT_OK;
  const kid = parsed.values.revoke;
  if (kid === '') throw new UsageError('--revoke needs the kid to revoke (see `keys list`)');
  const config = loadConfig(io);
  return withStorage(io, config, 'keys rotate', true, async (db) => {
    const keys = await openKeyRing(io, db, config);
    if (kid !== undefined) {
      if (!(await keys.revoke(kid))) {
        io.stderr.write(`${BIN}: error: no unrevoked key ${kid} (see \`${BIN} keys list\`)\n`);
        return EXIT_FAILURE;
      }
      say(io, `revoked key ${kid}; signing now with ${keys.current().kid}`);
      return EXIT_OK;
    }
    const next = await keys.rotate();
    say(io, `added key ${next.kid}; it signs from ${next.activatesAt.toISOString()}`);
    return EXIT_OK;
  });
}

async function list(io: CliIo, args: string[]): Promise<number> {
  const parsed = parseCommand(io, 'keys list', KEYS_LIST_HELP, args, { json: { type: 'boolean' } });
  if (!parsed) return EXIT_OK;
  const config = loadConfig(io);
  return withStorage(io, config, 'keys list', true, async (db) => {
    const keys = await openKeyRing(io, db, config);
    const state = states(keys);
    const rows = keys.list().map((key) => ({
      kid: key.kid,
      alg: key.alg,
      state: state.get(key.kid) ?? 'retired',
      createdAt: new Date(key.createdAt).toISOString(),
      activatesAt: new Date(key.activatesAt).toISOString(),
      ...(key.revokedAt === undefined ? {} : { revokedAt: new Date(key.revokedAt).toISOString() }),
    }));
    if (parsed.values.json) {
      say(io, JSON.stringify(rows));
      return EXIT_OK;
    }
    say(
      io,
      table(
        ['KID', 'ALG', 'STATE', 'ACTIVATES', 'REVOKED'],
        rows.map((row) => [row.kid, row.alg, row.state, row.activatesAt, row.revokedAt ?? '']),
      ),
    );
    return EXIT_OK;
  });
}

export async function keysCommand(io: CliIo, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'rotate') return rotate(io, rest);
  if (sub === 'list') return list(io, rest);
  if (sub === undefined) {
    io.stderr.write(KEYS_HELP);
    return EXIT_USAGE;
  }
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(KEYS_HELP);
    return EXIT_OK;
  }
  throw new UsageError(`unknown command "keys ${sub}" (see \`${BIN} keys --help\`)`);
}
