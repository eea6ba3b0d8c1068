// What users install, not only the source the other tests import: the built error classes keep
// their names (esbuild renames classes that collide unless `keepNames` is set), the main entry
// never loads nodemailer (209 KB of a 220 KB TOTP-only bundle before), the tarball ships `dist`
// only, and each bundle stays inside the budget the README states. The shared checks are in
// test-support/package-output.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  builtPackage,
  expectDistOnly,
  expectNoSourceMaps,
  itStaysWithinBudgets,
  reachableFrom,
  thrownBy,
} from '../../../test-support/package-output.js';

const pkg = builtPackage(new URL('..', import.meta.url));

describe('the built package', () => {
  it('keeps error class names in dist, one OtpError class across both entries', async (context) => {
    pkg.requireDist(context);
    const built = await pkg.load<typeof import('../src/index.js')>('index.js');
    const email = await pkg.load<typeof import('../src/email.js')>('email.js');
    expect(new built.OtpError('OTP_EXPIRED', 'x').name).toBe('OtpError');
    const thrown = thrownBy(() =>
      email.createEmailChannel({ transport: undefined as never, from: 'a@example.com' }),
    );
    expect(thrown).toBeInstanceOf(built.OtpError);
    expect((thrown as Error).name).toBe('OtpError');
    expectNoSourceMaps(pkg);
  });

  it('the main entry does not reference nodemailer; the email entry does', (context) => {
    pkg.requireDist(context);
    const files = reachableFrom(pkg, 'index.js');
    expect(files).toContain('index.js');
    for (const file of files) {
      expect(readFileSync(`${pkg.dist}${file}`, 'utf8'), `dist/${file}`).not.toMatch(/nodemailer/);
    }
    expect(readFileSync(`${pkg.dist}email.js`, 'utf8')).toMatch(/from\s*["']nodemailer["']/);
  });

  it('ships dist only; nodemailer is an optional peer, and no @types are dependencies', () => {
    expectDistOnly(pkg.manifest);
    expect(Object.keys(pkg.manifest.dependencies ?? {})).not.toContain('nodemailer');
    expect(pkg.manifest.peerDependenciesMeta?.nodemailer?.optional).toBe(true);
  });

  it('the source of the main entry never imports the email channel', () => {
    expect(readFileSync(`${pkg.root}src/index.ts`, 'utf8')).not.toMatch(/email-channel|nodemailer/);
  });

  // Minified ESM bundle budgets, in bytes (stated in the README), and what each bundle imports.
  itStaysWithinBudgets(pkg, [
    {
      name: 'TOTP only',
      budget: 16_000,
      contents:
        "export { base32Encode, buildOtpAuthUri, createReplayGuard, generateSecret, hotp, parseOtpAuthUri, totp, verifyHotp, verifyTotp } from './dist/index.js';",
      without: ['nodemailer'],
    },
    { name: '@lingpai/otp, everything', budget: 240_000, contents: "export * from './dist/index.js';" },
    { name: '@lingpai/otp/email', budget: 230_000, contents: "export * from './dist/email.js';" },
  ]);
});
