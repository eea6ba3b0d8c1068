// Every code block of the README is a file in examples/ (its first line names it) that runs to a
// clean exit against `@lingpai/sandbox` and the built packages; test-support/readme-examples.ts says
// why. `tsconfig.json` includes `examples/`, so `pnpm typecheck` type-checks them.
import { describeReadmeExamples } from '../../../test-support/readme-examples.js';

describeReadmeExamples({
  packageDir: new URL('..', import.meta.url),
  runOn: { dist: ['dist/index.js', '../sandbox/dist/index.js', '../auth-core/dist/index.js'] },
  // The smpp entry point needs its optional peer installed beside it.
  peers: { '@lingpai/sms/smpp': ['smpp'] },
});
