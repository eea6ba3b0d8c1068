// A changeset whose frontmatter a formatter mangled is silently skipped by `changeset version`, so
// the release would ship without its notes or its bump. Check every file's shape here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const publishable = new Set(
  ['packages', 'apps']
    .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name, 'package.json')))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')))
    .filter((manifest: { private?: boolean }) => manifest.private !== true)
    .map((manifest: { name: string }) => manifest.name),
);
const changesets = readdirSync(join(root, '.changeset')).filter(
  (file) => file.endsWith('.md') && file !== 'README.md',
);

describe('changesets', () => {
  it('exist', () => {
    expect(changesets.length).toBeGreaterThan(0);
  });

  it.each(changesets)('%s has valid frontmatter naming published packages, and a summary', (file) => {
    const text = readFileSync(join(root, '.changeset', file), 'utf8');
    const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
    expect(match, 'frontmatter must open and close with ---').not.toBeNull();
    const [, header = '', body = ''] = match ?? [];
    const releases = header.split('\n').filter((line) => line.trim() !== '');
    expect(releases.length).toBeGreaterThan(0);
    for (const line of releases) {
      const release = /^"(@lingpai\/[a-z0-9-]+)": (major|minor|patch)$/.exec(line);
      expect(release, `bad release line: ${line}`).not.toBeNull();
      expect(publishable.has(release?.[1] ?? ''), `${release?.[1]} is not a published package`).toBe(true);
    }
    expect(body.trim().length).toBeGreaterThan(20);
  });
});
