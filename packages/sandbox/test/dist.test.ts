// The built package and its bin, as a fresh install sees them. The bin used to point into `dist`,
// which does not exist when a workspace installs, so pnpm printed "Failed to create bin"; it is now
// a committed file that loads dist/cli.js. Needs a build (CI builds first); skipped, saying so, without.
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { builtPackage, expectNoSourceMaps } from '../../../test-support/package-output.js';

const run = promisify(execFile);
const pkg = builtPackage(new URL('..', import.meta.url), ['index.js', 'cli.js']);
const { root, manifest } = pkg;

describe('the bin', () => {
  it('is a committed file outside dist, executable, and shipped', () => {
    expect(manifest.bin).toEqual({ 'lingpai-sandbox': './bin/lingpai-sandbox.js' });
    const bin = join(root, manifest.bin?.['lingpai-sandbox'] as string);
    expect(readFileSync(bin, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n[\s\S]*from '..\/dist\/cli.js'/);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(manifest.files).toEqual(['bin', 'dist']);
  });
});

describe.skipIf(!pkg.built)(`built dist${pkg.missing}`, () => {
  it('keeps class names (keepNames)', async () => {
    const sandbox = await pkg.load<typeof import('../src/index.js')>('index.js');
    expect(new sandbox.SandboxError('SANDBOX_CONFIG_INVALID', 'x').name).toBe('SandboxError');
    expect(new sandbox.FaultSwitches().constructor.name).toBe('FaultSwitches');
  });

  it('runs: --help exits 0, a bad port exits 2 with the reason', async () => {
    const bin = join(root, 'bin/lingpai-sandbox.js');
    const help = await run(process.execPath, [bin, '--help'], { timeout: 20_000 });
    expect(help.stdout).toMatch(/^Usage: lingpai-sandbox/);
    const bad = await run(process.execPath, [bin, '--port', 'http'], { timeout: 20_000 }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('--port must be a port number') });
  });

  it('ships no source maps', () => {
    expectNoSourceMaps(pkg);
  });
});
