import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIFETIMES } from '../src/config.js';
import {
  KNOWN_LINGPAI_VARIABLES,
  LIFETIME_VARIABLES,
  loadEnvConfig,
  parseDuration,
  resolveSecret,
  secretFilePath,
} from '../src/env-config.js';
import { ConfigError } from '../src/errors.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lp-env-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writeConfig(dir: string, body: unknown): string {
  const path = join(dir, 'lingpai.json');
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('defaults: embedded database under ./.lingpai/data, loopback on 8080, the issuer is that listener', () => {
    const config = loadEnvConfig({}, '/srv/app');
    expect(config.dataDir).toBe('/srv/app/.lingpai/data');
    expect(config.database).toEqual({ dataDir: '/srv/app/.lingpai/data' });
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.options.issuer).toBe('http://127.0.0.1:8080');
    expect(config.options.trustProxy).toBe(false);
    expect(config.logLevel).toBe('info');
    expect(config.shutdownTimeoutMs).toBe(10_000);
    expect(config.warnings).toEqual([]);
  });

  it('reads every documented variable', () => {
    const config = loadEnvConfig({
      DATABASE_URL: 'postgres://u@db:5432/auth',
      DATABASE_SCHEMA: 'lingpai',
      REDIS_URL: 'redis://cache:6379',
      PORT: '9000',
      HOST: '0.0.0.0',
      LINGPAI_ISSUER: 'https://auth.example.com',
      LINGPAI_ENV_ID: 'prod-1',
      LINGPAI_SECRET: 's'.repeat(40),
      TRUST_PROXY: '10.0.0.0/8, 192.168.0.1',
      LINGPAI_SIGNING_ALG: 'EdDSA',
      LINGPAI_LOG_LEVEL: 'warn',
      LINGPAI_SHUTDOWN_TIMEOUT: '25',
      LINGPAI_ACCESS_TOKEN_TTL: '15m',
      LINGPAI_REFRESH_TOKEN_TTL: '7d',
    });
    expect(config.database).toEqual({ url: 'postgres://u@db:5432/auth', schema: 'lingpai' });
    expect(config.dataDir).toBeUndefined();
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      logLevel: 'warn',
      shutdownTimeoutMs: 25_000,
    });
    expect(config.options).toMatchObject({
      issuer: 'https://auth.example.com',
      envId: 'prod-1',
      secret: 's'.repeat(40),
      redisUrl: 'redis://cache:6379',
      signingAlgorithm: 'EdDSA',
      trustProxy: ['10.0.0.0/8', '192.168.0.1'],
      lifetimes: { accessToken: 900, refreshToken: 7 * 86_400 },
    });
    expect(config.warnings).toEqual([]);
  });

  it('has one variable per lifetime, all of them known', () => {
    expect(Object.keys(LIFETIME_VARIABLES).sort()).toEqual(Object.keys(DEFAULT_LIFETIMES).sort());
    const env = Object.fromEntries(Object.values(LIFETIME_VARIABLES).map((name) => [name, '42']));
    const config = loadEnvConfig(env);
    expect(config.warnings).toEqual([]);
    for (const key of Object.keys(DEFAULT_LIFETIMES))
      expect(config.options.lifetimes?.[key as keyof typeof DEFAULT_LIFETIMES]).toBe(42);
    for (const name of Object.values(LIFETIME_VARIABLES)) expect(KNOWN_LINGPAI_VARIABLES).toContain(name);
  });

  it('a misspelt LINGPAI_ variable is not silently ignored: the warning names the nearest known one', () => {
    const config = loadEnvConfig({ LINGPAI_ACESS_TOKEN_TTL: '60', LINGPAI_SECRT: 'x', OTHER_VAR: '1' });
    expect(config.warnings).toEqual([
      'unknown variable LINGPAI_ACESS_TOKEN_TTL is ignored (did you mean LINGPAI_ACCESS_TOKEN_TTL?)',
      'unknown variable LINGPAI_SECRT is ignored (did you mean LINGPAI_SECRET?)',
    ]);
  });

  it('an issuer with a path is refused (tokens name an origin)', () => {
    expect(configError(() => loadEnvConfig({ LINGPAI_ISSUER: 'https://auth.example.com/tenant' }))).toMatch(
      /must be an origin with no path.*https:\/\/auth\.example\.com/,
    );
  });

  it('TRUST_PROXY=true is refused: it would trust a client-supplied X-Forwarded-For', () => {
    expect(configError(() => loadEnvConfig({ TRUST_PROXY: 'true' }))).toMatch(
      /hop count or the proxies' CIDRs/,
    );
    expect(loadEnvConfig({ TRUST_PROXY: '2' }).options.trustProxy).toBe(2);
  });

  it('wrong values name the variable and the fix', () => {
    expect(configError(() => loadEnvConfig({ PORT: '80a' }))).toMatch(/^PORT must be a TCP port/);
    expect(configError(() => loadEnvConfig({ PORT: '70000' }))).toMatch(/^PORT/);
    expect(configError(() => loadEnvConfig({ LINGPAI_LOG_LEVEL: 'verbose' }))).toMatch(
      /LINGPAI_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/,
    );
    expect(configError(() => loadEnvConfig({ LINGPAI_SIGNING_ALG: 'HS256' }))).toMatch(
      /LINGPAI_SIGNING_ALG must be one of RS256, ES256, EdDSA/,
    );
    expect(configError(() => loadEnvConfig({ LINGPAI_ID_TOKEN_TTL: '1w' }))).toMatch(
      /^LINGPAI_ID_TOKEN_TTL must be a positive number of seconds/,
    );
    expect(configError(() => loadEnvConfig({ LINGPAI_ID_TOKEN_TTL: '0' }))).toMatch(/LINGPAI_ID_TOKEN_TTL/);
    expect(configError(() => loadEnvConfig({ DATABASE_URL: 'mysql://db' }))).toMatch(/postgres:\/\//);
    expect(
      configError(() => loadEnvConfig({ DATABASE_URL: 'postgres://db/x', DATABASE_SCHEMA: 'Bad-Name' })),
    ).toMatch(/DATABASE_SCHEMA/);
  });

  it('durations take seconds or a unit', () => {
    expect(parseDuration('X', '7200')).toBe(7_200);
    expect(parseDuration('X', '90s')).toBe(90);
    expect(parseDuration('X', '2h')).toBe(7_200);
    expect(parseDuration('X', '31d')).toBe(31 * 86_400);
    expect(() => parseDuration('X', '-5')).toThrow(ConfigError);
    expect(() => parseDuration('X', '1.5h')).toThrow(ConfigError);
  });

  it('says which settings it ignores instead of ignoring them silently', () => {
    expect(loadEnvConfig({ DATABASE_SCHEMA: 'x' }).warnings).toEqual([
      'DATABASE_SCHEMA is ignored without DATABASE_URL (the embedded database has one schema)',
    ]);
    expect(loadEnvConfig({ DATABASE_URL: 'postgres://db/x', LINGPAI_DATA_DIR: '/d' }).warnings[0]).toMatch(
      /LINGPAI_DATA_DIR is ignored/,
    );
    expect(loadEnvConfig({ HOST: '0.0.0.0' }).warnings[0]).toMatch(/LINGPAI_ISSUER is not set/);
  });
});

