import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicAuthorization, verifyTwilioSignature } from '@lingpai/auth-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '../src/index.js';

const { accountSid, authToken, fromNumbers, messagingServiceSids } = SANDBOX_SMS_DEFAULTS.twilio;
let sandbox: Sandbox;
let baseUrl: string;
let receiver: Server;
const callbacks: Array<{ url: string; signature: string | undefined; body: string }> = [];

async function create(fields: Record<string, string>, auth = basicAuthorization(accountSid, authToken)) {
  const response = await fetch(`${baseUrl}/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sandbox = await createSandbox();
  baseUrl = await sandbox.listen();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const signature = request.headers['x-twilio-signature'];
      callbacks.push({
        url: request.url ?? '',
        signature: Array.isArray(signature) ? signature[0] : signature,
        body,
      });
      response.writeHead(204).end();
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

describe('twilio Messages.json', () => {
  it('creates a message with Basic auth: 201 and the Message resource', async () => {
    const { status, body } = await create({
      To: '+14155550101',
      From: fromNumbers[0] as string,
      Body: 'Code: 112233',
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      account_sid: accountSid,
      status: 'queued',
      to: '+14155550101',
      from: fromNumbers[0],
      num_segments: '1',
      error_code: null,
      direction: 'outbound-api',
    });
    expect(body.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sandbox.sms.lastCode('+14155550101')).toBe('112233');
  });

  it('accepts a MessagingServiceSid instead of From (status accepted)', async () => {
    const { status, body } = await create({
      To: '+14155550101',
      MessagingServiceSid: messagingServiceSids[0] as string,
      Body: 'hi',
    });
    expect(status).toBe(201);
    expect(body.status).toBe('accepted');
  });

  it('rejects a wrong auth token with 401 code 20003', async () => {
    const { status, body } = await create(
      { To: '+14155550101', Body: 'x' },
      basicAuthorization(accountSid, 'wrong'),
    );
    expect(status).toBe(401);
    expect(body).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });

  it.each([
    [{ To: '4155550101', From: '+15005550006', Body: 'x' }, 21211],
    [{ From: '+15005550006', Body: 'x' }, 21604],
    [{ To: '+14155550101', Body: 'x' }, 21603],
    [{ To: '+14155550101', From: '+15550000000', Body: 'x' }, 21606],
    [{ To: '+14155550101', From: '+15005550006' }, 21602],
    [{ To: '+14155550101', From: '+15005550006', Body: 'x'.repeat(1601) }, 21617],
  ])('validates %o -> %i', async (fields, code) => {
    const { status, body } = await create(fields as Record<string, string>);
    expect(status).toBe(400);
    expect(body.code).toBe(code);
  });

  it('posts signed status callbacks: sent, then the final status', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const statusCallback = `http://127.0.0.1:${port}/twilio-status?tenant=a`;
    sandbox.sms.setReportStatus('failed');
    try {
      const { body } = await create({
        To: '+14155550101',
        From: '+15005550006',
        Body: 'x',
        StatusCallback: statusCallback,
      });
      await sandbox.sms.reportsSettled();
      const mine = callbacks.filter(
        (callback) => new URLSearchParams(callback.body).get('MessageSid') === body.sid,
      );
      expect(mine.map((callback) => new URLSearchParams(callback.body).get('MessageStatus'))).toEqual([
        'sent',
        'undelivered',
      ]);
      for (const callback of mine) {
        const params = Object.fromEntries(new URLSearchParams(callback.body));
        expect(
          verifyTwilioSignature({ authToken, url: statusCallback, params, signature: callback.signature }),
        ).toBe(true);
      }
      expect(new URLSearchParams(mine[1]?.body).get('ErrorCode')).toBe('30003');
    } finally {
      sandbox.sms.setReportStatus('delivered');
    }
  });

  it('answers the quota fault with 429 code 20429', async () => {
    sandbox.faults.set('twilio', { quota: true, times: 1 });
    const { status, body } = await create({ To: '+14155550101', From: '+15005550006', Body: 'x' });
    expect(status).toBe(429);
    expect(body.code).toBe(20429);
  });
});
