// Attacks on what reaches logs: a provider error that quotes the request (Aliyun's string to sign,
// a number written with separators) must not carry the live code or the number into
// `SmsError.message`, `providerMessage`, `toJSON()`, the stack, attempts or `onAttempt`.
import { inspect } from 'node:util';
import type { FetchLike } from '@lingpai/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAliyunProvider,
  createMemoryProvider,
  parsePhoneNumber,
  type SmsAttempt,
  type SmsBatchProviderResult,
  SmsError,
  type SmsProvider,
  SmsSender,
} from '../src/index.js';
import { maskNumbers, redactionFor, redactText } from '../src/internal/redact.js';
import { cnNumber, PROVIDER_CASES, type RunningSandbox, rejection, startSandbox } from './support.js';

let env: RunningSandbox;
beforeAll(async () => {
  env = await startSandbox();
});
afterAll(async () => {
  await env.sandbox.close();
});

/**
 * Every way an error or an attempt list commonly reaches a log, without the stack frames' own
 * `at file:line:column` lines (their line numbers are digits that have nothing to do with the message).
 */
function renderings(value: unknown): string[] {
  const out = [JSON.stringify(value) ?? '', inspect(value, { depth: 20 }), String(value)];
  if (value instanceof Error) out.push(value.message, value.stack ?? '');
  if (value instanceof SmsError) out.push(value.providerMessage ?? '');
  return out.map((text) =>
    text
      .split('\n')
      .filter((line) => !/^\s*at /.test(line))
      .join('\n'),
  );
}

/** No rendering holds the code, nor any three consecutive characters of it. */
function expectNoPieceOf(code: string, values: unknown[]): void {
  const pieces = new Set<string>();
  for (let start = 0; start + 3 <= code.length; start += 1) pieces.add(code.slice(start, start + 3));
  for (const value of values) {
    for (const text of renderings(value)) {
      for (const piece of pieces) expect(text, `leaked ${piece} of ${code}`).not.toContain(piece);
    }
  }
}

function aliyunWithWrongSecret(): SmsProvider {
  return createAliyunProvider({
    baseURL: `${env.url}/aliyun`,
    accessKeyId: env.sandbox.sms.config.aliyun.accessKeyId,
    accessKeySecret: 'not-the-secret',
    signName: '令牌',
    // RPC v1 puts every param into the string to sign, which the sandbox echoes as Aliyun does.
    signatureVersion: 'rpc',
  });
}

describe('Aliyun SignatureDoesNotMatch echoes the string to sign', () => {
  it.each([
    ['digits', '482910'],
    ['letters', 'KXQPRT'],
    ['mixed', 'k7Q2x9'],
  ])('a %s code reaches no log surface, and the backup still delivers it', async (_kind, code) => {
    const to = cnNumber();
    const memory = createMemoryProvider({ name: 'backup' });
    const attempts: SmsAttempt[] = [];
    const sender = new SmsSender({
      providers: [aliyunWithWrongSecret(), memory],
      onAttempt: (attempt) => attempts.push(attempt),
    });
    const result = await sender.send({
      to,
      template: { id: 'SMS_100000001', content: 'Your code is {{code}}', params: { code } },
    });
    // Failover on a signature mismatch is kept: the code no longer leaks through the error.
    expect(result.provider).toBe('backup');
    expect(memory.lastCode(to)).toBe(code);
    const failed = result.attempts[0];
    expect(failed?.error).toMatchObject({ code: 'SMS_AUTH_FAILED', providerCode: 'SignatureDoesNotMatch' });
    expect(failed?.error?.providerMessage).toContain('[string to sign removed]');
    expectNoPieceOf(code, [failed?.error, result.attempts, attempts, result]);
    // The number is not in the echo any more either.
    for (const text of renderings(failed?.error)) expect(text).not.toContain(to.slice(3, -4));

    // Called directly, without a sender, the provider redacts the same way.
    const direct = await rejection(
      aliyunWithWrongSecret().send({
        to: parsePhoneNumber(to),
        template: { id: 'SMS_100000001', params: { code } },
      }),
    );
    expect(direct.providerCode).toBe('SignatureDoesNotMatch');
    expectNoPieceOf(code, [direct]);
    // The answer as received stays readable, non-enumerable.
    expect(JSON.stringify(direct.payload)).toContain('string to sign');
  });
});

/** Canned error answers, one per provider, each quoting `echo` where the provider puts its message. */
function errorAnswer(target: string, echo: string): Response {
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  switch (target) {
    case 'aliyun':
      return json(400, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: echo, RequestId: 'r' });
    case 'tencent':
      return json(200, {
        Response: { Error: { Code: 'FailedOperation.ContainSensitiveWord', Message: echo } },
      });
    case 'twilio':
      return json(400, { code: 21211, message: echo, status: 400 });
    case 'mocean':
      return json(200, { status: 19, err_msg: echo });
    case 'huawei':
      return json(200, { code: 'E000510', description: echo });
    case 'volcengine':
      return json(200, { ResponseMetadata: { Error: { Code: 'ZJ10001', Message: echo } } });
    case 'vonage':
      return json(200, { messages: [{ status: '6', 'error-text': echo }] });
    case 'aws-sns':
      return new Response(
        `<ErrorResponse><Error><Code>InvalidParameter</Code><Message>${echo}</Message></Error></ErrorResponse>`,
        { status: 400, headers: { 'content-type': 'text/xml' } },
      );
    default:
      throw new Error(`no canned answer for ${target}`);
  }
}

