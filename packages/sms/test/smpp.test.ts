/// <reference path="../../../types/smpp.d.ts" />
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { createSandbox, type Sandbox, type SandboxSmppServer } from '@lingpai/sandbox';
import smpp, { type Pdu, type Session, type Server as SmppServer } from 'smpp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test-support/ports.js';
import {
  createMemoryProvider,
  type DeliveryReport,
  encodeSmsText,
  isGsmEncodable,
  PhoneNumber,
  SmsSender,
} from '../src/index.js';
import { createSmppProvider, type SmppProvider, type SmppProviderOptions } from '../src/smpp.js';
import { rejection } from './support.js';

/** Resolves once `check` is true; polls, so it never depends on how long a step takes. */
async function eventually(check: () => boolean, what: string, limit = 400): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('SMPP text encoding', () => {
  it('keeps 160 GSM characters in one part and splits 161 into 153 + 8', () => {
    expect(encodeSmsText('a'.repeat(160)).parts.map((part) => part.length)).toEqual([160]);
    const long = encodeSmsText('a'.repeat(161));
    expect(long).toMatchObject({ encoding: 'gsm', dataCoding: 0 });
    expect(long.parts.map((part) => part.length)).toEqual([153, 8]);
  });

  it('counts extension characters as two septets and never splits the escape pair', () => {
    expect(encodeSmsText(`${'a'.repeat(158)}€`).parts.map((part) => part.length)).toEqual([160]);
    const encoded = encodeSmsText(`${'a'.repeat(152)}€${'b'.repeat(10)}`);
    expect(encoded.parts.map((part) => part.length)).toEqual([152, 12]);
    expect([...(encoded.parts[1] ?? [])].slice(0, 3)).toEqual([0x1b, 0x65, 0x62]);
  });

  it('uses UCS-2 (data_coding 8) for Chinese: 70 characters in one part, 71 in 67 + 4', () => {
    expect(isGsmEncodable('验证码')).toBe(false);
    const one = encodeSmsText('验'.repeat(70));
    expect(one).toMatchObject({ encoding: 'ucs2', dataCoding: 8 });
    expect(one.parts.map((part) => part.length)).toEqual([140]);
    expect(encodeSmsText('验'.repeat(71)).parts.map((part) => part.length)).toEqual([134, 8]);
  });

  it('never splits a surrogate pair', () => {
    const encoded = encodeSmsText(`${'验'.repeat(66)}😀x`.repeat(2));
    for (const part of encoded.parts) {
      const last = ((part[part.length - 2] ?? 0) << 8) | (part[part.length - 1] ?? 0);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
  });
});

describe('SMPP provider against the sandbox SMSC', () => {
  let sandbox: Sandbox;
  let smsc: SandboxSmppServer;
  const providers: SmppProvider[] = [];

  const make = (overrides: Partial<SmppProviderOptions> = {}): SmppProvider => {
    const provider = createSmppProvider({
      url: smsc.url,
      systemId: sandbox.sms.config.smpp.systemId,
      password: sandbox.sms.config.smpp.password,
      sourceAddr: 'LINGPAI',
      responseTimeoutMs: 5_000,
      connectTimeoutMs: 5_000,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...overrides,
    });
    providers.push(provider);
    return provider;
  };

  beforeAll(async () => {
    sandbox = await createSandbox();
    await sandbox.listen();
    smsc = await sandbox.sms.startSmpp();
  });
  afterAll(async () => {
    await Promise.all(providers.map((provider) => provider.close()));
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.sms.clear();
    sandbox.sms.setReportStatus('delivered');
    sandbox.faults.clear();
  });

  it('sends a long Chinese message in UCS-2 parts that the SMSC reassembles, then reports it delivered', async () => {
    const reports: DeliveryReport[] = [];
    const provider = make({ onDeliveryReport: (report) => reports.push(report) });
    const text = `【令牌】您的验证码是 246810，5 分钟内有效。${'请勿向任何人泄露验证码，客服不会向您索取。'.repeat(6)}`;
    const result = await provider.send({ to: PhoneNumber.parse('+8613800138000'), content: text });
    expect(result).toMatchObject({ provider: 'smpp', to: '+8613800138000', status: 'accepted' });
    expect(result.segments).toBeGreaterThan(1);

    const [message] = sandbox.sms.messages({ to: '+8613800138000', provider: 'smpp' });
    expect(message).toMatchObject({ text, from: 'LINGPAI', messageId: result.messageId });
    expect(sandbox.sms.lastCode('+8613800138000')).toBe('246810');

    await eventually(() => reports.length > 0, 'the delivery receipt');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      provider: 'smpp',
      messageId: result.messageId,
      to: '+8613800138000',
      status: 'delivered',
      providerStatus: 'DELIVRD',
    });
    expect(reports[0]?.doneAt).toBeInstanceOf(Date);
  });

  it('sends a GSM message in one part and turns a failed receipt into a failed report', async () => {
    sandbox.sms.setReportStatus('failed');
    const provider = make();
    const reports: DeliveryReport[] = [];
    provider.onDeliveryReport((report) => reports.push(report));
    const result = await provider.send({
      to: PhoneNumber.parse('+447911123456'),
      content: 'Your code is 1234 {ok}',
    });
    expect(result.segments).toBe(1);
    expect(sandbox.sms.last('+447911123456')?.text).toBe('Your code is 1234 {ok}');
    await eventually(() => reports.length > 0, 'the receipt');
    expect(reports[0]).toMatchObject({ status: 'failed', providerStatus: 'UNDELIV', errorCode: '001' });
  });

  it('reconnects after the SMSC drops the connection', async () => {
    // A reconnect delay long enough for the test to see the session down before it comes back.
    const provider = make({ reconnect: { initialDelayMs: 300, maxDelayMs: 300 } });
    await provider.connect();
    expect(provider.bound).toBe(true);
    smsc.dropConnections();
    await eventually(() => !provider.bound, 'the drop to be noticed');
    await eventually(() => provider.bound, 'the reconnect');
    const result = await provider.send({
      to: PhoneNumber.parse('+8613900139000'),
      content: 'after reconnect 5678',
    });
    expect(sandbox.sms.last('+8613900139000')?.messageId).toBe(result.messageId);
  });

  it('fails the bind with SMS_AUTH_FAILED and the SMPP status name', async () => {
    const provider = make({ password: 'wrong', reconnect: false });
    const error = await rejection(provider.send({ to: PhoneNumber.parse('+8613800138000'), content: 'x' }));
    expect(error.code).toBe('SMS_AUTH_FAILED');
    expect(error.providerCode).toBe('ESME_RINVPASWD');
    expect(error.mayHaveBeenSent).toBe(false);
  });

  it('fails over to the next provider when the SMSC refuses the bind (the refusal was not retryable)', async () => {
    const memory = createMemoryProvider();
    const sender = new SmsSender({
      providers: [make({ password: 'wrong', reconnect: false }), memory],
    });
    const result = await sender.send({ to: '+8613800138000', content: 'Your code is 135790' });
    expect(result.provider).toBe('memory');
    expect(result.attempts.map((attempt) => [attempt.provider, attempt.error?.code])).toEqual([
      ['smpp', 'SMS_AUTH_FAILED'],
      ['memory', undefined],
    ]);
    expect(memory.lastCode('+8613800138000')).toBe('135790');
  });

  it('gives SMS_UNKNOWN_OUTCOME (may have been sent) for an unanswered submit_sm, and the sender does not re-send it', async () => {
    const memory = createMemoryProvider();
    const sender = new SmsSender({ providers: [make({ responseTimeoutMs: 200 }), memory] });
    sandbox.faults.set('smpp', { hang: true, times: 1 });
    const error = await rejection(sender.send({ to: '+8613800138000', content: 'x' }));
    expect(error).toMatchObject({
      code: 'SMS_UNKNOWN_OUTCOME',
      mayHaveBeenSent: true,
      message: 'smpp: no submit_sm_resp within 200 ms',
    });
    expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['smpp']);
    expect(memory.messages).toHaveLength(0);
  });

  it('gives SMS_UNKNOWN_OUTCOME when the connection drops after submit_sm, then binds again', async () => {
    const provider = make({ reconnect: { initialDelayMs: 20, maxDelayMs: 20 } });
    await provider.connect();
    sandbox.faults.set('smpp', { reset: true, times: 1 });
    const error = await rejection(provider.send({ to: PhoneNumber.parse('+8613800138000'), content: 'x' }));
    expect(error).toMatchObject({ code: 'SMS_UNKNOWN_OUTCOME', mayHaveBeenSent: true });
    await eventually(() => provider.bound, 'the reconnect');
    const result = await provider.send({ to: PhoneNumber.parse('+8613800138000'), content: 'again 2468' });
    expect(sandbox.sms.last('+8613800138000')?.messageId).toBe(result.messageId);
  });

  it('classifies ESME_RSYSERR (the sandbox 5xx fault) as SMS_PROVIDER_UNAVAILABLE and fails over', async () => {
    const memory = createMemoryProvider();
    const sender = new SmsSender({ providers: [make(), memory] });
    sandbox.faults.set('smpp', { status: 503, times: 1 });
    const result = await sender.send({ to: '+8613800138000', content: 'x' });
    expect(result.provider).toBe('memory');
    expect(result.attempts[0]?.error).toMatchObject({
      code: 'SMS_PROVIDER_UNAVAILABLE',
      providerCode: 'ESME_RSYSERR',
      mayHaveBeenSent: false,
    });
  });

  it('classifies ESME_RTHROTTLED (the sandbox quota fault) as SMS_RATE_LIMITED', async () => {
    const provider = make();
    sandbox.faults.set('smpp', { quota: true, times: 1 });
    const error = await rejection(provider.send({ to: PhoneNumber.parse('+8613800138000'), content: 'x' }));
    expect(error.code).toBe('SMS_RATE_LIMITED');
    expect(error.providerCode).toBe('ESME_RTHROTTLED');
  });

  it('rejects a template-only message with SMS_UNSUPPORTED_MESSAGE', async () => {
    const provider = make();
    const error = await rejection(
      provider.send({
        to: PhoneNumber.parse('+8613800138000'),
        template: { id: 'SMS_1', params: { code: '1' } },
      }),
    );
    expect(error.code).toBe('SMS_UNSUPPORTED_MESSAGE');
  });
});

