import { describe, expect, it } from 'vitest';
import { isLingpaiError, LingpaiError } from '../src/index.js';

class ExampleError extends LingpaiError<'EXAMPLE_FAILED'> {
  constructor(payload: unknown) {
    super('EXAMPLE_FAILED', 'example failed', { payload, retryable: true, status: 503 });
  }
}

describe('LingpaiError', () => {
  it('keeps the provider payload readable but out of JSON and spreads', () => {
    const secretBody = { access_token: 'tok-secret', phone: '+8613800000000' };
    const error = new ExampleError(secretBody);
    expect(error.payload).toBe(secretBody);
    expect(JSON.stringify(error)).not.toContain('tok-secret');
    expect(JSON.stringify({ ...error })).not.toContain('tok-secret');
    expect(Object.keys(error)).not.toContain('payload');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ExampleError',
      code: 'EXAMPLE_FAILED',
      message: 'example failed',
      retryable: true,
      status: 503,
    });
  });

  it('keeps the cause non-enumerable so a logged error does not carry the inner error', () => {
    const inner = new Error('socket hang up: Authorization=Bearer abc');
    const error = new LingpaiError('X', 'outer', { cause: inner });
    expect(error.cause).toBe(inner);
    expect(Object.keys(error)).not.toContain('cause');
  });

  it('names the subclass and defaults retryable to false', () => {
    const error = new LingpaiError('PLAIN', 'plain');
    expect(error.name).toBe('LingpaiError');
    expect(error.retryable).toBe(false);
    expect(new ExampleError(null).name).toBe('ExampleError');
  });

  it('isLingpaiError narrows by code', () => {
    const error: unknown = new ExampleError(null);
    expect(isLingpaiError(error)).toBe(true);
    expect(isLingpaiError(error, 'EXAMPLE_FAILED')).toBe(true);
    expect(isLingpaiError(error, 'OTHER')).toBe(false);
    expect(isLingpaiError(new Error('x'))).toBe(false);
  });
});
