import { describe, expect, it } from 'vitest';
import { resendAfterSeconds } from '../src/components/contact-code.js';
import { errorMessage } from '../src/error-message.js';
import { en as enCatalogue } from '../src/i18n/en.js';
import { translator } from '../src/i18n/locale.js';
import { zhCN } from '../src/i18n/zh-CN.js';
import { PENDING_KEY, takePending } from '../src/own-app.js';

/** A Storage over a Map: the browser's sessionStorage, enough for the pending-authorize record. */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe('takePending (the callback’s state check)', () => {
  it('gives the verifier once, for the matching state only', () => {
    const storage = new MemoryStorage();
    storage.setItem(PENDING_KEY, JSON.stringify({ state: 's1', verifier: 'v1' }));
    expect(takePending(storage, 's1')).toEqual({ state: 's1', verifier: 'v1' });
    expect(takePending(storage, 's1')).toBeUndefined();
  });

  it('refuses another state, a missing one and garbage — and forgets the record either way', () => {
    const storage = new MemoryStorage();
    storage.setItem(PENDING_KEY, JSON.stringify({ state: 's1', verifier: 'v1' }));
    expect(takePending(storage, 'other')).toBeUndefined();
    expect(storage.getItem(PENDING_KEY)).toBeNull();
    storage.setItem(PENDING_KEY, '{not json');
    expect(takePending(storage, 's1')).toBeUndefined();
    expect(takePending(new MemoryStorage(), undefined)).toBeUndefined();
  });
});

describe('resendAfterSeconds', () => {
  it('uses the server’s cooldown, else CloudBase’s 60 s', () => {
    expect(resendAfterSeconds({ verification_id: 'v', expires_in: 600, resend_after_seconds: 42 })).toBe(42);
    expect(resendAfterSeconds({ verification_id: 'v', expires_in: 600, resend_after_seconds: 0 })).toBe(0);
    expect(resendAfterSeconds({ verification_id: 'v', expires_in: 600 })).toBe(60);
  });
});

describe('errorMessage', () => {
  const en = translator(enCatalogue);
  const zh = translator(zhCN);
  it('words the server’s codes from the catalogue', () => {
    expect(errorMessage(en, { error: 'invalid_verification_code', description: '2 tries left' })).toBe(
      'That code is wrong or has expired.',
    );
    expect(errorMessage(zh, { error: 'rate_limit_exceeded' })).toBe('尝试次数过多，请稍后再试。');
  });

  it('falls back to the server’s description, then to a line naming the code', () => {
    expect(errorMessage(en, { error: 'brand_new_error', description: 'what happened' })).toBe(
      'what happened',
    );
    expect(errorMessage(en, { error: 'brand_new_error' })).toBe(
      'Something went wrong (brand_new_error). Try again.',
    );
    expect(errorMessage(en, new Error('boom'))).toBe('boom');
  });
});
