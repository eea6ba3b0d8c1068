// What users install, not only the source the other tests import: the built error class keeps its
// name, the tarball ships `dist` only, and each bundle (one provider, or everything) stays inside
// the budget the README states. The shared checks are in test-support/package-output.ts.
import { describe, expect, it } from 'vitest';
import {
  builtPackage,
  expectDistOnly,
  expectNoSourceMaps,
  itStaysWithinBudgets,
  thrownBy,
} from '../../../test-support/package-output.js';

const pkg = builtPackage(new URL('..', import.meta.url));

describe('the built package', () => {
  it('keeps the error class name in dist', async (context) => {
    pkg.requireDist(context);
    const built = await pkg.load<typeof import('../src/index.js')>('index.js');
    expect(new built.OAuthError('OAUTH_CONFIG_ERROR', 'x').name).toBe('OAuthError');
    const thrown = thrownBy(() => new built.SignedOAuthState({ secret: '' }));
    expect(thrown).toBeInstanceOf(built.OAuthError);
    expect((thrown as Error).name).toBe('OAuthError');
    expectNoSourceMaps(pkg);
  });

  it('ships dist only, with no @types in dependencies', () => {
    expectDistOnly(pkg.manifest);
  });

  // Minified ESM bundle budgets, in bytes (stated in the README), and what each bundle imports.
  itStaysWithinBudgets(pkg, [
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
    {
      name: 'WeChat app token',
      budget: 32_000,
      contents: "export { WeChatAppToken } from './dist/index.js';",
    },
    {
      name: '@lingpai/oauth-social, everything',
      budget: 110_000,
      contents: "export * from './dist/index.js';",
    },
  ]);
});
