// What users install, not only the source the other tests import: the built error classes keep
// their names (esbuild renames classes unless `keepNames` is set, so `error.name` read `_RedisConfigError`),
// the tarball ships `dist` only, and each entry point stays inside the bundle budget the README states.
// The shared checks are in test-support/package-output.ts.
import { describe, expect, it } from 'vitest';
import {
  builtPackage,
  expectDistOnly,
  expectNoSourceMaps,
  itStaysWithinBudgets,
} from '../../../test-support/package-output.js';

const pkg = builtPackage(new URL('..', import.meta.url));

describe('the built package', () => {
  it('keeps error class names in dist (regression: esbuild renamed them)', async (context) => {
    pkg.requireDist(context);
    const built = await pkg.load<typeof import('../src/index.js')>('index.js');
    expect(new built.RedisConfigError('x').name).toBe('RedisConfigError');
    expect(new built.RedisCommandError('x').name).toBe('RedisCommandError');
    // Built without source maps: the tarball does not carry the TypeScript source a second time.
    expectNoSourceMaps(pkg);
  });

  it('ships dist only, with no @types in dependencies', () => {
    expectDistOnly(pkg.manifest);
  });

  // Minified ESM bundle budget per entry point, in bytes (stated in the README).
  itStaysWithinBudgets(pkg, [
    { name: '@lingpai/redis, everything', budget: 180_000, contents: "export * from './dist/index.js';" },
  ]);
});
