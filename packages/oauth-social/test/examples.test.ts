// Every code block of the README is a file in examples/ (its first line names it) that runs to a
// clean exit: before, README examples used names they never defined, never closed what they opened
// (the process hung), or imported packages their install line did not list.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const FIRST_LINE = /^\/\/ examples\/([a-z0-9-]+\.ts)\n/;

const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({
  lang: lang ?? '',
  body: body ?? '',
}));
const codeBlocks = blocks.filter((block) => block.lang === 'ts' || block.lang === 'typescript');
const files = readdirSync(`${root}examples`).filter((name) => name.endsWith('.ts'));

/** Package names the README tells users to install (`pnpm add [-D] a b c`). */
function installed(): Set<string> {
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

/** The package names a file imports (`@scope/name` of `@scope/name/sub`), without node: and relative ones. */
function imports(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^(?:import|export)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm),
  ].map((match) => match[1] ?? match[2] ?? '');
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
    .map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

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
    // And no example file that the README does not show.
    expect(files.sort()).toEqual(codeBlocks.map((block) => FIRST_LINE.exec(block.body)?.[1]).sort());
  });

  it('the install line lists every package the examples import', () => {
    const listed = installed();
    for (const file of files) {
      for (const name of imports(readFileSync(`${root}examples/${file}`, 'utf8'))) {
        expect(
          listed,
          `examples/${file} imports ${name}, which no install line in the README lists`,
        ).toContain(name);
      }
    }
  });

  for (const file of files) {
    const source = readFileSync(`${root}examples/${file}`, 'utf8');
    const needsRedis = source.includes('REDIS_URL');
    it.skipIf(needsRedis && process.env.REDIS_URL === undefined)(
      `examples/${file} runs to a clean exit${needsRedis ? ' (needs REDIS_URL)' : ''}`,
      async () => {
        const { stderr } = await run(process.execPath, ['--import', 'tsx', `examples/${file}`], {
          cwd: root,
          timeout: 20_000,
          env: {
            ...process.env,
            STATE_SECRET: process.env.STATE_SECRET ?? 'examples-test-state-secret-0123456789abcdef',
            TSX_TSCONFIG_PATH: `${root}test/examples.tsconfig.json`,
          },
        });
        expect(stderr).toBe('');
      },
      30_000,
    );
  }
});
