// The built package, as users install it: the other tests run on source, which would hide a build
// that renames error classes (esbuild turned `SmsError` into `_SmsError` in @lingpai/sms), ships the
// TypeScript source twice (in `src/` and inside the source maps), or defeats tree-shaking (a
// `keepNames` build put all of auth-core into an app that imports one signer). Needs
// `pnpm --filter @lingpai/auth-core build` (CI builds before testing); skipped, saying so, without it.
// The shared checks are in test-support/package-output.ts.
import { describe, expect, it } from 'vitest';
import {
  builtPackage,
  expectNoSourceMaps,
  itStaysWithinBudgets,
  thrownBy,
} from '../../../test-support/package-output.js';

const pkg = builtPackage(new URL('..', import.meta.url));

describe.skipIf(!pkg.built)(`built dist${pkg.missing}`, () => {
  it('keeps every error class name users read and log', async () => {
    const core = await pkg.load<typeof import('../src/index.js')>('index.js');
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
    const thrown = thrownBy(() =>
      core.signTencentTc3(
        { host: 'sms.tencentcloudapi.com', action: 'SendSms', version: '2021-01-11', payload: '{}' },
        { secretId: 'AKID', secretKey: undefined as unknown as string },
      ),
    );
    expect(thrown).toBeInstanceOf(core.SignatureError);
    expect(String(thrown)).toBe(
      'SignatureError: signTencentTc3: `secretKey` is undefined — is TENCENTCLOUD_SECRET_KEY set?',
    );
    const config = thrownBy(() => new core.TokenCache({ key: 'k' } as never));
    expect((config as Error).stack).toMatch(/^ConfigError: TokenCache: `fetchToken` is undefined/);
  });

  it('ships no source maps (they carried the TypeScript source a second time)', () => {
    expectNoSourceMaps(pkg);
  });

  // Minified bundle budgets in bytes: the whole entry point, and an app that imports one signer.
  itStaysWithinBudgets(pkg, [
    {
      name: 'export * from @lingpai/auth-core',
      budget: 60_000,
      contents: `export * from './dist/index.js';`,
    },
    {
      name: 'signTencentTc3 alone',
      budget: 12_000,
      contents: `export { signTencentTc3 } from './dist/index.js';`,
    },
    { name: 'TokenCache alone', budget: 20_000, contents: `export { TokenCache } from './dist/index.js';` },
  ]);
});

describe('the package manifest', () => {
  it('ships dist only, with no @types (or any) production dependencies', () => {
    expect(pkg.manifest.files).toEqual(['dist']);
    expect(Object.keys(pkg.manifest.dependencies ?? {})).toEqual([]);
  });
});
