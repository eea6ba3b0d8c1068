import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock, signHuaweiWsse } from '@lingpai/auth-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '../src/index.js';

const { appKey, appSecret, senders } = SANDBOX_SMS_DEFAULTS.huawei;
const clock = createManualClock(Date.UTC(2026, 3, 1, 8, 0, 0));
let sandbox: Sandbox;
let baseUrl: string;
let receiver: Server;
const received: string[] = [];

function form(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    from: senders[0] as string,
    to: '+8613800138000',
    templateId: '8ff55eac1d0b478ab3c06c3c6a492300',
    templateParas: '["246810","5"]',
    signature: '华为云短信测试',
    ...overrides,
  };
}

async function send(
  fields: Record<string, string>,
  options: { secret?: string; nonce?: string; created?: number; digestEncoding?: 'base64' } = {},
) {
  const signed = signHuaweiWsse(
    { appKey, appSecret: options.secret ?? appSecret },
    {
      clock: { now: () => options.created ?? clock.now() },
      ...(options.nonce === undefined ? {} : { nonce: () => options.nonce as string }),
      ...(options.digestEncoding === undefined ? {} : { digestEncoding: options.digestEncoding }),
    },
  );
  const response = await fetch(`${baseUrl}/huawei/sms/batchSendSms/v1`, {
    method: 'POST',
    headers: { ...signed.headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sandbox = await createSandbox({ clock });
  baseUrl = await sandbox.listen();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push(body);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});
beforeEach(() => {
  sandbox.sms.clear();
  sandbox.faults.clear();
});

describe('huawei batchSendSms/v1', () => {
  it('accepts a WSSE-signed request and answers code 000000 with a result per number', async () => {
    const { status, body } = await send(form({ to: '+8613800138000,+8613900139000' }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ code: '000000', description: 'Success' });
    const result = body.result as Array<Record<string, unknown>>;
    expect(result.map((item) => item.originTo)).toEqual(['+8613800138000', '+8613900139000']);
    expect(result[0]).toMatchObject({ status: '000000', from: senders[0], countryId: 'CN' });
    expect(sandbox.sms.last('+8613900139000')?.text).toBe(
      '【华为云短信测试】您的验证码为246810，5分钟内有效。',
    );
    expect(sandbox.sms.lastCode('+8613800138000')).toBe('246810');
  });

  it('rejects a wrong secret (E000105), raw-byte digests, a reused nonce and a stale Created', async () => {
    expect((await send(form(), { secret: 'nope' })).body.code).toBe('E000105');
    // The platform accepts Base64 of the hex digest only (reference §2.6).
    expect((await send(form(), { digestEncoding: 'base64' })).body.code).toBe('E000105');
    expect((await send(form(), { nonce: 'fixed-nonce-1' })).body.code).toBe('000000');
    const replay = await send(form(), { nonce: 'fixed-nonce-1' });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('E000101');
    expect((await send(form(), { created: clock.now() - 20 * 60_000 })).body.code).toBe('E000110');
  });

  it.each([
    [{ templateId: 'unknown' }, 'E200030'],
    [{ templateParas: '["1"]' }, 'E200028'],
    [{ to: '13800138000' }, 'E000503'],
    [{ from: '10690000' }, 'E000503'],
    [{ signature: '不认识' }, 'E000503'],
  ])('validates %o -> %s', async (override, code) => {
    const { status, body } = await send(form(override));
    expect(status).toBe(400);
    expect(body.code).toBe(code);
  });

  it('posts a status report to statusCallback', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const { body } = await send(form({ statusCallback: `http://127.0.0.1:${port}/huawei-report` }));
    await sandbox.sms.reportsSettled();
    const report = new URLSearchParams(received.at(-1));
    expect(report.get('smsMsgId')).toBe((body.result as Array<{ smsMsgId: string }>)[0]?.smsMsgId);
    expect(report.get('status')).toBe('DELIVRD');
    expect(report.get('to')).toBe('+8613800138000');
  });
});