describe('SMPP provider failures without an SMSC', () => {
  let silent: Server;
  beforeAll(async () => {
    // Accepts TCP connections and never answers: a hung SMSC.
    silent = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

  const silentProvider = (timeouts: Pick<SmppProviderOptions, 'connectTimeoutMs' | 'responseTimeoutMs'>) =>
    createSmppProvider({
      url: `smpp://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      systemId: 'a',
      password: 'b',
      sourceAddr: '10690000',
      reconnect: false,
      ...timeouts,
    });

  it('gives SMS_TIMEOUT (not sent) when the bind does not complete within connectTimeoutMs', async () => {
    const provider = silentProvider({ connectTimeoutMs: 200, responseTimeoutMs: 10_000 });
    const error = await rejection(provider.send({ to: PhoneNumber.parse('+8613800138000'), content: 'x' }));
    expect(error).toMatchObject({
      code: 'SMS_TIMEOUT',
      mayHaveBeenSent: false,
      retryable: true,
      message: 'smpp: no bind within 200 ms',
    });
    await provider.close();
  });

  it('gives SMS_TIMEOUT (not sent) when no bind_transceiver_resp arrives within responseTimeoutMs', async () => {
    const provider = silentProvider({ connectTimeoutMs: 10_000, responseTimeoutMs: 100 });
    const error = await rejection(provider.send({ to: PhoneNumber.parse('+8613800138000'), content: 'x' }));
    expect(error).toMatchObject({
      code: 'SMS_TIMEOUT',
      mayHaveBeenSent: false,
      message: 'smpp: no bind_transceiver_resp within 100 ms',
    });
    await provider.close();
  });

  it('fails over after a bind timeout: nothing was submitted', async () => {
    const memory = createMemoryProvider();
    const sender = new SmsSender({
      providers: [silentProvider({ connectTimeoutMs: 100, responseTimeoutMs: 10_000 }), memory],
    });
    const result = await sender.send({ to: '+8613800138000', content: 'Your code is 112358' });
    expect(result.provider).toBe('memory');
    expect(result.attempts.map((attempt) => [attempt.provider, attempt.error?.code])).toEqual([
      ['smpp', 'SMS_TIMEOUT'],
      ['memory', undefined],
    ]);
    expect(memory.lastCode('+8613800138000')).toBe('112358');
    await sender.close();
  });

  it('gives SMS_PROVIDER_UNAVAILABLE when the connection is refused', async () => {
    const port = await closedPort();
    const provider = createSmppProvider({
      url: `smpp://127.0.0.1:${port}`,
      systemId: 'a',
      password: 'b',
      sourceAddr: '10690000',
      reconnect: false,
    });
    const error = await rejection(provider.send({ to: PhoneNumber.parse('+8613800138000'), content: 'x' }));
    expect(error.code).toBe('SMS_PROVIDER_UNAVAILABLE');
    await provider.close();
  });

  it('refuses a bad URL or missing credentials at construction', () => {
    expect(() =>
      createSmppProvider({ url: 'http://x', systemId: 'a', password: 'b', sourceAddr: 'c' }),
    ).toThrow(expect.objectContaining({ code: 'SMS_CONFIG_INVALID' }));
    expect(() =>
      createSmppProvider({ url: 'smpp://x:1', systemId: '', password: 'b', sourceAddr: 'c' }),
    ).toThrow(expect.objectContaining({ code: 'SMS_CONFIG_INVALID' }));
  });
});

