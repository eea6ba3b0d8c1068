// Every code block of the README is a file in examples/ (its first line names it) that runs to a
// clean exit: before, README examples used names they never defined (`appSecret`, `metrics`), never
// closed what they opened, or imported packages their install line did not list (`@lingpai/redis`).
// The root README's "Use it in your app" block is one of these files too, checked the same way.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const FIRST_LINE = /^\/\/ examples\/([a-z0-9-]+\.ts)\n/;

interface Block {
  lang: string;
  body: string;
}

function blocksOf(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({
    lang: lang ?? '',
    body: body ?? '',
  }));
}

const readme = blocksOf(readFileSync(`${root}README.md`, 'utf8'));
const codeBlocks = readme.filter((block) => block.lang === 'ts' || block.lang === 'typescript');
const files = readdirSync(`${root}examples`).filter((name) => name.endsWith('.ts'));

/** Package names a README tells users to install (`pnpm add [-D] a b c`). */
function installed(blocks: Block[]): Set<string> {
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

// Example credentials for the child processes: the examples read the variables the vendors' own
// tools read, and fail naming the variable when it is unset (tested below).
const exampleEnv = {
  TENCENTCLOUD_SECRET_ID: 'AKIDexampleSecretId',
  TENCENTCLOUD_SECRET_KEY: 'exampleSecretKey',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tExampleAccessKey',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'exampleAccessKeySecret',
};

function runExample(file: string, env: Record<string, string | undefined>) {
  return run(process.execPath, ['--import', 'tsx', `examples/${file}`], {
    cwd: root,
    timeout: 20_000,
    // @lingpai/auth-core resolves to src (test/examples.tsconfig.json), so a stale dist is never run.
    env: { ...env, TSX_TSCONFIG_PATH: `${root}test/examples.tsconfig.json` },
  });
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
    const listed = installed(readme);
    for (const file of files) {
      for (const name of imports(readFileSync(`${root}examples/${file}`, 'utf8'))) {
        expect(
          listed,
          `examples/${file} imports ${name}, which no install line in the README lists`,
        ).toContain(name);
      }
    }
  });

  it('the root README "Use it in your app" block is an auth-core example, verbatim, with its install line', () => {
    const rootReadme = readFileSync(`${repoRoot}README.md`, 'utf8');
    const section = /^## Use it in your app\n([\s\S]*?)(?=^## )/m.exec(rootReadme)?.[1];
    expect(section, 'the root README has no "## Use it in your app" section').toBeDefined();
    const blocks = blocksOf(section ?? '');
    const example = blocks.find((block) => block.lang === 'ts');
    const name = FIRST_LINE.exec(example?.body ?? '')?.[1];
    expect(name, 'its TypeScript block does not start with "// examples/<file>.ts"').toBeDefined();
    expect(example?.body).toBe(readFileSync(`${root}examples/${name}`, 'utf8'));
    expect(example?.body.split('\n').length).toBeLessThanOrEqual(13); // a short quick start
    const listed = installed(blocks);
    for (const imported of imports(example?.body ?? '')) expect(listed).toContain(imported);
  });

  for (const file of files) {
    it(`examples/${file} runs to a clean exit`, async () => {
      const { stderr } = await runExample(file, { ...process.env, ...exampleEnv });
      expect(stderr).toBe('');
    }, 30_000);
  }

  it('examples/sign-tencent-sms.ts with the variables unset says which one to set', async () => {
    const env: Record<string, string | undefined> = { ...process.env };
    delete env['TENCENTCLOUD_SECRET_ID'];
    delete env['TENCENTCLOUD_SECRET_KEY'];
    const failed = await runExample('sign-tencent-sms.ts', env).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failed?.stderr).toMatch(
      /SignatureError: signTencentTc3: `secretId` is undefined — is TENCENTCLOUD_SECRET_ID set\?/,
    );
  }, 30_000);
});
