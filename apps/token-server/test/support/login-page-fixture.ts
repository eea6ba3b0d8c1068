import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURE_INDEX_HTML =
  '<!doctype html><html><head><script type="module" src="/login/assets/index-AbC123.js"></script></head><body><div id="app"></div></body></html>';

/**
 * A built page as Vite leaves it, in `<tmp>/dist`: index.html, hashed assets, a public/ file at
 * the top, a dotfile — and a `package.json` beside `dist/` (as a package's is), never reachable.
 */
export function writeFixturePage(): { root: string; remove(): void } {
  const parent = mkdtempSync(join(tmpdir(), 'lingpai-login-page-'));
  const root = join(parent, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), FIXTURE_INDEX_HTML);
  writeFileSync(join(root, 'assets', 'index-AbC123.js'), 'console.log("page")\n');
  writeFileSync(join(root, 'assets', 'index-DeF456.css'), 'body{margin:0}\n');
  writeFileSync(join(root, 'assets', '.hidden'), 'secret\n');
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(parent, 'package.json'), '{"name":"outside"}');
  return { root, remove: () => rmSync(parent, { recursive: true, force: true }) };
}
