// What users install, not only the source the other tests import: the built error classes keep
// their names (esbuild renames classes unless `keepNames` is set, so `error.name` read `_RedisConfigError`),
// the tarball ships `dist` only, and each entry point stays inside the bundle budget the README states.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist/index.js`;
const missingDist = `dist/ is missing: run \`pnpm --filter @lingpai/redis build\` (CI builds before testing)`;

/** Minified ESM bundle budgets per entry point, in bytes (stated in the README). */
const BUDGETS = { '.': 180_000 } as const;
const ENTRIES: Record<keyof typeof BUDGETS, string> = { '.': 'dist/index.js' };

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

describe('the built package', () => {
  it('keeps error class names in dist (regression: esbuild renamed them)', async (context) => {
    if (!existsSync(dist)) context.skip(missingDist);
    const built = (await import(pathToFileURL(dist).href)) as typeof import('../src/index.js');
    expect(new built.RedisConfigError('x').name).toBe('RedisConfigError');
    expect(new built.RedisCommandError('x').name).toBe('RedisCommandError');
    // Built without source maps: the tarball does not carry the TypeScript source a second time.
    expect(existsSync(`${dist}.map`)).toBe(false);
  });

  it('ships dist only, with no @types in dependencies', () => {
    const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      files: string[];
      dependencies?: Record<string, string>;
    };
    expect(manifest.files).toEqual(['dist']);
    expect(Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@types/'))).toEqual([]);
  });

  for (const [entry, budget] of Object.entries(BUDGETS)) {
    it(`entry "${entry}" bundles within ${budget / 1000} KB minified`, async (context) => {
      if (!existsSync(dist)) context.skip(missingDist);
      const { bytes, byPackage } = await bundleSize(
        `export * from './${ENTRIES[entry as keyof typeof BUDGETS]}';`,
      );
      const top = [...byPackage].sort((a, b) => b[1] - a[1]).map(([name, size]) => `${name} ${size}`);
      console.log(`[bundle] @lingpai/redis "${entry}": ${bytes} bytes (${top.join(', ')})`);
      expect(bytes).toBeLessThanOrEqual(budget);
    });
  }
});
