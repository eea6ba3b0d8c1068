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
  // esbuild renames classes that clash with a binding (`SmsError` became `_SmsError`); users
  // read `error.name`.
  keepNames: true,
});
