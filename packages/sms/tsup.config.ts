import { defineConfig } from 'tsup';

export default defineConfig({
  // `smpp` is its own entry so the main one never loads the `smpp` package (an optional peer).
  entry: ['src/index.ts', 'src/smpp.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  // No maps: the tarball ships only `dist`, and maps with inlined sources doubled its size.
  sourcemap: false,
  clean: true,
  treeshake: true,
  // Not `keepNames`: its `__name(…)` calls are side effects to the bundler of an app, which then
  // keeps every provider (an Aliyun-only bundle grew from 229 KB to 285 KB). The error classes
  // set their `name` themselves instead; test/dist.test.ts checks both on the built output.
  keepNames: false,
});
