// MoceanAPI and Vonage: content providers authenticated by key/secret (no request signature).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '../src/index.js';

let sandbox: Sandbox;
let baseUrl: string;
const mocean = SANDBOX_SMS_DEFAULTS.mocean;
const vonage = SANDBOX_SMS_DEFAULTS.vonage;

beforeAll(async () => {
  sandbox = await createSandbox({ sms: { perNumberPerMinute: 3 } });
  baseUrl = await sandbox.listen();
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.sms.clear();
  sandbox.faults.clear();
});

async function moceanSend(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}/mocean/rest/2/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, text: await response.text() };
}

const moceanForm = (overrides: Record<string, string> = {}) => ({
  'mocean-api-key': mocean.apiKey,
  'mocean-api-secret': mocean.apiSecret,
  'mocean-from': 'LINGPAI',
  'mocean-to': '60123456789',
  'mocean-text': 'Your code is 778899',
  'mocean-resp-format': 'json',
  ...overrides,
});

describe('mocean /rest/2/sms', () => {
  it('accepts key/secret form credentials and answers messages[] with status 0', async () => {
    const { status, text } = await moceanSend(moceanForm());
    expect(status).toBe(202);
    const body = JSON.parse(text) as { messages: Array<{ status: number; receiver: string; msgid: string }> };
    expect(body.messages[0]).toMatchObject({ status: 0, receiver: '60123456789' });
    expect(body.messages[0]?.msgid).toMatch(/^CPASS_restapi_C\d+\.0001$/);
    expect(sandbox.sms.lastCode('+60123456789')).toBe('778899');
  });

  it('accepts a Bearer token instead of key/secret', async () => {
    const { 'mocean-api-key': _k, 'mocean-api-secret': _s, ...rest } = moceanForm();
    const { status } = await moceanSend(rest, { authorization: `Bearer ${mocean.apiToken}` });
    expect(status).toBe(202);
  });

  it('answers XML by default, as the real API does', async () => {
    const { 'mocean-resp-format': _format, ...rest } = moceanForm();
    const { text } = await moceanSend(rest);
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><result><message><status>0<\/status>/);
  });

  it('rejects bad credentials with status 1 "Authorization failed"', async () => {
    const { status, text } = await moceanSend(moceanForm({ 'mocean-api-secret': 'wrong' }));
    expect(status).toBe(401);
    expect(JSON.parse(text)).toEqual({ status: 1, err_msg: 'Authorization failed' });
  });

  it('validates: empty text 23, no destination 6, invalid destination 28 per receiver, quota 2', async () => {
    expect(JSON.parse((await moceanSend(moceanForm({ 'mocean-text': '' }))).text).status).toBe(23);
    expect(JSON.parse((await moceanSend(moceanForm({ 'mocean-to': '' }))).text).status).toBe(6);
    const mixed = JSON.parse((await moceanSend(moceanForm({ 'mocean-to': '60123456789,12' }))).text) as {
      messages: Array<{ status: number }>;
    };
    expect(mixed.messages.map((message) => message.status)).toEqual([0, 28]);
    sandbox.faults.set('mocean', { quota: true, times: 1 });
    expect(JSON.parse((await moceanSend(moceanForm())).text).status).toBe(2);
  });
});

describe('vonage /sms/json', () => {
  async function vonageSend(fields: Record<string, string>) {
    const response = await fetch(`${baseUrl}/vonage/sms/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { 'message-count': string; messages: Array<Record<string, string>> };
  }
  const base = { api_key: vonage.apiKey, api_secret: vonage.apiSecret, from: 'Lingpai', to: '447700900000' };

  it('accepts a JSON body and answers status "0" with a message-id', async () => {
    const body = await vonageSend({ ...base, text: 'Code 4242', 'client-ref': 'ref-1' });
    expect(body['message-count']).toBe('1');
    expect(body.messages[0]).toMatchObject({ to: '447700900000', status: '0', 'client-ref': 'ref-1' });
    expect(sandbox.sms.last('+447700900000')?.messageId).toBe(body.messages[0]?.['message-id']);
  });

  it('splits a long unicode text into parts, one message entry each', async () => {
    const body = await vonageSend({ ...base, text: '验证码'.repeat(30), type: 'unicode' });
    expect(body['message-count']).toBe('2');
    expect(body.messages).toHaveLength(2);
  });

  it('answers bad credentials with status "4" in HTTP 200', async () => {
    const body = await vonageSend({ ...base, api_secret: 'nope', text: 'x' });
    expect(body.messages[0]).toEqual({ status: '4', 'error-text': 'Bad Credentials' });
  });

  it('answers an invalid number with "3" and the quota fault with "9"', async () => {
    expect((await vonageSend({ ...base, to: '12', text: 'x' })).messages[0]?.status).toBe('3');
    sandbox.faults.set('vonage', { quota: true, times: 1 });
    expect((await vonageSend({ ...base, text: 'x' })).messages[0]?.status).toBe('9');
  });
});
