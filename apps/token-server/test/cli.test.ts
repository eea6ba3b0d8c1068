import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/crypto/opaque-token.js';
import { loadMigrations } from '../src/storage/migrations.js';
import { type CliBackend, pgliteBackend, postgresBackend, runCli } from './support/cli-support.js';

// Heavy (PGlite on disk, argon2): generous bounds on this shared 2-core machine.
const SLOW = 120_000;

describe('command line: usage', () => {
  it('--help works for the bin and every command, exit 0', async () => {
    for (const argv of [
      ['--help'],
      ['serve', '--help'],
      ['migrate', '--help'],
      ['client', '--help'],
      ['client', 'add', '--help'],
      ['client', 'list', '-h'],
      ['client', 'remove', '--help'],
      ['user', '--help'],
      ['user', 'add', '--help'],
      ['keys', '--help'],
      ['keys', 'rotate', '--help'],
      ['keys', 'list', '--help'],
    ]) {
      const result = await runCli(argv, {});
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.stdout, argv.join(' ')).toMatch(/^Usage: lingpai-token-server /);
      expect(result.stderr).toBe('');
    }
  });

  it('a wrong command line exits 2 with one line naming the fix, before touching any database', async () => {
    // No LINGPAI_DATA_DIR / DATABASE_URL at all: none of these gets far enough to open one.
    const cases: Array<[string[], RegExp]> = [
      [['bogus'], /unknown command "bogus" \(see `lingpai-token-server --help`\)/],
      // Inherited members of the command table are not commands.
      [['toString'], /unknown command "toString"/],
      [['constructor'], /unknown command "constructor"/],
      [['client', 'frob'], /unknown command "client frob"/],
      [['client', 'add', '--idd', 'x'], /Unknown option '--idd'.*client add --help/],
      [
        ['client', 'add', '--id', 'x', '--type', 'secret', '--grant', 'password'],
        /--type must be public or confidential/,
      ],
      [['client', 'add', '--type', 'public', '--grant', 'password'], /--id is required/],
      [['client', 'add', '--id', 'x', '--type', 'public'], /--grant is required/],
      [
        ['client', 'add', '--id', 'x', '--type', 'public', '--grant', 'pasword'],
        /unknown grant type "pasword"/,
      ],
      [
        [
          'client',
          'add',
          '--id',
          'x',
          '--type',
          'public',
          '--grant',
          'authorization_code',
          '--redirect-uri',
          'http://evil.example/cb',
        ],
        /must be https/,
      ],
      [
        [
          'client',
          'add',
          '--id',
          'x',
          '--type',
          'confidential',
          '--grant',
          'client_credentials',
          '--refresh-grace',
          'soon',
        ],
        /--refresh-grace must be a whole number/,
      ],
      [
        [
          'client',
          'add',
          '--id',
          'x',
          '--type',
          'confidential',
          '--grant',
          'client_credentials',
          '--ip-allow',
          '10.0.0.0/40',
        ],
        /bad prefix length/,
      ],
      [['client', 'remove'], /--id is required/],
      [['user', 'add', '--username', 'a'], /a password is needed: --password-stdin/],
      [['user', 'add', '--username', 'a', '--password', 'x', '--password-stdin'], /not both/],
      [['keys', 'rotate', 'now'], /unexpected argument "now"/],
      [['migrate', '--force'], /Unknown option '--force'/],
    ];
    for (const [argv, message] of cases) {
      const result = await runCli(argv, { LINGPAI_DATA_DIR: '/nonexistent/never-created' });
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toMatch(message);
      expect(result.stderr.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(result.stderr).toMatch(/^lingpai-token-server: error: /);
    }
    expect((await runCli([], {})).code).toBe(2);
    expect((await runCli(['client'], {})).code).toBe(2);
  });
});

