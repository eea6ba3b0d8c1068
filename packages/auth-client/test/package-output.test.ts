// What users install: the built dist. The browser build must stay within 6 KB gzip (the README says
// so): bundled as an app's bundler would (esbuild, minified, platform browser, ESM), then gzipped.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { builtPackage, expectDistOnly, expectNoSourceMaps } from '../../../test-support/package-output.js';

const pkg = builtPackage(new URL('..', import.meta.url));
const BUDGET_GZIP = 6_144;

describe('the built package', () => {
  it(`the browser bundle of everything stays within ${BUDGET_GZIP} bytes gzip`, async (context) => {
    pkg.requireDist(context);
    const result = await build({
      entryPoints: [`${pkg.dist}index.js`],
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles[0]!.contents;
    const gzip = gzipSync(bytes, { level: 9 }).length;
    console.log(`[bundle] @lingpai/auth-client (browser): ${bytes.length} bytes minified, ${gzip} gzip`);
    expect(gzip).toBeLessThanOrEqual(BUDGET_GZIP);
    // Nothing of Node's in a browser build.
    expect(new TextDecoder().decode(bytes)).not.toMatch(/from\s*["']node:/);
  });

  it('has no dependencies of any kind, and ships dist only', () => {
    expectDistOnly(pkg.manifest);
    expect(pkg.manifest.dependencies ?? {}).toEqual({});
    expect(pkg.manifest.peerDependencies ?? {}).toEqual({});
  });

  it('keeps the error class name in dist, and no source maps', async (context) => {
    pkg.requireDist(context);
    const built = await pkg.load<typeof import('../src/index.js')>('index.js');
    const error = new built.AuthClientError('invalid_grant', {
      status: 400,
      details: { error: 'invalid_grant' },
    });
    expect(error.name).toBe('AuthClientError');
    expect(error).toBeInstanceOf(Error);
    expect(Object.keys(error)).not.toContain('details');
    expectNoSourceMaps(pkg);
  });

  it('its types compile in a Node project without the DOM lib', async (context) => {
    pkg.requireDist(context);
    const dir = mkdtempSync(join(tmpdir(), 'auth-client-types-'));
    try {
      const repo = join(pkg.root, '../..');
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            lib: ['es2022'],
            types: ['node'],
            typeRoots: [join(repo, 'node_modules/@types')],
            module: 'nodenext',
            strict: true,
            skipLibCheck: false,
            noEmit: true,
          },
          files: [`${pkg.dist}index.d.ts`],
        }),
      );
      const run = promisify(execFile);
      const result = await run(join(repo, 'node_modules/.bin/tsc'), ['-p', dir]).catch(
        (error: { stdout?: string }) => ({ stdout: error.stdout ?? 'tsc failed' }),
      );
      expect(result.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
