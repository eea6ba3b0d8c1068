// What users install, not only the source the other tests import: the built error class keeps its
// name, the tarball ships `dist` only, and each bundle (one provider, or everything) stays inside
// the budget the README states.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist/index.js`;
const missingDist = `dist/ is missing: run \`pnpm --filter @lingpai/oauth-social build\` (CI builds before testing)`;

/** Minified ESM bundle budgets, in bytes (stated in the README), and what each bundle imports. */
const BUNDLES = [
  {
    name: 'WeChat login',
    budget: 24_000,
    contents: "export { parseCallback, SignedOAuthState, WeChat } from './dist/index.js';",
  },
  {
    name: 'Google login (jose)',
    budget: 48_000,
    contents: "export { Google, SignedOAuthState } from './dist/index.js';",
  },
  { name: 'WeChat app token', budget: 32_000, contents: "export { WeChatAppToken } from './dist/index.js';" },
  {
    name: '@lingpai/oauth-social, everything',
    budget: 110_000,
    contents: "export * from './dist/index.js';",
  },
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

describe('the built package', () => {
  it('keeps the error class name in dist', async (context) => {
    if (!existsSync(dist)) context.skip(missingDist);
    const built = (await import(pathToFileURL(dist).href)) as typeof import('../src/index.js');
    expect(new built.OAuthError('OAUTH_CONFIG_ERROR', 'x').name).toBe('OAuthError');
    let thrown: unknown;
    try {
      new built.SignedOAuthState({ secret: '' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(built.OAuthError);
    expect((thrown as Error).name).toBe('OAuthError');
    expect(readdirSync(`${root}dist`).filter((file) => file.endsWith('.map'))).toEqual([]);
  });

  it('ships dist only, with no @types in dependencies', () => {
    const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      files: string[];
      dependencies?: Record<string, string>;
    };
    expect(manifest.files).toEqual(['dist']);
    expect(Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@types/'))).toEqual([]);
  });

  for (const bundle of BUNDLES) {
    it(`bundle "${bundle.name}" stays within ${bundle.budget / 1000} KB minified`, async (context) => {
      if (!existsSync(dist)) context.skip(missingDist);
      const { bytes, byPackage } = await bundleSize(bundle.contents);
      const top = [...byPackage].sort((a, b) => b[1] - a[1]).map(([name, size]) => `${name} ${size}`);
      console.log(`[bundle] ${bundle.name}: ${bytes} bytes (${top.join(', ')})`);
      expect(bytes).toBeLessThanOrEqual(bundle.budget);
    });
  }
});
