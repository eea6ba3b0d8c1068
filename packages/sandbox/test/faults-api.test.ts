// A typo in a fault target (`'aliyn'`) or field (`statuss`) used to be stored and never read, so
// a failover test ran against a healthy imitation and passed for the wrong reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, FAULT_TARGETS, type Sandbox, SandboxError } from '../src/index.js';

let sandbox: Sandbox;
let url: string;
beforeAll(async () => {
  sandbox = await createSandbox();
  url = await sandbox.listen();
});
afterAll(() => sandbox.close());

describe('fault switches', () => {
  it('refuse an unknown target, listing the known ones', () => {
    const error = (() => {
      try {
        sandbox.faults.set('aliyn', { status: 503 });
      } catch (thrown) {
        return thrown as SandboxError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SandboxError);
    expect(error).toMatchObject({ code: 'SANDBOX_CONFIG_INVALID', name: 'SandboxError' });
    expect(error?.message).toMatch(/^Unknown fault target "aliyn": use one of aliyun, tencent, .*wechat/);
    expect(sandbox.faults.list()).toEqual({});
    expect(() => sandbox.faults.clear('sms')).toThrow(SandboxError);
  });

  it('refuse an unknown field or a malformed value', () => {
    expect(() => sandbox.faults.set('aliyun', { statuss: 503 } as never)).toThrow(
      /Unknown fault field "statuss"/,
    );
    expect(() => sandbox.faults.set('aliyun', { status: 200 })).toThrow(
      /`status` must be an HTTP error status/,
    );
    expect(() => sandbox.faults.set('aliyun', { times: 0 })).toThrow(/`times` must be an integer >= 1/);
    expect(() => sandbox.faults.set('aliyun', { hang: 'yes' } as never)).toThrow(
      /`hang` must be true or false/,
    );
    expect(sandbox.faults.list()).toEqual({});
  });

  it('accept every documented target', () => {
    for (const target of FAULT_TARGETS) sandbox.faults.set(target, { latencyMs: 0, times: 1 });
    expect(Object.keys(sandbox.faults.list())).toEqual([...FAULT_TARGETS]);
    sandbox.faults.clear();
  });

  it('over HTTP answer 400 with the reason', async () => {
    const response = await fetch(`${url}/__sandbox/faults/aliyn`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 503 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'SANDBOX_CONFIG_INVALID',
      message: expect.stringContaining('Unknown fault target "aliyn"'),
    });
    const ok = await fetch(`${url}/__sandbox/faults/aliyun`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 503, times: 1 }),
    });
    expect(ok.status).toBe(200);
    expect(sandbox.faults.get('aliyun')).toEqual({ status: 503, times: 1 });
    sandbox.faults.clear();
  });
});
