import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  // No maps: they carried the whole TypeScript source a second time, and only dist is shipped.
  sourcemap: false,
  // Not `keepNames`, although issue 12 asked for it: it adds a top-level `__name(fn, "fn")` call per
  // function, which no bundler can drop, so an app that imports `signTencentTc3` alone bundled all
  // of auth-core (8.5 KB → 79 KB minified, measured). The error classes keep their names without it
  // (`var ConfigError = class extends LingpaiError` names itself, and `LingpaiError` reads
  // `new.target.name`); test/dist.test.ts checks `error.name` on the built dist and the budget.
  keepNames: false,
  clean: true,
  treeshake: true,
});
