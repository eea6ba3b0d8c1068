import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  // Browsers and Node 20 alike: ES2022 keeps `#private` fields, which minifiers can shorten.
  target: 'es2022',
  platform: 'neutral',
  dts: true,
  // No maps: they would carry the whole TypeScript source a second time, and only dist is shipped.
  sourcemap: false,
  // Not `keepNames`: it adds a `__name()` call per function that a bundler cannot drop (see
  // packages/otp/tsup.config.ts). `AuthClientError` sets its `name` itself.
  keepNames: false,
  clean: true,
  treeshake: true,
});
