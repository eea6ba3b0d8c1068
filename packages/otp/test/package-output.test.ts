// What users install, not only the source the other tests import: the built error classes keep
// their names (esbuild renames classes that collide unless `keepNames` is set), the main entry
// never loads nodemailer (209 KB of a 220 KB TOTP-only bundle before), the tarball ships `dist`
// only, and each bundle stays inside the budget the README states.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist/index.js`;
const missingDist = `dist/ is missing: run \`pnpm --filter @lingpai/otp build\` (CI builds before testing)`;

/** Minified ESM bundle budgets, in bytes (stated in the README), and what each bundle imports. */
const BUNDLES = [
  {
    name: 'TOTP only',
    budget: 16_000,
    contents:
      "export { base32Encode, buildOtpAuthUri, createReplayGuard, generateSecret, hotp, parseOtpAuthUri, totp, verifyHotp, verifyTotp } from './dist/index.js';",
  },
  { name: '@lingpai/otp, everything', budget: 240_000, contents: "export * from './dist/index.js';" },
  { name: '@lingpai/otp/email', budget: 230_000, contents: "export * from './dist/email.js';" },
] as const;

/**
 * Bytes of a minified bundle of `contents`, and which packages they come from. Bundles import the
 * built dist, what an app gets: a source bundle hides what the build adds (a `keepNames` build
 * kept every export in a one-function bundle).
 */
export async function bundleSize(
  contents: string,
): Promise<{ bytes: number; byPackage: Map<string, number> }> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  if (output === undefined) throw new Error('esbuild wrote no output');
  const byPackage = new Map<string, number>();
  for (const [file, input] of Object.entries(output.inputs)) {
    const name =
      /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
      `@lingpai/${/packages\/([^/]+)\//.exec(file)?.[1] ?? 'unknown'}`;
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
  }
  return { bytes: output.bytes, byPackage };
}

/** dist/index.js and every chunk it imports, transitively. */
function mainEntryFiles(): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(`${root}dist/${file}`, 'utf8');
    for (const match of text.matchAll(/from\s*["']\.\/([^"']+)["']|import\s*["']\.\/([^"']+)["']/g)) {
      visit(match[1] ?? match[2] ?? '');
    }
  };
  visit('index.js');
  return [...seen];
}

describe('the built package', () => {
  it('keeps error class names in dist, one OtpError class across both entries', async (context) => {
    if (!existsSync(dist)) context.skip(missingDist);
    const built = (await import(pathToFileURL(dist).href)) as typeof import('../src/index.js');
    const email = (await import(
      pathToFileURL(`${root}dist/email.js`).href
    )) as typeof import('../src/email.js');
    expect(new built.OtpError('OTP_EXPIRED', 'x').name).toBe('OtpError');
    let thrown: unknown;
    try {
      email.createEmailChannel({ transport: undefined as never, from: 'a@example.com' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(built.OtpError);
    expect((thrown as Error).name).toBe('OtpError');
    expect(readdirSync(`${root}dist`).filter((file) => file.endsWith('.map'))).toEqual([]);
  });

  it('the main entry does not reference nodemailer; the email entry does', (context) => {
    if (!existsSync(dist)) context.skip(missingDist);
    const files = mainEntryFiles();
    expect(files).toContain('index.js');
    for (const file of files) {
      expect(readFileSync(`${root}dist/${file}`, 'utf8'), `dist/${file}`).not.toMatch(/nodemailer/);
    }
    expect(readFileSync(`${root}dist/email.js`, 'utf8')).toMatch(/from\s*["']nodemailer["']/);
  });

  it('ships dist only; nodemailer is an optional peer, and no @types are dependencies', () => {
    const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      files: string[];
      dependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    expect(manifest.files).toEqual(['dist']);
    expect(Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@types/'))).toEqual([]);
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('nodemailer');
    expect(manifest.peerDependenciesMeta?.nodemailer?.optional).toBe(true);
  });

  it('the source of the main entry never imports the email channel', () => {
    expect(readFileSync(`${root}src/index.ts`, 'utf8')).not.toMatch(/email-channel|nodemailer/);
  });

  for (const bundle of BUNDLES) {
    it(`bundle "${bundle.name}" stays within ${bundle.budget / 1000} KB minified`, async (context) => {
      if (!existsSync(dist)) context.skip(missingDist);
      const { bytes, byPackage } = await bundleSize(bundle.contents);
      const top = [...byPackage].sort((a, b) => b[1] - a[1]).map(([name, size]) => `${name} ${size}`);
      console.log(`[bundle] ${bundle.name}: ${bytes} bytes (${top.join(', ')})`);
      expect(bytes).toBeLessThanOrEqual(bundle.budget);
      if (bundle.name === 'TOTP only') expect(byPackage.has('nodemailer')).toBe(false);
    });
  }
});
