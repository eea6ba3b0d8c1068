// The built package, as users install it: tests elsewhere run on source, which hid that esbuild
// renamed `SmsError` to `_SmsError` and that an Aliyun-only bundle carried 481 KB of SMPP. Needs
// `pnpm --filter @lingpai/sms build` (CI builds before testing); skipped, saying so, without dist.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const built = existsSync(join(dist, 'index.js')) && existsSync(join(dist, 'smpp.js'));
const missing = built ? '' : ' — SKIPPED: dist is missing, run `pnpm --filter @lingpai/sms build` first';

type SmsModule = typeof import('../src/index.js');
type SmppModule = typeof import('../src/smpp.js');

describe.skipIf(!built)(`built dist${missing}`, () => {
  it('keeps the error class names users read (SmsError was _SmsError)', async () => {
    const sms = (await import(pathToFileURL(join(dist, 'index.js')).href)) as SmsModule;
    expect(new sms.SmsError('SMS_TIMEOUT', 'x').name).toBe('SmsError');
    expect(new sms.DeliveryReportError('DLR_MALFORMED', 'x').name).toBe('DeliveryReportError');
    let thrown: unknown;
    try {
      sms.createAliyunProvider({} as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(sms.SmsError);
    expect(String(thrown)).toMatch(/^SmsError: aliyun: `accessKeyId` is undefined/);
    expect((thrown as Error).stack).toMatch(/^SmsError: /);
  });

  it('the SMPP entry shares the main entry’s SmsError (one class, so instanceof works across both)', async () => {
    const sms = (await import(pathToFileURL(join(dist, 'index.js')).href)) as SmsModule;
    const smpp = (await import(pathToFileURL(join(dist, 'smpp.js')).href)) as SmppModule;
    let thrown: unknown;
    try {
      smpp.createSmppProvider({ url: 'http://x', systemId: 'a', password: 'b', sourceAddr: 'c' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(sms.SmsError);
    expect((thrown as Error).name).toBe('SmsError');
  });

  it('the main entry never imports smpp, directly or through a chunk', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, `${file} references smpp`).not.toMatch(/(?:from|import)\s*\(?\s*["']smpp["']/);
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.\/[^"']+)["']/g)) {
        visit(join(dirname(file), match[1] as string));
      }
    };
    visit(join(dist, 'index.js'));
    expect(seen.size).toBeGreaterThan(1); // the shared chunk was followed
    expect(readFileSync(join(dist, 'smpp.js'), 'utf8')).toMatch(/from\s*["']smpp["']/);
  });

  it('ships no source maps (they inlined the TypeScript source) and no src/', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      files: string[];
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.files).toEqual(['dist']);
    expect(readFileSync(join(dist, 'index.js'), 'utf8')).not.toContain('sourceMappingURL');
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@types/'))).toEqual([]);
    expect(manifest.dependencies.smpp).toBeUndefined();
    expect(manifest.peerDependencies.smpp).toBeDefined();
    expect(manifest.peerDependenciesMeta.smpp?.optional).toBe(true);
  });
});

// --- Bundle budgets -------------------------------------------------------------------------
// What an app's bundler adds for a given import, measured with an esbuild metafile (minified,
// node20, ESM). Budgets are stated in the README's "Bundle size" section; change both together.

const BUNDLE_BUDGETS = [
  // [what the app imports, total budget, budget for lingpai's own code (auth-core + sms)]
  {
    name: 'Aliyun only',
    code: "export { createAliyunProvider, SmsSender } from '@lingpai/sms';",
    total: 240_000,
    own: 40_000,
  },
  {
    name: 'Tencent only',
    code: "export { createTencentProvider, SmsSender } from '@lingpai/sms';",
    total: 240_000,
    own: 40_000,
  },
  {
    name: 'memory provider (tests)',
    code: "export { createMemoryProvider, SmsSender } from '@lingpai/sms';",
    total: 225_000,
    own: 26_000,
  },
  { name: 'the whole main entry', code: "export * from '@lingpai/sms';", total: 300_000, own: 100_000 },
  { name: '@lingpai/sms/smpp', code: "export * from '@lingpai/sms/smpp';", total: 560_000, own: 20_000 },
] as const;

describe.skipIf(!built)(`bundle size per entry point${missing}`, () => {
  it.each(BUNDLE_BUDGETS)('$name stays within its budget', async ({ code, total, own, name }) => {
    const result = await build({
      stdin: { contents: code, resolveDir: root, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile.outputs)[0];
    if (output === undefined) throw new Error('esbuild produced no output');
    const bytesFrom = (test: (input: string) => boolean) =>
      Object.entries(output.inputs)
        .filter(([input]) => test(input))
        .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    const ownBytes = bytesFrom((input) => !input.includes('node_modules'));
    const smppBytes = bytesFrom((input) => /node_modules\/(smpp|iconv-lite|safer-buffer)\//.test(input));
    console.log(
      `bundle ${name}: ${output.bytes} bytes (lingpai ${ownBytes}, smpp and its deps ${smppBytes})`,
    );
    expect(output.bytes).toBeLessThanOrEqual(total);
    expect(ownBytes).toBeLessThanOrEqual(own);
    if (!name.includes('smpp')) expect(smppBytes, 'the main entry pulled in smpp').toBe(0);
  });
});