describe('the LINGPAI_CONFIG file', () => {
  it('seeds clients and users and sets lifetimes, limits, argon2 and the algorithm; variables win', () => {
    const dir = tempDir();
    const path = writeConfig(dir, {
      signingAlgorithm: 'ES256',
      lifetimes: { accessToken: 600, idToken: 300 },
      limits: { passwordFailuresPerUserIp: 3 },
      argon2: { memoryCost: 1024, timeCost: 1 },
      clients: [
        {
          id: 'web',
          kind: 'public',
          grantTypes: ['authorization_code'],
          redirectUris: ['https://app.example.com/cb'],
        },
        { id: 'svc', kind: 'confidential', grantTypes: ['client_credentials'], secretEnv: 'SVC_SECRET' },
      ],
      users: [{ username: 'admin', passwordEnv: 'ADMIN_PASSWORD', groups: ['admins'] }],
    });
    const config = loadEnvConfig(
      {
        LINGPAI_CONFIG: path,
        LINGPAI_ACCESS_TOKEN_TTL: '900',
        SVC_SECRET: 'svc-secret-0123456789',
        ADMIN_PASSWORD: 'correct horse',
      },
      dir,
    );
    expect(config.options.signingAlgorithm).toBe('ES256');
    expect(config.options.lifetimes).toEqual({ accessToken: 900, idToken: 300 });
    expect(config.options.limits).toEqual({ passwordFailuresPerUserIp: 3 });
    expect(config.options.argon2).toEqual({ memoryCost: 1024, timeCost: 1 });
    expect(config.options.seed?.clients).toEqual([
      {
        id: 'web',
        kind: 'public',
        grantTypes: ['authorization_code'],
        redirectUris: ['https://app.example.com/cb'],
      },
      {
        id: 'svc',
        kind: 'confidential',
        grantTypes: ['client_credentials'],
        secret: 'svc-secret-0123456789',
      },
    ]);
    expect(config.options.seed?.users).toEqual([
      { username: 'admin', groups: ['admins'], password: 'correct horse' },
    ]);
    // A relative path resolves against the working directory.
    expect(
      loadEnvConfig({ LINGPAI_CONFIG: 'lingpai.json', SVC_SECRET: 'x'.repeat(20), ADMIN_PASSWORD: 'p' }, dir)
        .options.seed?.clients,
    ).toHaveLength(2);
  });

  it('a misspelt key refuses the start with the nearest known key, instead of keeping a default', () => {
    const dir = tempDir();
    const top = writeConfig(dir, { lifetime: { accessToken: 60 } });
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: top }))).toMatch(
      /unknown key "lifetime".*"lifetimes"/,
    );
    const inner = writeConfig(dir, { lifetimes: { acessToken: 60 } });
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: inner }))).toMatch(
      /"acessToken".*"accessToken"/,
    );
    const field = writeConfig(dir, { clients: [{ id: 'a', kind: 'public', grantType: ['password'] }] });
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: field }))).toMatch(
      /clients\[0\]: unknown field "grantType" \(did you mean "grantTypes"\?\)/,
    );
  });

  it('a confidential client without a secret is refused: a generated one could be shown nowhere', () => {
    const dir = tempDir();
    const path = writeConfig(dir, {
      clients: [{ id: 'svc', kind: 'confidential', grantTypes: ['client_credentials'] }],
    });
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: path }))).toMatch(/secretEnv.*client add/);
    const unset = writeConfig(dir, {
      clients: [{ id: 'svc', kind: 'confidential', grantTypes: ['client_credentials'], secretEnv: 'NOPE' }],
    });
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: unset }))).toMatch(
      /names NOPE, which is not set/,
    );
  });

  it('wrong types, bad JSON, a missing file and bad CIDRs name what to fix', () => {
    const dir = tempDir();
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: join(dir, 'missing.json') }))).toMatch(
      /cannot read .*missing\.json \(ENOENT\)/,
    );
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: writeConfig(dir, '{ nope') }))).toMatch(
      /not valid JSON/,
    );
    const types = writeConfig(dir, { clients: [{ id: 'a', kind: 'public', grantTypes: 'password' }] });
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: types }))).toMatch(
      /grantTypes must be an array of strings/,
    );
    const cidr = writeConfig(dir, {
      clients: [
        {
          id: 'a',
          kind: 'confidential',
          grantTypes: ['client_credentials'],
          secret: 'x'.repeat(20),
          ipAllow: ['10.0.0.0/99'],
        },
      ],
    });
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: cidr }))).toMatch(/bad prefix length/);
    const alg = writeConfig(dir, { signingAlgorithm: 'none' });
    expect(configError(() => loadEnvConfig({ LINGPAI_CONFIG: alg }))).toMatch(
      /signingAlgorithm must be one of/,
    );
  });
});

