import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  // No maps: they would carry the whole TypeScript source a second time, and only dist is shipped.
  sourcemap: false,
  // Error classes keep their names (`error.name` is 'OtpError', not '_OtpError') in the bundle.
  keepNames: true,
  clean: true,
  treeshake: true,
});
