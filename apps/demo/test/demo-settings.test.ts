import { describe, expect, it } from 'vitest';
import { readDemoSettings } from '../src/demo-settings.js';

describe('the demo settings', () => {
  it('opens the fixed ports a newcomer types, and free ones for --once', () => {
    expect(readDemoSettings([], {})).toEqual({
      once: false,
      host: '127.0.0.1',
      port: 8080,
      sandboxPort: 4010,
    });
    expect(readDemoSettings(['--once'], {})).toMatchObject({ once: true, port: 0, sandboxPort: 0 });
    expect(readDemoSettings(['--', '--once'], { PORT: '9000', SANDBOX_PORT: '9001' })).toMatchObject({
      once: true,
      port: 9000,
      sandboxPort: 9001,
    });
  });

  it('names the fix for a wrong port or argument', () => {
    expect(() => readDemoSettings([], { SANDBOX_PORT: '70000' })).toThrow(
      'SANDBOX_PORT must be a port number from 0 to 65535, got "70000" (e.g. SANDBOX_PORT=4011 pnpm demo)',
    );
    expect(() => readDemoSettings([], { PORT: '-1' })).toThrow(/PORT must be a port number/);
    expect(() => readDemoSettings(['--one'], {})).toThrow(
      'unknown argument "--one": the demo takes only --once (ports: PORT and SANDBOX_PORT)',
    );
  });
});
