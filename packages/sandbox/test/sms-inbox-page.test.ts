// The inbox page a person opens while trying the login page: the code must be readable at a glance,
// and nothing a message says may become markup.
import { basicAuthorization } from '@lingpai/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox, SMS_INBOX_PAGE_PATH } from '../src/index.js';

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

beforeAll(async () => {
  sandbox = await createSandbox();
  baseUrl = await sandbox.listen();
});
afterAll(() => sandbox.close());

describe('the SMS inbox page', () => {
  it('says so when empty', async () => {
    const page = await fetch(`${baseUrl}${SMS_INBOX_PAGE_PATH}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('No messages yet');
    expect(html).toContain('<meta http-equiv="refresh"');
    expect(html).not.toContain('<script');
  });

  it('lists messages newest first with the code in its own cell, escaped, filtered by recipient', async () => {
    await twilioSend('+14155550102', 'Your code is 100200.');
    await twilioSend('+14155550103', '<b>Code</b> 300400 & more');
    await twilioSend('+14155550102', 'Your new code is 500600.');

    const html = await (await fetch(`${baseUrl}${SMS_INBOX_PAGE_PATH}`)).text();
    const codes = [...html.matchAll(/<td class="code">(\d*)<\/td>/g)].map((match) => match[1]);
    expect(codes).toEqual(['500600', '300400', '100200']);
    expect(html).toContain('&#60;b&#62;Code&#60;/b&#62; 300400 &#38; more');
    expect(html).not.toContain('<b>Code</b>');

    const one = await (
      await fetch(`${baseUrl}${SMS_INBOX_PAGE_PATH}?to=${encodeURIComponent('+1 415 555 0103')}`)
    ).text();
    expect([...one.matchAll(/<td class="code">(\d*)<\/td>/g)].map((match) => match[1])).toEqual(['300400']);
    expect(one).toContain('<h1>SMS inbox — +1 415 555 0103</h1>');
  });
});
