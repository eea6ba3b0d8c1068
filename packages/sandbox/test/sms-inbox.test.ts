// The inbox and switches over HTTP, as the demo and other packages' tests use them.
import { basicAuthorization } from '@lingpai/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '../src/index.js';

let sandbox: Sandbox;
let baseUrl: string;
const { accountSid, authToken } = SANDBOX_SMS_DEFAULTS.twilio;

async function twilioSend(to: string, body: string) {
  const response = await fetch(`${baseUrl}/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`, {
    method: 'POST',
    headers: {
      authorization: basicAuthorization(accountSid, authToken),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ To: to, From: '+15005550006', Body: body }).toString(),
  });
  expect(response.status).toBe(201);
}

async function moceanSend(to: string, text: string) {
  const response = await fetch(`${baseUrl}/mocean/rest/2/sms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SANDBOX_SMS_DEFAULTS.mocean.apiToken}` },
    body: new URLSearchParams({ 'mocean-from': 'X', 'mocean-to': to, 'mocean-text': text }),
  });
  expect(response.status).toBe(202);
}

beforeAll(async () => {
  sandbox = await createSandbox();
  baseUrl = await sandbox.listen();
});
afterAll(() => sandbox.close());

describe('sms inbox over HTTP', () => {
  it('lists, filters by recipient and provider, reads the latest code, and clears', async () => {
    await twilioSend('+14155550102', 'Your code is 100200. It expires in 10 minutes.');
    await moceanSend('14155550102', 'Your new code is 300400');
    await twilioSend('+14155550103', 'Code 555666');

    const all = (await (await fetch(`${baseUrl}/__sandbox/sms/messages`)).json()) as { messages: unknown[] };
    expect(all.messages).toHaveLength(3);
    const filtered = (await (
      await fetch(
        `${baseUrl}/__sandbox/sms/messages?to=${encodeURIComponent('+14155550102')}&provider=twilio`,
      )
    ).json()) as { messages: Array<{ provider: string; to: string; text: string; time: string }> };
    expect(filtered.messages).toHaveLength(1);
    expect(filtered.messages[0]).toMatchObject({ provider: 'twilio', to: '+14155550102' });
    expect(Date.parse(filtered.messages[0]?.time ?? '')).not.toBeNaN();

    const code = await fetch(`${baseUrl}/__sandbox/sms/code?to=${encodeURIComponent('+14155550102')}`);
    expect(await code.json()).toEqual({ code: '300400' });
    expect(sandbox.sms.lastCode('+14155550103')).toBe('555666');

    expect((await fetch(`${baseUrl}/__sandbox/sms/messages`, { method: 'DELETE' })).status).toBe(200);
    expect(sandbox.sms.messages()).toHaveLength(0);
    expect((await fetch(`${baseUrl}/__sandbox/sms/code?to=%2B14155550102`)).status).toBe(404);
  });

  it('switches the report status and report URLs over HTTP, refusing unknown values', async () => {
    const put = (body: unknown) =>
      fetch(`${baseUrl}/__sandbox/sms/reports`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put({ status: 'expired' })).status).toBe(200);
    expect(
      ((await (await fetch(`${baseUrl}/__sandbox/sms/reports`)).json()) as { reportStatus: string })
        .reportStatus,
    ).toBe('expired');
    expect((await put({ status: 'exploded' })).status).toBe(400);
    expect((await put({ provider: 'aliyun', url: 'http://127.0.0.1:9/none' })).status).toBe(200);
    expect((await put({ provider: 'twilio', url: 'http://127.0.0.1:9/none' })).status).toBe(400);
    await put({ status: 'delivered', provider: 'aliyun', url: null });
  });

  it('applies faults set over HTTP to the provider routes', async () => {
    await fetch(`${baseUrl}/__sandbox/faults/twilio`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ malformed: true, times: 1 }),
    });
    const response = await fetch(`${baseUrl}/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`, {
      method: 'POST',
      headers: { authorization: basicAuthorization(accountSid, authToken) },
      body: new URLSearchParams({ To: '+14155550102', From: '+15005550006', Body: 'x' }),
    });
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow();
    expect(sandbox.sms.messages()).toHaveLength(0);
  });
});
