// README examples are real files: each ```ts block in README.md opens with a comment line naming
// its file (`// examples/in-tests.ts`), and that file holds exactly the block's text. The
// test runs every example as a user would (`node --import tsx examples/<name>.ts`, against
// `@lingpai/sandbox` and the built packages), requires a clean exit within a bound, and checks that
// the README's `pnpm add` lines name every package an example imports (strict pnpm fails
// otherwise). `tsconfig.json` includes `examples/`, so `pnpm typecheck` type-checks them.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
/** Imports that need a package beside the one named (optional peers of an entry point). */
const PEERS: Readonly<Record<string, readonly string[]>> = {};
/** Built output the examples load (the packages resolve to their dist). */
const DIST = ['dist/index.js', '../auth-core/dist/index.js'];

const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({
  lang: match[1] as string,
  body: match[2] as string,
}));
const examples = blocks
  .filter((block) => block.lang === 'ts' || block.lang === 'js')
  .map((block) => ({ file: /^\/\/ (examples\/[a-z0-9-]+\.ts)\n/.exec(block.body)?.[1], body: block.body }));
const installed = new Set(
  blocks
    .filter((block) => block.lang === 'sh')
    .flatMap((block) => block.body.split('\n'))
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.startsWith('pnpm add '))
    .flatMap((line) => line.split(/\s+/).slice(2))
    .filter((word) => !word.startsWith('-')),
);

function importedSpecifiers(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?(?:from\s*)?['"]([^'"]+)['"]/gm)].map(
    (match) => match[1] as string,
  );
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

describe('README examples', () => {
  it('every code block is marked with its file and identical to it', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      expect(
        example.file,
        `a README block lacks its "// examples/<name>.ts" first line:\n${example.body}`,
      ).toBeDefined();
      const path = join(root, example.file as string);
      expect(existsSync(path), `${example.file} does not exist`).toBe(true);
      expect(example.body, `README block differs from ${example.file}`).toBe(readFileSync(path, 'utf8'));
    }
  });

  it('every example file is shown in the README', () => {
    const shown = new Set(examples.map((example) => example.file));
    const files = readdirSync(join(root, 'examples')).map((name) => `examples/${name}`);
    expect(files.filter((file) => !shown.has(file))).toEqual([]);
  });

  it("the README's install lines name every package an example imports", () => {
    for (const example of examples) {
      const needed = importedSpecifiers(example.body)
        .filter((specifier) => !specifier.startsWith('node:') && !specifier.startsWith('.'))
        .flatMap((specifier) => [packageOf(specifier), ...(PEERS[specifier] ?? [])]);
      expect(
        needed.filter((name) => !installed.has(name)),
        `${example.file} imports packages no "pnpm add" line installs`,
      ).toEqual([]);
    }
  });
});

const built = DIST.every((file) => existsSync(join(root, file)));
const missing = built ? '' : ' — SKIPPED: build first (`pnpm build`); examples load the built packages';

describe.skipIf(!built)(`README examples run to a clean exit${missing}`, () => {
  it.each(examples.map((example) => example.file as string))('%s', async (file) => {
    const result = await run(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    }).catch((error: { code?: number; signal?: string; stdout?: string; stderr?: string }) => error);
    const failure =
      'code' in result || 'signal' in result ? (result as { stderr?: string }).stderr : undefined;
    expect(failure, `${file} did not exit 0`).toBeUndefined();
  });
});
