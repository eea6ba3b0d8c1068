// Every code block of the README is a file in examples/ (its first line names it) that runs to a
// clean exit, on source (test/examples.tsconfig.json); test-support/readme-examples.ts says why.
import { describeReadmeExamples } from '../../../test-support/readme-examples.js';

describeReadmeExamples({
  packageDir: new URL('..', import.meta.url),
  runOn: 'source',
  skipWithoutRedis: true,
});
