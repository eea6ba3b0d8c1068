// Every code block of the README is a file in examples/ (its first line names it) that runs to a
// clean exit, on source (test/examples.tsconfig.json); test-support/readme-examples.ts says why.
// Here they run against a stand-in server; apps/token-server/test/auth-client runs them against
// the real one.
import { afterAll } from 'vitest';
import { describeReadmeExamples } from '../../../test-support/readme-examples.js';
import { startStandIn } from './stand-in-server.js';

const standIn = await startStandIn();
afterAll(() => standIn.close());

describeReadmeExamples({
  packageDir: new URL('..', import.meta.url),
  runOn: 'source',
  env: { LINGPAI_ISSUER: standIn.url },
});
