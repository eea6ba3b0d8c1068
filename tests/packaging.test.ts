// Packaging is part of the test run so a broken `exports` map, a missing `.d.ts` or a file left out of
// the tarball fails CI instead of the first user's install. Runs on the built `dist` (`pnpm test`
// builds first).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const attw = join(root, 'node_modules/.bin/attw');

interface Manifest {
  name: string;
  private?: boolean;
  type?: string;
  sideEffects?: boolean;
  engines?: { node?: string };
  exports?: Record<string, unknown>;
}

// Published apps (the token server, with its bin) are checked like packages.
const published = ['packages', 'apps']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    return { dir, manifest };
  })
  .filter(({ manifest }) => manifest.private !== true);

describe.each(published)('$manifest.name', ({ dir, manifest }) => {
  it('is ESM only, side-effect free, Node >= 20.19, with types first in exports', () => {
    expect(manifest.name).toMatch(/^@lingpai\//);
    expect(manifest.type).toBe('module');
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.engines?.node).toBe('>=20.19');
    const main = manifest.exports?.['.'] as Record<string, string> | undefined;
    expect(main && Object.keys(main)[0]).toBe('types');
    expect(existsSync(join(dir, 'README.md')), 'every package has a README').toBe(true);
  });

  it('passes publint --strict', async () => {
    // The main export's file (dist/index.js, or a committed index.js naming a built dist/, as
    // @lingpai/login-page has) and dist/ itself.
    const entry =
      (manifest.exports?.['.'] as Record<string, string> | undefined)?.default ?? './dist/index.js';
    expect(
      existsSync(join(dir, 'dist')) && existsSync(join(dir, entry)),
      'dist is missing: run `pnpm build` first',
    ).toBe(true);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const { messages } = await publint({ pkgDir: dir, strict: true, level: 'suggestion' });
    expect(messages.map((message) => formatMessage(message, pkg))).toEqual([]);
  });

  it('resolves its types for ESM consumers (attw, esm-only profile)', async () => {
    const result = await run(attw, ['--pack', '.', '--profile', 'esm-only', '--format', 'json'], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(result.stdout) as { analysis?: { problems?: unknown[] } };
    const problems = (report.analysis?.problems ?? []) as Array<{ kind: string; resolutionKind?: string }>;
    // esm-only: CommonJS `require` resolution problems are expected and ignored.
    const relevant = problems.filter(
      (problem) => problem.resolutionKind !== 'node16-cjs' && problem.resolutionKind !== 'node10',
    );
    expect(relevant).toEqual([]);
  });
});
