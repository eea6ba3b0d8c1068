import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const workspaces = ['packages', 'apps'].flatMap((group) =>
  readdirSync(new URL(`./${group}`, import.meta.url)).map((name) => ({ group, name })),
);

// Tests run on source: `@lingpai/<name>` resolves to packages/<name>/src, so no build is
// needed between an edit and a test run. Child processes spawned by tests use the built dist.
// Only packages/*: an app (`@lingpai/login-page`, a built page) resolves through node_modules.
const packageNames = workspaces.filter(({ group }) => group === 'packages').map(({ name }) => name);
const alias = [
  {
    find: new RegExp(`^@lingpai/(${packageNames.join('|')})$`),
    replacement: `${root}packages/$1/src/index.ts`,
  },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      ...workspaces.map(({ group, name }) => ({
        extends: true as const,
        test: {
          name,
          root: `${group}/${name}`,
          include: ['test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      })),
      {
        extends: true as const,
        test: { name: 'repo', root: 'tests', include: ['**/*.test.ts'], testTimeout: 120_000 },
      },
    ],
  },
});
