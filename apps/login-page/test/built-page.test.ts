// The built page (dist/, from `vite build`; `pnpm test` builds first): its size budget and what the
// strict CSP needs of it. Reads dist/.vite/manifest.json to find the sign-in route's files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', 'dist');
const manifestPath = join(dist, '.vite', 'manifest.json');
const built = existsSync(manifestPath);
const buildFirst = 'dist is missing: run `pnpm build` (or `pnpm --filter @lingpai/login-page build`) first';

/** The sign-in route: JS + CSS ≤ 30 KB gzip (issue 10). */
const BUDGET_BYTES = 30 * 1024;

interface Chunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
  src?: string;
}

const manifest: Record<string, Chunk> = built ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};
const gzipped = (file: string) => gzipSync(readFileSync(join(dist, file))).length;

/** A chunk's files with everything it imports statically (what the browser must load before it runs). */
function staticClosure(key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const imported of manifest[key]?.imports ?? []) staticClosure(imported, seen);
  return seen;
}

function filesOf(keys: Iterable<string>): string[] {
  const files = new Set<string>();
  for (const key of keys) {
    const chunk = manifest[key];
    if (!chunk) continue;
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
  }
  return [...files];
}

const entryKey = Object.keys(manifest).find((key) => manifest[key]?.isEntry) ?? 'index.html';

describe('the built login page', () => {
  it('is built', () => {
    expect(built, buildFirst).toBe(true);
  });

  it.runIf(built)(
    `the sign-in route (entry + static imports + CSS + its language) is ≤ ${BUDGET_BYTES} bytes gzip`,
    () => {
      const files = filesOf(staticClosure(entryKey));
      expect(
        files.some((file) => file.endsWith('.css')),
        'the CSS counts too',
      ).toBe(true);
      const base = files.reduce((sum, file) => sum + gzipped(file), 0);
      // The route loads one catalogue (the user's language) beside the entry: count the larger.
      const catalogues = ['src/i18n/en.ts', 'src/i18n/zh-CN.ts'].map((key) => {
        expect(manifest[key], `${key} is its own chunk`).toBeDefined();
        return filesOf(staticClosure(key)).filter((file) => !files.includes(file));
      });
      const languages = catalogues.map((extra) => extra.reduce((sum, file) => sum + gzipped(file), 0));
      const total = base + Math.max(...languages);
      expect(total, `entry ${base} + catalogues ${languages.join(' / ')}`).toBeLessThanOrEqual(BUDGET_BYTES);
    },
  );

  it.runIf(built)('the other pages are separate chunks, loaded on demand', () => {
    const lazy = manifest[entryKey]?.dynamicImports ?? [];
    const sources = lazy.map((key) => manifest[key]?.src ?? key).join(' ');
    for (const page of ['consent-page', 'device-page', 'account-page', 'sign-up-page', 'forgot-page']) {
      expect(sources).toContain(page);
    }
    const eager = [...staticClosure(entryKey)].map((key) => manifest[key]?.src ?? key).join(' ');
    expect(eager).not.toMatch(/device-page|account-page|consent-page/);
  });

  it.runIf(built)('index.html needs nothing the strict CSP forbids', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    // Every script is external; none is inline.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/login\/assets\//);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    // Only our own assets, by absolute path under /login/assets/.
    for (const [, url = ''] of html.matchAll(/\b(?:src|href)="([^"]+)"/g)) {
      expect(url).toMatch(/^\/login\/assets\/[\w.-]+$/);
    }
  });

  it.runIf(built)('no asset uses eval, data: URLs or another origin', () => {
    const files = Object.values(manifest).flatMap((chunk) => [chunk.file, ...(chunk.css ?? [])]);
    for (const file of new Set(files)) {
      const text = readFileSync(join(dist, file), 'utf8');
      expect(text, file).not.toMatch(/\beval\s*\(|new Function\s*\(/);
      expect(text, file).not.toMatch(/url\(\s*["']?data:/);
      expect(text, file).not.toMatch(/url\(\s*["']?https?:/);
      expect(text, file).not.toMatch(/wxLogin|res\.wx\.qq\.com/);
    }
  });
});
