import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  // No maps: the tarball ships only `dist` (and the bin), and maps with inlined sources doubled it.
  sourcemap: false,
  clean: true,
  treeshake: true,
  // esbuild renames classes that clash with a binding; keep the names users and stack traces see.
  keepNames: true,
});
