import { existsSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
// The package's own entry, as the token server imports it (not aliased: apps resolve as installed).
import { loginPageRoot } from '../index.js';

describe('loginPageRoot', () => {
  it('is the absolute path of dist/, ending with a separator', () => {
    expect(isAbsolute(loginPageRoot)).toBe(true);
    expect(loginPageRoot.endsWith(`${sep}dist${sep}`)).toBe(true);
    expect(loginPageRoot).toBe(join(import.meta.dirname, '..', 'dist') + sep);
  });

  it.runIf(existsSync(join(import.meta.dirname, '..', 'dist', 'index.html')))(
    'holds the built index.html the server serves',
    () => {
      expect(existsSync(join(loginPageRoot, 'index.html'))).toBe(true);
    },
  );
});
