// A package's README examples are real files: each ```ts block opens with a comment line naming its
// file (`// examples/send-with-failover.ts`), and that file holds exactly the block's text. The tests
// this declares check that, check that the README's install lines name every package an example
// imports (strict pnpm fails otherwise), and run every example as a user would
// (`node --import tsx examples/<name>.ts`) to a clean exit: no non-zero code, nothing on stderr,
// within a bound. Before, README examples used names they never defined, never closed what they
// opened (the process hung), or imported packages their install line did not list.
//
// One implementation for every package; what differs between packages is an option:
// - `runOn`: whether the examples' `@lingpai/*` imports load the source or the built dist;
// - `env`: the variables the examples read (example credentials, secrets);
// - `skipWithoutRedis`: examples that mention REDIS_URL are skipped, saying so, without it;
// - `peers`: imports that need a package beside the one named (optional peers of an entry point).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The first line of an example block: `// examples/<file>.ts`, which names its file. */
export const FIRST_LINE = /^\/\/ examples\/([a-z0-9-]+\.ts)\n/;

export interface Block {
  lang: string;
  body: string;
}

/** The fenced code blocks of a Markdown text, with their language tag (`''` when there is none). */
export function blocksOf(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({
    lang: lang ?? '',
    body: body ?? '',
  }));
}

/** The blocks a user would copy as code, each of which must be an example file. */
export function codeBlocksOf(blocks: readonly Block[]): Block[] {
  return blocks.filter((block) => ['ts', 'typescript', 'js'].includes(block.lang));
}

