import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  // No maps: they would carry the whole TypeScript source a second time, and only dist is shipped.
  sourcemap: false,
  // Not `keepNames`: it adds a top-level `__name(fn, "fn")` call per function, which a bundler
  // cannot drop, so an app importing `totp` alone would bundle every export (12.7 KB -> 232 KB for
  // @lingpai/otp). Class names survive without it (`var OtpError = class extends …` names itself);
  // test/package-output.test.ts checks `error.name` on the built dist.
  keepNames: false,
  clean: true,
  treeshake: true,
});
