// What users install, not only the source the other tests import. The package tests run on source,
// which hid builds that renamed error classes (esbuild turned `SmsError` into `_SmsError`), shipped the
// TypeScript source a second time inside source maps, or defeated tree-shaking (a `keepNames` build
// put all of auth-core into an app that imports one signer; an Aliyun-only SMS bundle carried 481 KB
// of SMPP). These are the checks every package's dist test shares; what a package's dist must
// contain (its error classes, its entry points) stays in its own test.
//
// The built dist comes from `pnpm --filter @lingpai/<name> build` (CI builds before testing); without
// it the tests that need it are skipped, saying which command to run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { expect, it, type TestContext } from 'vitest';

/** The fields of package.json the dist tests read. */
export interface Manifest {
  name: string;
  files?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface BuiltPackage {
  /** The package folder, ending in `/`. */
  root: string;
  /** Its `dist/` folder, ending in `/`. */
  dist: string;
  manifest: Manifest;
  /** Whether every entry file given to `builtPackage` exists. */
  built: boolean;
  /** `''` when built, else ` — SKIPPED: <how to build>`, to append to a `describe.skipIf(!built)` name. */
  missing: string;
  /** Skips the running test, saying how to build, when dist is missing. */
  requireDist(context: TestContext): void;
  /** Imports `dist/<file>`: the built module, as an app loads it. */
  load<Module>(file: string): Promise<Module>;
}

/** The built package in `packageDir` (`new URL('..', import.meta.url)` from its test file). */
export function builtPackage(packageDir: URL, entries: readonly string[] = ['index.js']): BuiltPackage {
  const root = fileURLToPath(packageDir).replace(/\/?$/, '/');
  const dist = `${root}dist/`;
  const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Manifest;
  const built = entries.every((file) => existsSync(`${dist}${file}`));
  const reason = `dist/ is missing: run \`pnpm --filter ${manifest.name} build\` (CI builds before testing)`;
  return {
    root,
    dist,
    manifest,
    built,
    missing: built ? '' : ` — SKIPPED: ${reason}`,
    requireDist(context) {
      if (!built) context.skip(reason);
    },
    load: async <Module>(file: string) => (await import(pathToFileURL(`${dist}${file}`).href)) as Module,
  };
}

/** What `fn` throws (undefined when it returns): for checking a built error's class and name. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Ships `dist` only, and no `@types/*` as a production dependency (every install would get them). */
export function expectDistOnly(manifest: Manifest): void {
  expect(manifest.files).toEqual(['dist']);
  expect(Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@types/'))).toEqual([]);
}

/** No source maps in dist: neither map files nor a `sourceMappingURL` (they carried the TypeScript source). */
export function expectNoSourceMaps(pkg: BuiltPackage): void {
  const files = readdirSync(pkg.dist);
  expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
  for (const file of files.filter((name) => name.endsWith('.js'))) {
    expect(readFileSync(`${pkg.dist}${file}`, 'utf8'), `dist/${file}`).not.toMatch(/sourceMappingURL/);
  }
}

/**
 * The dist files an entry loads: itself and every chunk it imports (statically or with `import()`),
 * transitively. An entry that must never load an optional peer is checked over all of them.
 */
export function reachableFrom(pkg: BuiltPackage, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(`${pkg.dist}${file}`, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*["']\.\/([^"']+)["']/g)) {
      visit(match[1] as string);
    }
  };
  visit(entry);
  return [...seen];
}

export interface BundleSize {
  /** Bytes of the minified bundle. */
  bytes: number;
  /** Bytes each package adds (`@lingpai/<name>` for the workspace's own), largest first. */
  byPackage: Map<string, number>;
  /** Bytes from the workspace's own code (not from node_modules). */
  own: number;
}

/**
 * The minified bundle (esbuild, ESM, node20) of `contents` as an app's bundler makes it, resolved
 * from the package folder. Bundles import the built dist, what an app gets: a source bundle hides
 * what the build adds (a `keepNames` build kept every export in a one-function bundle).
 */
export async function bundleSize(pkg: BuiltPackage, contents: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents, resolveDir: pkg.root, loader: 'ts', sourcefile: 'entry.ts' },
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
  let own = 0;
  for (const [file, input] of Object.entries(output.inputs)) {
    const name =
      /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
      `@lingpai/${/packages\/([^/]+)\//.exec(file)?.[1] ?? 'unknown'}`;
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    if (!file.includes('node_modules')) own += input.bytesInOutput;
  }
  return { bytes: output.bytes, byPackage: new Map([...byPackage].sort((a, b) => b[1] - a[1])), own };
}

export interface BundleBudget {
  /** Names the test: `bundle "<name>" stays within N KB minified`. */
  name: string;
  /** What the app imports, e.g. `export { WeChat } from './dist/index.js';`. */
  contents: string;
  /** Most bytes of the whole minified bundle (stated in the README; change both together). */
  budget: number;
  /** Most bytes of the workspace's own code in it (`@lingpai/*`), when the README states that too. */
  own?: number;
  /** Packages that must add nothing: an optional peer this import must not load. */
  without?: readonly string[];
}

/** Declares one test per budget (skipped, saying so, without dist) and logs what each bundle holds. */
export function itStaysWithinBudgets(pkg: BuiltPackage, budgets: readonly BundleBudget[]): void {
  for (const bundle of budgets) {
    it(`bundle "${bundle.name}" stays within ${bundle.budget / 1000} KB minified`, async (context) => {
      pkg.requireDist(context);
      const { bytes, byPackage, own } = await bundleSize(pkg, bundle.contents);
      const top = [...byPackage].map(([name, size]) => `${name} ${size}`);
      console.log(`[bundle] ${bundle.name}: ${bytes} bytes, own ${own} (${top.join(', ')})`);
      expect(bytes).toBeLessThanOrEqual(bundle.budget);
      if (bundle.own !== undefined) expect(own, 'bytes of lingpai code').toBeLessThanOrEqual(bundle.own);
      for (const name of bundle.without ?? []) {
        expect(byPackage.get(name) ?? 0, `the bundle pulled in ${name}`).toBe(0);
      }
    });
  }
}
