// Every code block of the README is a file in examples/ (its first line names it) that runs to a
// clean exit, on source (test/examples.tsconfig.json); test-support/readme-examples.ts says why.
// Before, README examples used names they never defined (`appSecret`, `metrics`), never closed what
// they opened, or imported packages their install line did not list (`@lingpai/redis`). The root
// README's "Use it in your app" block is one of these files too, checked the same way.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import {
  blocksOf,
  describeReadmeExamples,
  FIRST_LINE,
  imports,
  installed,
} from '../../../test-support/readme-examples.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describeReadmeExamples(
  {
    packageDir: new URL('..', import.meta.url),
    runOn: 'source',
    // Example credentials: the examples read the variables the vendors' own tools read, and fail
    // naming the variable when it is unset (tested below).
    env: {
      TENCENTCLOUD_SECRET_ID: 'AKIDexampleSecretId',
      TENCENTCLOUD_SECRET_KEY: 'exampleSecretKey',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tExampleAccessKey',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'exampleAccessKeySecret',
    },
  },
  ({ root, runExample }) => {
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
  },
);
