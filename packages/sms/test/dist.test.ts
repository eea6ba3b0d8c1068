// The built package, as users install it: tests elsewhere run on source, which hid that esbuild
// renamed `SmsError` to `_SmsError` and that an Aliyun-only bundle carried 481 KB of SMPP. Needs
// `pnpm --filter @lingpai/sms build` (CI builds before testing); skipped, saying so, without dist.
// The shared checks are in test-support/package-output.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  builtPackage,
  expectDistOnly,
  expectNoSourceMaps,
  itStaysWithinBudgets,
  reachableFrom,
  thrownBy,
} from '../../../test-support/package-output.js';

const pkg = builtPackage(new URL('..', import.meta.url), ['index.js', 'smpp.js']);

type SmsModule = typeof import('../src/index.js');
type SmppModule = typeof import('../src/smpp.js');

describe.skipIf(!pkg.built)(`built dist${pkg.missing}`, () => {
  it('keeps the error class names users read (SmsError was _SmsError)', async () => {
    const sms = await pkg.load<SmsModule>('index.js');
    expect(new sms.SmsError('SMS_TIMEOUT', 'x').name).toBe('SmsError');
    expect(new sms.DeliveryReportError('DLR_MALFORMED', 'x').name).toBe('DeliveryReportError');
    const thrown = thrownBy(() => sms.createAliyunProvider({} as never));
    expect(thrown).toBeInstanceOf(sms.SmsError);
    expect(String(thrown)).toMatch(/^SmsError: aliyun: `accessKeyId` is undefined/);
    expect((thrown as Error).stack).toMatch(/^SmsError: /);
  });

  it('the SMPP entry shares the main entry’s SmsError (one class, so instanceof works across both)', async () => {
    const sms = await pkg.load<SmsModule>('index.js');
    const smpp = await pkg.load<SmppModule>('smpp.js');
    const thrown = thrownBy(() =>
      smpp.createSmppProvider({ url: 'http://x', systemId: 'a', password: 'b', sourceAddr: 'c' }),
    );
    expect(thrown).toBeInstanceOf(sms.SmsError);
    expect((thrown as Error).name).toBe('SmsError');
  });

  it('the main entry never imports smpp, directly or through a chunk', () => {
    const files = reachableFrom(pkg, 'index.js');
    for (const file of files) {
      expect(readFileSync(`${pkg.dist}${file}`, 'utf8'), `dist/${file} references smpp`).not.toMatch(
        /(?:from|import)\s*\(?\s*["']smpp["']/,
      );
    }
    expect(files.length).toBeGreaterThan(1); // the shared chunk was followed
    expect(readFileSync(`${pkg.dist}smpp.js`, 'utf8')).toMatch(/from\s*["']smpp["']/);
  });

  it('ships no source maps (they inlined the TypeScript source) and no src/', () => {
    expectDistOnly(pkg.manifest);
    expectNoSourceMaps(pkg);
    expect(pkg.manifest.dependencies?.smpp).toBeUndefined();
    expect(pkg.manifest.peerDependencies?.smpp).toBeDefined();
    expect(pkg.manifest.peerDependenciesMeta?.smpp?.optional).toBe(true);
  });
});

// What an app's bundler adds for a given import: the whole bundle, and lingpai's own code in it
// (auth-core + sms). Budgets are stated in the README's "Bundle size" section; change both together.
// The main entry never pulls in smpp or its dependencies.
const SMPP = ['smpp', 'iconv-lite', 'safer-buffer'];

describe('bundle size per entry point', () => {
  itStaysWithinBudgets(pkg, [
    {
      name: 'Aliyun only',
      contents: "export { createAliyunProvider, SmsSender } from '@lingpai/sms';",
      budget: 240_000,
      own: 40_000,
      without: SMPP,
    },
    {
      name: 'Tencent only',
      contents: "export { createTencentProvider, SmsSender } from '@lingpai/sms';",
      budget: 240_000,
      own: 40_000,
      without: SMPP,
    },
    {
      name: 'memory provider (tests)',
      contents: "export { createMemoryProvider, SmsSender } from '@lingpai/sms';",
      budget: 225_000,
      own: 26_000,
      without: SMPP,
    },
    {
      name: 'the whole main entry',
      contents: "export * from '@lingpai/sms';",
      budget: 300_000,
      own: 100_000,
      without: SMPP,
    },
    {
      name: '@lingpai/sms/smpp',
      contents: "export * from '@lingpai/sms/smpp';",
      budget: 560_000,
      own: 20_000,
    },
  ]);
});
