// Fault switches on the HTTP provider routes: latency, and a quota fault combined with latency.
import { basicAuthorization } from '@lingpai/auth-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '../src/index.js';

let sandbox: Sandbox;
let baseUrl: string;
const { accountSid, authToken } = SANDBOX_SMS_DEFAULTS.twilio;
let counter = 0;

async function twilioSend(): Promise<{ status: number; code?: number }> {
  counter += 1;
  const response = await fetch(`${baseUrl}/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`, {
    method: 'POST',
    headers: {
      authorization: basicAuthorization(accountSid, authToken),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      To: `+1415555${String(1000 + counter).slice(-4)}`,
      From: '+15005550006',
      Body: 'Your code is 123456',
    }).toString(),
  });
  const body = (await response.json()) as { code?: number };
  return { status: response.status, ...(body.code === undefined ? {} : { code: body.code }) };
}

beforeAll(async () => {
  sandbox = await createSandbox();
  baseUrl = await sandbox.listen();
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.sms.clear();
});

describe('sandbox fault switches', () => {
  it('latency delays one answer: a request sent after it, without the fault, answers first', async () => {
    sandbox.faults.set('twilio', { latencyMs: 400, times: 1 });
    const finished: string[] = [];
    const slow = twilioSend().then((answer) => {
      finished.push('slow');
      return answer;
    });
    // Wait until the slow request has taken the fault (its only use), then send the fast one.
    for (let i = 0; i < 200 && sandbox.faults.get('twilio') !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const fast = await twilioSend();
    finished.push('fast');
    expect(fast.status).toBe(201);
    expect((await slow).status).toBe(201);
    expect(finished).toEqual(['fast', 'slow']);
  });

  it('a quota fault with latency and times: 2 answers the quota error twice (it was counted twice per request)', async () => {
    sandbox.faults.set('twilio', { quota: true, latencyMs: 1, times: 2 });
    expect(await twilioSend()).toEqual({ status: 429, code: 20429 });
    expect(await twilioSend()).toEqual({ status: 429, code: 20429 });
    expect((await twilioSend()).status).toBe(201);
  });
});