describe.each(PROVIDER_CASES)('$target, called directly, redacts what it echoes', (testCase) => {
  it('the code, the text and the number written with separators', async () => {
    const code = 'Q7w3K9';
    const to = parsePhoneNumber(testCase.number());
    const national = to.nationalNumber;
    const spaced = `+${to.countryCallingCode} ${national.slice(0, 3)} ${national.slice(3, 7)} ${national.slice(7)}`;
    const bracketed = `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
    const message = testCase.message(to.e164, code);
    const text = message.content ?? '';
    const echo = `rejected ${code} for ${spaced} / ${bracketed} / ${to.e164}: ${text}`;
    const fetch: FetchLike = async () => errorAnswer(testCase.target, echo);
    const error = await rejection(testCase.make(env, { fetch }).send({ to, ...message }));
    expect(error.providerMessage).toContain('[redacted]');
    expectNoPieceOf(code, [error]);
    for (const rendering of renderings(error)) {
      expect(rendering).not.toContain(spaced);
      expect(rendering).not.toContain(bracketed);
      expect(rendering).not.toContain(national.slice(0, -4));
      if (text !== '') expect(rendering).not.toContain(text);
    }
    // Only the recipient's own last four digits remain.
    expect(error.providerMessage).toContain(national.slice(-4));
  });
});

describe('the sender redacts what any provider throws or reports', () => {
  const to = '+8613800138000';
  const code = '715302';
  const quoting = `template param ${code} for +86 138-0013-8000 refused`;

  it('a custom provider quoting the code and the number: thrown error, attempts and onAttempt', async () => {
    const custom: SmsProvider = {
      name: 'custom',
      kind: 'custom',
      capabilities: { template: true, content: true },
      send: async () => {
        throw new SmsError('SMS_PROVIDER_ERROR', `custom: ${quoting}`, {
          provider: 'custom',
          providerMessage: quoting,
          retryable: false,
        });
      },
    };
    const seen: SmsAttempt[] = [];
    const sender = new SmsSender({ providers: [custom], onAttempt: (attempt) => seen.push(attempt) });
    const error = await rejection(sender.send({ to, template: { id: 'T', params: { code } } }));
    expectNoPieceOf(code, [error, error.attempts, seen]);
    expect(error.providerMessage).toBe('template param [redacted] for +** ***-****-8000 refused');
  });

  it('a batch answer whose failed recipients quote the code', async () => {
    const custom: SmsProvider = {
      name: 'custom',
      kind: 'custom',
      capabilities: { template: true, content: true, maxBatchSize: 10 },
      send: async () => {
        throw new SmsError('SMS_PROVIDER_ERROR', 'unused', { provider: 'custom' });
      },
      sendBatch: async (request): Promise<SmsBatchProviderResult> => {
        const items = request.to.map((number) => ({
          to: number.e164,
          ok: false as const,
          error: new SmsError('SMS_CONTENT_REJECTED', `custom: ${quoting}`, {
            provider: 'custom',
            providerMessage: quoting,
          }),
        }));
        return Object.defineProperty({ provider: 'custom', items }, 'raw', {
          value: undefined,
        }) as SmsBatchProviderResult;
      },
    };
    const seen: SmsAttempt[] = [];
    const sender = new SmsSender({ providers: [custom], onAttempt: (attempt) => seen.push(attempt) });
    const batch = await sender.sendBatch({ to: [to], template: { id: 'T', params: { code } } });
    expect(batch.failed).toBe(1);
    expectNoPieceOf(code, [batch.items, seen]);
  });
});

describe('number masking', () => {
  const us = parsePhoneNumber('+14155550100');
  const cn = parsePhoneNumber('+8613800138000');

  it.each([
    ['(415) 555-0100', '(***) ***-0100'],
    ['415.555.0100', '***.***.0100'],
    ['+1 415 555 0100', '+* *** *** 0100'],
    ['14155550100', '*******0100'],
    ['+14155550100', '+*******0100'],
  ])('the recipient written as %s keeps only its last four digits', (written, masked) => {
    expect(maskNumbers(`to ${written}.`, redactionFor({ to: us }))).toBe(`to ${masked}.`);
  });

  it('a Chinese recipient in E.164, national and spaced forms', () => {
    const redaction = redactionFor({ to: cn });
    expect(maskNumbers('13800138000', redaction)).toBe('*******8000');
    expect(maskNumbers('008613800138000', redaction)).toBe('***********8000');
    expect(maskNumbers('+86 138 0013 8000', redaction)).toBe('+** *** **** 8000');
  });

  it('keeps no digit of a long run that is not the recipient (a code glued to an encoding)', () => {
    const redaction = redactionFor({ to: cn });
    expect(maskNumbers('%2522482910%2522', redaction)).toBe('%**********%2522');
    expect(maskNumbers('+1 202 555 0199', redaction)).toBe('+* *** *** ****');
    // Short runs (error codes, statuses) are left alone.
    expect(maskNumbers('HTTP 400, code 21211', redaction)).toBe('HTTP 400, code 21211');
  });

  it('redacting twice (provider, then sender) leaves the markers whole', () => {
    const redaction = redactionFor({ to: cn, template: { params: { word: 'act', code: 'ign' } } });
    const once = redactText('act ign: string to sign is: act', redaction);
    expect(once).toBe('[redacted] [redacted]: [string to sign removed]');
    expect(redactText(once, redaction)).toBe(once);
  });

  it('cuts template values in every encoding a provider echoes them in', () => {
    const redaction = redactionFor({ to: cn, template: { params: { code: 'ab 12/3' } } });
    for (const written of ['ab 12/3', 'ab%2012%2F3', 'ab%252012%252F3', 'ab+12%2F3', 'AB 12/3']) {
      expect(redactText(`value ${written} refused`, redaction)).toBe('value [redacted] refused');
    }
  });
});