describe('command line: runtime failures', () => {
  it('an unreachable PostgreSQL is one line with the cause, exit 1, without hanging', async () => {
    const result = await runCli(['client', 'list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^lingpai-token-server: error: the database is unavailable \(connect ECONNREFUSED 127\.0\.0\.1:1\)\n$/,
    );
  });

  it('a bad environment is one line naming the variable, exit 1', async () => {
    const result = await runCli(['migrate'], {
      LINGPAI_ISSUER: 'https://auth.example.com/v1',
      LINGPAI_DATA_DIR: '/nonexistent/x',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^lingpai-token-server: error: LINGPAI_ISSUER "https:\/\/auth\.example\.com\/v1" must be an origin/,
    );
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

function backendsForCli(): Array<[string, () => Promise<CliBackend>]> {
  const list: Array<[string, () => Promise<CliBackend>]> = [['pglite', async () => pgliteBackend()]];
  const url = process.env.DATABASE_URL;
  if (url) list.push(['postgres', () => postgresBackend(url)]);
  return list;
}

describe.each(backendsForCli())('command line against %s', (_name, open) => {
  let backend: CliBackend;
  beforeAll(async () => {
    backend = await open();
  }, SLOW);
  afterAll(async () => backend?.cleanup());
  const cli = (argv: string[], stdin?: string) =>
    runCli(argv, backend.env, stdin === undefined ? {} : { stdin });

  it(
    'migrate prints each migration it applied, once; a second run applies nothing',
    async () => {
      const first = await cli(['migrate']);
      expect(first.code, first.stderr).toBe(0);
      const versions = loadMigrations().map((migration) => `${migration.version}_${migration.name}`);
      for (const version of versions) expect(first.stdout).toContain(`applied ${version}\n`);
      const second = await cli(['migrate']);
      expect(second.code).toBe(0);
      expect(second.stdout).not.toContain('applied ');
      expect(second.stdout).toContain(`nothing to apply: the schema is at ${versions.at(-1)!.slice(0, 14)}`);
      const status = await cli(['migrate', '--status']);
      expect(status.stdout.trim().split('\n')).toHaveLength(versions.length);
    },
    SLOW,
  );

  it(
    'client add prints a confidential secret once; client list never shows it or its hash',
    async () => {
      const added = await cli([
        'client',
        'add',
        '--id',
        'billing',
        '--name',
        'Billing job',
        '--type',
        'confidential',
        '--grant',
        'client_credentials',
        '--scope',
        'admin',
        '--scope',
        'reports',
        '--ip-allow',
        '10.0.0.0/8',
        '--rate-limit',
        '600',
      ]);
      expect(added.code, added.stderr).toBe(0);
      const secret = /client_secret: (\S+)/.exec(added.stdout)?.[1];
      expect(secret).toMatch(/^lps_[A-Za-z0-9_-]{43}$/);
      expect(added.stderr).toMatch(/warning: the client secret above is shown only this once/);

      const again = await cli([
        'client',
        'add',
        '--id',
        'billing',
        '--type',
        'confidential',
        '--grant',
        'client_credentials',
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(
        /client billing is already registered; `lingpai-token-server client remove --id billing` first/,
      );
      expect(again.stdout).not.toContain('client_secret');

      const web = await cli([
        'client',
        'add',
        '--id',
        'web',
        '--type',
        'public',
        '--grant',
        'authorization_code',
        '--grant',
        'refresh_token',
        '--scope',
        'openid',
        '--default-scope',
        'openid',
        '--redirect-uri',
        'https://app.example.com/cb',
        '--logout-uri',
        'https://app.example.com/bye',
        '--cors-origin',
        'https://app.example.com',
        '--refresh-grace',
        '10',
        '--first-party',
        '--json',
      ]);
      expect(web.code, web.stderr).toBe(0);
      expect(JSON.parse(web.stdout)).toMatchObject({
        id: 'web',
        type: 'public',
        firstParty: true,
        refreshGraceSeconds: 10,
      });
      expect(web.stderr).not.toContain('shown only this once');

      for (const argv of [
        ['client', 'list'],
        ['client', 'list', '--json'],
      ]) {
        const listed = await cli(argv);
        expect(listed.code).toBe(0);
        expect(listed.stdout).toContain('billing');
        expect(listed.stdout).toContain('web');
        expect(listed.stdout).not.toContain(secret!);
        expect(listed.stdout).not.toContain(hashToken(secret!));
        expect(listed.stdout).not.toMatch(/secret/i);
      }
      const json = JSON.parse((await cli(['client', 'list', '--json'])).stdout) as Array<
        Record<string, unknown>
      >;
      expect(json.find((client) => client.id === 'billing')).toEqual({
        id: 'billing',
        name: 'Billing job',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['admin', 'reports'],
        defaultScopes: [],
        redirectUris: [],
        logoutUris: [],
        corsOrigins: [],
        refreshGraceSeconds: 0,
        firstParty: false,
        ipAllow: ['10.0.0.0/8'],
        rateLimitPerMinute: 600,
        serviceAccountSub: 'service:billing',
      });

      const removed = await cli(['client', 'remove', '--id', 'web']);
      expect(removed.code).toBe(0);
      const missing = await cli(['client', 'remove', '--id', 'web']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/no client web/);
    },
    SLOW,
  );

  it(
    'user add takes the password from stdin, prints the sub, and refuses a duplicate username',
    async () => {
      const added = await cli(
        [
          'user',
          'add',
          '--username',
          'ZhangSan',
          '--password-stdin',
          '--email',
          'z@example.com',
          '--group',
          'staff',
        ],
        'DemoPass123!@#\n',
      );
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toMatch(/^created user ZhangSan with sub \d{19}\n$/);
      expect(added.stdout + added.stderr).not.toContain('DemoPass123');
      // Usernames compare case-folded: the same person cannot be created twice by changing case.
      const duplicate = await cli(['user', 'add', '--username', 'zhangsan', '--password-stdin'], 'other');
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toMatch(/already exists/);
      const onArgv = await cli(['user', 'add', '--username', 'lisi', '--password', 'Secret-on-argv-1']);
      expect(onArgv.code).toBe(0);
      expect(onArgv.stderr).toMatch(/prefer --password-stdin/);
    },
    SLOW,
  );

  it(
    'keys rotate adds an upcoming key; --revoke withdraws the signing key and a new one signs at once',
    async () => {
      const before = JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as Array<{
        kid: string;
        state: string;
      }>;
      expect(before.filter((key) => key.state === 'signing')).toHaveLength(1);
      const signing = before.find((key) => key.state === 'signing')!.kid;

      const rotated = await cli(['keys', 'rotate']);
      expect(rotated.code, rotated.stderr).toBe(0);
      const next = /added key (\S+); it signs from (\S+)/.exec(rotated.stdout);
      expect(next).not.toBeNull();
      // It waits for the JWKS cache lifetime (300 s by default) before it signs.
      expect(Date.parse(next![2]!) - Date.now()).toBeGreaterThan(250_000);
      const afterRotate = JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as Array<{
        kid: string;
        state: string;
      }>;
      expect(afterRotate.find((key) => key.kid === next![1])?.state).toBe('upcoming');
      expect(afterRotate.find((key) => key.kid === signing)?.state).toBe('signing');

      const revoked = await cli(['keys', 'rotate', '--revoke', signing]);
      expect(revoked.code, revoked.stderr).toBe(0);
      const replacement = /signing now with (\S+)/.exec(revoked.stdout)?.[1];
      expect(replacement).toBeDefined();
      expect(replacement).not.toBe(signing);
      const listed = await cli(['keys', 'list']);
      expect(listed.stdout).toMatch(new RegExp(`${signing}\\s+RS256\\s+revoked`));
      expect(listed.stdout).toMatch(new RegExp(`${replacement}\\s+RS256\\s+signing`));
      expect(listed.stdout).not.toMatch(/PRIVATE KEY/);

      const unknown = await cli(['keys', 'rotate', '--revoke', 'no-such-kid']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no unrevoked key no-such-kid/);
    },
    SLOW,
  );

  it(
    'a different LINGPAI_SECRET cannot open the sealed keys, and says so in one line',
    async () => {
      const result = await runCli(['keys', 'list'], { ...backend.env, LINGPAI_SECRET: 'w'.repeat(40) });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'lingpai-token-server: error: the signing keys in the database cannot be opened with this LINGPAI_SECRET: set the secret they were sealed under\n',
      );
    },
    SLOW,
  );
});