describe("SMPP provider against a scripted SMSC (the smpp package's server)", () => {
  let server: SmppServer;
  let port = 0;
  let binds = 0;
  let enquireLinks = 0;
  let answerEnquireLink = true;
  let submitStatus = 0;
  const providers: SmppProvider[] = [];

  beforeAll(async () => {
    server = smpp.createServer((session: Session) => {
      session.on('error', () => undefined);
      session.on('bind_transceiver', (pdu: Pdu) => {
        binds += 1;
        session.send(pdu.response());
      });
      session.on('enquire_link', (pdu: Pdu) => {
        enquireLinks += 1;
        if (answerEnquireLink) session.send(pdu.response());
      });
      session.on('submit_sm', (pdu: Pdu) => {
        session.send(pdu.response({ command_status: submitStatus, message_id: 'M1' }));
      });
      session.on('unbind', (pdu: Pdu) => {
        session.send(pdu.response());
        session.close();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await Promise.all(providers.map((provider) => provider.close()));
    for (const session of [...server.sessions]) session.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    binds = 0;
    enquireLinks = 0;
    answerEnquireLink = true;
    submitStatus = 0;
  });

  const make = (overrides: Partial<SmppProviderOptions> = {}): SmppProvider => {
    const provider = createSmppProvider({
      url: `smpp://127.0.0.1:${port}`,
      systemId: 'acme',
      password: 'secret',
      sourceAddr: 'ACME',
      reconnect: { initialDelayMs: 20, maxDelayMs: 20 },
      ...overrides,
    });
    providers.push(provider);
    return provider;
  };

  it('keeps the link alive with enquire_link on the interval, on one bind', async () => {
    const provider = make({ enquireLinkIntervalMs: 30 });
    await provider.connect();
    await eventually(() => enquireLinks >= 3, 'three enquire_link PDUs');
    expect(provider.bound).toBe(true);
    expect(binds).toBe(1);
    await provider.close();
  });

  it('drops a link whose enquire_link goes unanswered and binds again', async () => {
    answerEnquireLink = false;
    const provider = make({ enquireLinkIntervalMs: 30, responseTimeoutMs: 50 });
    await provider.connect();
    await eventually(() => binds >= 2, 'a second bind after the dead link');
    await provider.close();
  });

  it('classifies ESME_RINVSRCADR as SMS_SIGN_REJECTED and does not fail over on it', async () => {
    submitStatus = 0x0a;
    const memory = createMemoryProvider();
    const sender = new SmsSender({ providers: [make(), memory] });
    const error = await rejection(sender.send({ to: '+8613800138000', content: 'x' }));
    expect(error).toMatchObject({ code: 'SMS_SIGN_REJECTED', providerCode: 'ESME_RINVSRCADR' });
    expect(memory.messages).toHaveLength(0);
  });
});
