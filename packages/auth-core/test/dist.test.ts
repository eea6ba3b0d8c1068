// The built package, as users install it: the other tests run on source, which would hide a build
// that renames error classes (esbuild turned `SmsError` into `_SmsError` in @lingpai/sms), ships the
// TypeScript source twice (in `src/` and inside the source maps), or defeats tree-shaking (a
// `keepNames` build put all of auth-core into an app that imports one signer). Needs
// `pnpm --filter @lingpai/auth-core build` (CI builds before testing); skipped, saying so, without it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist', 'index.js');
const built = existsSync(dist);
const missing = built
  ? ''
  : ' — SKIPPED: dist is missing, run `pnpm --filter @lingpai/auth-core build` first';

type AuthCore = typeof import('../src/index.js');

/** Minified bundle budgets in bytes: the whole entry point, and an app that imports one signer. */
const BUDGETS = {
  'export * from @lingpai/auth-core': { contents: `export * from './dist/index.js';`, bytes: 60_000 },
  'signTencentTc3 alone': {
    contents: `export { signTencentTc3 } from './dist/index.js';`,
    bytes: 12_000,
  },
  'TokenCache alone': { contents: `export { TokenCache } from './dist/index.js';`, bytes: 20_000 },
} as const;

async function bundleBytes(contents: string): Promise<number> {
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
  return output.bytes;
}

describe.skipIf(!built)(`built dist${missing}`, () => {
  it('keeps every error class name users read and log', async () => {
    const core = (await import(pathToFileURL(dist).href)) as AuthCore;
    const names: Array<[string, { name: string }]> = [
      ['LingpaiError', new core.LingpaiError('X', 'x')],
      ['HttpError', new core.HttpError('HTTP_TIMEOUT', 'x')],
      ['StoreUnavailableError', new core.StoreUnavailableError('x')],
      ['StoreFullError', new core.StoreFullError('x')],
      ['SignatureError', new core.SignatureError('SIGNATURE_INVALID_INPUT', 'x')],
      ['ApiKeySignatureError', new core.ApiKeySignatureError('SIGNATURE_INVALID', 'x')],
      ['TokenCacheError', new core.TokenCacheError('TOKEN_FETCH_FAILED', 'k', 'x')],
      ['ConfigError', new core.ConfigError('key', 'x')],
    ];
    for (const [name, error] of names) expect(error.name, name).toBe(name);
    let thrown: unknown;
    try {
      core.signTencentTc3(
        { host: 'sms.tencentcloudapi.com', action: 'SendSms', version: '2021-01-11', payload: '{}' },
        { secretId: 'AKID', secretKey: undefined as unknown as string },
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(core.SignatureError);
    expect(String(thrown)).toBe(
      'SignatureError: signTencentTc3: `secretKey` is undefined — is TENCENTCLOUD_SECRET_KEY set?',
    );
    let config: unknown;
    try {
      new core.TokenCache({ key: 'k' } as never);
    } catch (error) {
      config = error;
    }
    expect((config as Error).stack).toMatch(/^ConfigError: TokenCache: `fetchToken` is undefined/);
  });

  it('ships no source maps (they carried the TypeScript source a second time)', () => {
    expect(existsSync(`${dist}.map`)).toBe(false);
    expect(readFileSync(dist, 'utf8')).not.toMatch(/sourceMappingURL/);
  });

  for (const [name, { contents, bytes }] of Object.entries(BUDGETS)) {
    it(`bundle "${name}" stays within ${bytes / 1000} KB minified`, async () => {
      const size = await bundleBytes(contents);
      console.log(`[bundle] @lingpai/auth-core ${name}: ${size} bytes (budget ${bytes})`);
      expect(size).toBeLessThanOrEqual(bytes);
    });
  }
});

describe('the package manifest', () => {
  it('ships dist only, with no @types (or any) production dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      files: string[];
      dependencies?: Record<string, string>;
    };
    expect(manifest.files).toEqual(['dist']);
    expect(Object.keys(manifest.dependencies ?? {})).toEqual([]);
  });
});
