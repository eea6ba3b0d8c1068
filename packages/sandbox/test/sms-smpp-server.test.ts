/// <reference path="../../../types/smpp.d.ts" />
// The sandbox SMSC spoken to with the `smpp` package's own client, PDU by PDU.
import smpp, { type Pdu, type Session } from 'smpp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox, type SandboxSmppServer } from '../src/index.js';

let sandbox: Sandbox;
let smsc: SandboxSmppServer;
let session: Session;

function call(command: string, fields: Record<string, unknown> = {}): Promise<Pdu> {
  return new Promise((resolve) => {
    session.send(new smpp.PDU(command, fields), resolve);
  });
}

const { systemId, password } = SANDBOX_SMS_DEFAULTS.smpp;

beforeAll(async () => {
  sandbox = await createSandbox();
  smsc = await sandbox.sms.startSmpp();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.sms.clear();
  session = smpp.connect({ host: '127.0.0.1', port: smsc.port });
  session.on('error', () => undefined);
  await new Promise((resolve) => session.once('connect', resolve));
});
afterEach(() => {
  session.destroy();
  sandbox.faults.clear();
});

describe('sandbox SMSC', () => {
  it('refuses submit_sm before bind, then a wrong system_id, and closes the session', async () => {
    expect(
      (await call('submit_sm', { destination_addr: '8613800138000', short_message: 'x' })).command_status,
    ).toBe(smpp.ESME_RINVBNDSTS);
    const closed = new Promise((resolve) => session.once('close', resolve));
    const refused = await call('bind_transceiver', { system_id: 'intruder', password });
    expect(refused.command_status).toBe(smpp.ESME_RINVSYSID);
    await closed;
  });

  it('binds, answers enquire_link and stores a GSM message with its message id', async () => {
    expect((await call('bind_transceiver', { system_id: systemId, password })).command_status).toBe(0);
    expect((await call('enquire_link')).command_status).toBe(0);
    const response = await call('submit_sm', {
      source_addr: 'LINGPAI',
      destination_addr: '447911123456',
      short_message: 'Your code is 424242',
    });
    expect(response.command_status).toBe(0);
    expect(sandbox.sms.last('+447911123456')).toMatchObject({
      provider: 'smpp',
      messageId: response.message_id,
      from: 'LINGPAI',
      text: 'Your code is 424242',
    });
  });

  it('reassembles parts with a 16-bit reference sent out of order, and sends a receipt per part', async () => {
    await call('bind_transceiver', { system_id: systemId, password });
    const receipts: string[] = [];
    session.on('deliver_sm', (pdu: Pdu) => {
      session.send(pdu.response());
      const message = pdu.short_message;
      receipts.push(
        typeof message === 'object' && !Buffer.isBuffer(message) ? String(message.message) : String(message),
      );
    });
    const part = (seq: number, text: string) =>
      call('submit_sm', {
        destination_addr: '8613800138000',
        registered_delivery: 1,
        short_message: { udh: Buffer.from([0x06, 0x08, 0x04, 0x12, 0x34, 0x02, seq]), message: text },
        data_coding: 8,
      });
    const second = await part(2, '第二部分');
    expect(sandbox.sms.messages()).toHaveLength(0);
    const first = await part(1, '验证码 9911，第一部分，');
    expect(sandbox.sms.last('+8613800138000')).toMatchObject({
      text: '验证码 9911，第一部分，第二部分',
      messageId: first.message_id,
    });
    for (let i = 0; i < 200 && receipts.length < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(receipts).toHaveLength(2);
    expect(receipts.find((receipt) => receipt.startsWith(`id:${second.message_id} `))).toMatch(
      /^id:\w+ sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 text:/,
    );
  });

  it('answers unbind and closes the session', async () => {
    await call('bind_transceiver', { system_id: systemId, password });
    const closed = new Promise((resolve) => session.once('close', resolve));
    expect((await call('unbind')).command_status).toBe(0);
    await closed;
  });
  it('applies the fault switches to submit_sm: 5xx, quota, latency, hang, then reset', async () => {
    await call('bind_transceiver', { system_id: systemId, password });
    const submit = () =>
      call('submit_sm', { source_addr: 'LINGPAI', destination_addr: '8613800138000', short_message: 'x' });
    sandbox.faults.set('smpp', { status: 503, times: 1 });
    expect((await submit()).command_status).toBe(smpp.ESME_RSYSERR);
    sandbox.faults.set('smpp', { quota: true, times: 1 });
    expect((await submit()).command_status).toBe(smpp.ESME_RTHROTTLED);
    // Latency: the delayed answer comes after the answer to enquire_link sent behind it.
    sandbox.faults.set('smpp', { latencyMs: 300, times: 1 });
    const order: string[] = [];
    const delayed = submit().then((response) => order.push(`submit ${response.command_status}`));
    await call('enquire_link').then(() => order.push('enquire_link'));
    await delayed;
    expect(order).toEqual(['enquire_link', 'submit 0']);
    expect(sandbox.sms.messages()).toHaveLength(1);

    // Hang: no answer at all, while the session still answers enquire_link.
    sandbox.faults.set('smpp', { hang: true, times: 1 });
    let answered = false;
    void submit().then(() => {
      answered = true;
    });
    expect((await call('enquire_link')).command_status).toBe(0);
    expect(answered).toBe(false);
    expect(sandbox.sms.messages()).toHaveLength(1);

    sandbox.faults.set('smpp', { reset: true, times: 1 });
    const closed = new Promise((resolve) => session.once('close', resolve));
    void submit();
    await closed;
    expect(sandbox.sms.messages()).toHaveLength(1);
  });
});