describe('the at-rest secret', () => {
  it('with DATABASE_URL and no LINGPAI_SECRET the server refuses, saying how to generate one', () => {
    const config = loadEnvConfig({ DATABASE_URL: 'postgres://db/x' });
    expect(configError(() => resolveSecret(config, () => undefined))).toMatch(
      /LINGPAI_SECRET is required with DATABASE_URL.*openssl rand -base64 32/,
    );
  });

  it('embedded: generated beside the data directory with mode 0600 and a warning, then reused', () => {
    const dir = tempDir();
    const config = loadEnvConfig({ LINGPAI_DATA_DIR: join(dir, 'data') });
    const warnings: string[] = [];
    const first = resolveSecret(config, (message) => warnings.push(message));
    const path = secretFilePath(join(dir, 'data'));
    expect(path).toBe(join(dir, 'secret'));
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/LINGPAI_SECRET is not set: generated one into .*secret \(mode 0600\)/);
    const again: string[] = [];
    expect(resolveSecret(config, (message) => again.push(message))).toBe(first);
    expect(again).toEqual([]);
  });

  it('LINGPAI_SECRET wins over the file and writes nothing', () => {
    const dir = tempDir();
    const config = loadEnvConfig({ LINGPAI_DATA_DIR: join(dir, 'data'), LINGPAI_SECRET: 'k'.repeat(32) });
    expect(resolveSecret(config, () => undefined)).toBe('k'.repeat(32));
    expect(() => statSync(join(dir, 'secret'))).toThrow();
  });

  it('a secret file others can read is reported; a short one is refused', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret'), 'z'.repeat(40), { mode: 0o644 });
    const warnings: string[] = [];
    const config = loadEnvConfig({ LINGPAI_DATA_DIR: join(dir, 'data') });
    expect(resolveSecret(config, (message) => warnings.push(message))).toBe('z'.repeat(40));
    expect(warnings[0]).toMatch(/readable by other users.*chmod 600/);
    writeFileSync(join(dir, 'secret'), 'short');
    expect(configError(() => resolveSecret(config, () => undefined))).toMatch(/shorter than 32/);
  });
});
