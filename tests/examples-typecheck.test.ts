// README examples are what a user copies first, into a project whose tsconfig is not ours. Each
// package's own typecheck sees its examples only under the repo's NodeNext settings; here every
// examples file is compiled the way a user's project would compile it — once as a Node project
// (`module: nodenext`) and once as a bundler project (`moduleResolution: bundler`) — against the
// BUILT packages: `@lingpai/*` resolves through the workspace node_modules links to each package
// folder, whose `exports` name dist/*.d.ts, exactly as an installed package does. Runs on dist
// (`pnpm test` builds first).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules/.bin/tsc');

interface Manifest {
  name: string;
  exports?: Record<string, string | { types?: string; default?: string }>;
}

const packages = readdirSync(join(root, 'packages')).map((name) => {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
  return { name, dir, manifest };
});

const examples = packages.flatMap(({ dir }) => {
  const folder = join(dir, 'examples');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
});

// Every `types` file a package's exports map names: what a user's compiler opens.
const publishedTypes = packages.flatMap(({ dir, manifest }) =>
  Object.values(manifest.exports ?? {}).flatMap((target) =>
    typeof target === 'object' && target.types ? [join(dir, target.types)] : [],
  ),
);

// Strict as a new project from `tsc --init` is, and with skipLibCheck off so our dist .d.ts files
// are checked under each setting too (an import in a .d.ts that only one resolution mode finds is
// an error here, not a silent `any`). exactOptionalPropertyTypes stays at its default.
const common = {
  target: 'es2022',
  types: ['node'],
  strict: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  moduleDetection: 'force',
  noUncheckedSideEffectImports: true,
  skipLibCheck: false,
  noEmit: true,
};

const settings = [
  { label: 'module nodenext (a Node project)', compilerOptions: { module: 'nodenext' } },
  {
    label: 'moduleResolution bundler, module esnext',
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
  },
  {
    label: 'moduleResolution bundler, module preserve',
    compilerOptions: { module: 'preserve', moduleResolution: 'bundler' },
  },
];

const buildFirst = 'dist is missing: run `pnpm build` first (`pnpm test` builds before vitest)';

let workdir = '';

beforeAll(() => {
  // Inside the repo, so `types: ['node']` and the workspace links resolve as in a user's project.
  workdir = mkdtempSync(join(root, 'tests', '.tmp-examples-typecheck-'));
});

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('README examples type-check against the built packages', () => {
  it('every package has examples, and its published types are built', () => {
    const withExamples = new Set(
      examples.map((file) => relative(join(root, 'packages'), file).split('/')[0]),
    );
    expect([...withExamples].sort()).toEqual(packages.map(({ name }) => name).sort());
    const missing = publishedTypes.filter((file) => !existsSync(file)).map((file) => relative(root, file));
    expect(missing, buildFirst).toEqual([]);
  });

  it.each(settings)('under $label', async ({ label, compilerOptions }) => {
    expect(
      publishedTypes.filter((file) => !existsSync(file)),
      buildFirst,
    ).toEqual([]);
    const project = join(workdir, `${label.replace(/[^a-zA-Z]+/g, '-')}.json`);
    const config = {
      compilerOptions: { ...common, ...compilerOptions },
      files: examples.map((file) => relative(workdir, file)),
    };
    writeFileSync(project, JSON.stringify(config, null, 2));
    const result = await run(tsc, ['--noEmit', '-p', project], {
      cwd: root,
      timeout: 90_000,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      () => ({ code: 0, output: '' }),
      (error: { code?: number | string; killed?: boolean; stdout?: string; stderr?: string }) => ({
        code: error.killed ? 'timeout' : (error.code ?? 'unknown'),
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    );
    expect(result.output, `tsc -p under ${label}`).toBe('');
    expect(result.code).toBe(0);
  });
});
