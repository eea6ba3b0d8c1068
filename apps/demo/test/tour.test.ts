import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTour } from '../src/tour.js';

// `pnpm demo` must work on a fresh machine: this runs the same tour the demo prints.
describe('the demo tour', () => {
  let sandbox: Sandbox;
  let base: string;

  beforeAll(async () => {
    sandbox = await createSandbox();
    base = await sandbox.listen();
  });
  afterAll(() => sandbox.close());

  it('runs every step against the sandbox', async () => {
    const lines: string[] = [];
    const result = await runTour(sandbox, base, (line) => lines.push(line));
    expect(lines).toHaveLength(6);
    expect(result.sms.provider).toBe('tencent');
    expect(result.sms.attempts.map((attempt) => attempt.provider)).toEqual(['aliyun', 'tencent']);
    expect(result.code).toMatch(/^\d{6}$/);
    expect(result.redeemed.purpose).toBe('sign_in');
    expect(result.profile.provider).toBe('wechat');
    expect(result.profile.unionId).toBe(result.profile.id);
    expect(result.fetches).toBe(1);
    expect(result.keyId).toBe('demo-key');
    expect(result.replay).toBe('SIGNATURE_REUSED_NONCE');
    expect(result.totp).toEqual({ first: true, again: false });
  });
});