/** Package names the blocks tell users to install (`pnpm add [-D] a b c`, `npm install a`). */
export function installed(blocks: readonly Block[]): Set<string> {
  const names = new Set<string>();
  for (const block of blocks.filter((b) => b.lang === 'sh' || b.lang === 'bash')) {
    for (const line of block.body.split('\n')) {
      const command = /^\s*(?:pnpm add|npm install|npm i)\s+(.*)$/.exec(line.replace(/#.*$/, ''));
      for (const word of command?.[1]?.split(/\s+/) ?? [])
        if (word !== '' && !word.startsWith('-')) names.add(word);
    }
  }
  return names;
}

/** The module specifiers a file imports or re-exports, without node: and relative ones. */
export function importedSpecifiers(source: string): string[] {
  const specifiers = [
    ...source.matchAll(
      /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*\(?\s*['"]([^'"]+)['"]/gm,
    ),
  ].map((match) => match[1] ?? match[2] ?? '');
  return specifiers.filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'));
}

/** The package a specifier names: `@scope/name` of `@scope/name/sub`, `name` of `name/sub`. */
export function packageOf(specifier: string): string {
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

/** The package names a file imports (`@scope/name` of `@scope/name/sub`), without node: and relative ones. */
export function imports(source: string): string[] {
  return importedSpecifiers(source).map(packageOf);
}

export interface ReadmeExamplesOptions {
  /** The package folder, e.g. `new URL('..', import.meta.url)` from its test file. */
  packageDir: URL;
  /**
   * What the examples' `@lingpai/*` imports load. `'source'`: `test/examples.tsconfig.json` maps them
   * to `src` (through TSX_TSCONFIG_PATH), so a stale dist is never what is run. `{ dist: [...] }`:
   * the built packages, as a user gets them; the runs are skipped, saying so, until every listed
   * file (relative to the package folder, e.g. `../auth-core/dist/index.js`) exists.
   */
  runOn: 'source' | { dist: readonly string[] };
  /** Variables the examples read, set over the test process's environment. */
  env?: Readonly<Record<string, string>>;
  /** Skip an example whose source mentions REDIS_URL when REDIS_URL is unset (named "(needs REDIS_URL)"). */
  skipWithoutRedis?: boolean;
  /** Imports that need a package beside the one named, e.g. `{ '@lingpai/sms/smpp': ['smpp'] }`. */
  peers?: Readonly<Record<string, readonly string[]>>;
}

export interface ReadmeExamples {
  /** The package folder, as a path ending in `/`. */
  root: string;
  /** Every fenced block of the README. */
  blocks: Block[];
  /** The example file names (`token-cache.ts`), sorted. */
  files: string[];
  /** Runs `examples/<file>` as the tests do, with exactly `env` as its environment (plus the loader's). */
  runExample(
    file: string,
    env: Readonly<Record<string, string | undefined>>,
  ): Promise<{ stdout: string; stderr: string }>;
}

/** Reads a package's README and examples folder; declares no tests. */
export function readmeExamples(options: ReadmeExamplesOptions): ReadmeExamples {
  const root = fileURLToPath(options.packageDir).replace(/\/?$/, '/');
  const loader =
    options.runOn === 'source' ? { TSX_TSCONFIG_PATH: `${root}test/examples.tsconfig.json` } : {};
  return {
    root,
    blocks: blocksOf(readFileSync(`${root}README.md`, 'utf8')),
    // Every file: one the README does not show is an error, whatever its kind.
    files: readdirSync(`${root}examples`).sort(),
    runExample: (file, env) =>
      run(process.execPath, ['--import', 'tsx', `examples/${file}`], {
        cwd: root,
        timeout: 20_000,
        // NODE_OPTIONS of the test runner is not the user's: the example starts as a plain `node`.
        env: { ...env, NODE_OPTIONS: '', ...loader },
      }),
  };
}

/**
 * Declares `describe('README examples')` for a package: the blocks are the files, the install lines
 * cover the imports, every example runs to a clean exit. `more` adds a package's own tests to the
 * same `describe`.
 */
export function describeReadmeExamples(
  options: ReadmeExamplesOptions,
  more?: (examples: ReadmeExamples) => void,
): void {
  const examples = readmeExamples(options);
  const { root, blocks, files } = examples;
  const codeBlocks = codeBlocksOf(blocks);
  const built =
    options.runOn === 'source' || options.runOn.dist.every((file) => existsSync(`${root}${file}`));
  const notBuilt = built
    ? ''
    : ' — SKIPPED: build first (`pnpm build`); the examples load the built packages';

  describe('README examples', () => {
    it('every TypeScript block names its file on its first line and is byte-identical to it', () => {
      expect(codeBlocks.length).toBeGreaterThan(0);
      for (const block of codeBlocks) {
        const name = FIRST_LINE.exec(block.body)?.[1];
        expect(
          name,
          `a README block does not start with "// examples/<file>.ts":\n${block.body}`,
        ).toBeDefined();
        expect(files, `examples/${name} is missing`).toContain(name);
        expect(block.body, `README block differs from examples/${name}`).toBe(
          readFileSync(`${root}examples/${name}`, 'utf8'),
        );
      }
      // And no example file that the README does not show (nor one it shows twice).
      expect(files).toEqual(codeBlocks.map((block) => FIRST_LINE.exec(block.body)?.[1]).sort());
    });

    it('the install line lists every package the examples import', () => {
      const listed = installed(blocks);
      for (const file of files) {
        const specifiers = importedSpecifiers(readFileSync(`${root}examples/${file}`, 'utf8'));
        for (const name of specifiers.flatMap((s) => [packageOf(s), ...(options.peers?.[s] ?? [])])) {
          expect(
            listed,
            `examples/${file} imports ${name}, which no install line in the README lists`,
          ).toContain(name);
        }
      }
    });

    for (const file of files) {
      const needsRedis =
        options.skipWithoutRedis === true &&
        readFileSync(`${root}examples/${file}`, 'utf8').includes('REDIS_URL');
      it.skipIf(!built || (needsRedis && process.env.REDIS_URL === undefined))(
        `examples/${file} runs to a clean exit${needsRedis ? ' (needs REDIS_URL)' : ''}${notBuilt}`,
        async () => {
          const { stderr } = await examples.runExample(file, { ...process.env, ...options.env });
          expect(stderr).toBe('');
        },
        30_000,
      );
    }

    more?.(examples);
  });
}
