/// <reference path="../../../../types/smpp.d.ts" />
import type { AddressInfo } from 'node:net';
import smpp, { type DecodedShortMessage, type Pdu, type Session } from 'smpp';
import type { Fault } from '../faults.js';
import { parseDigitsNumber } from './phone-numbers.js';
import { utcCompact } from './report-poster.js';
import { randomHex, type SmsContext, safeEqual } from './sms-context.js';

export interface SandboxSmppServerOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** A running SMPP server (SMSC imitation) that stores into the sandbox inbox. */
export interface SandboxSmppServer {
  /** `smpp://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Destroys every open session's socket, as an SMSC restart would (for reconnect tests). */
  dropConnections(): void;
  /** Bound sessions right now. */
  sessionCount(): number;
  close(): Promise<void>;
}

const BIND_COMMANDS = ['bind_transceiver', 'bind_transmitter', 'bind_receiver'] as const;
/** esm_class bit for "this deliver_sm is an SMSC delivery receipt". */
const ESM_CLASS_DELIVERY_RECEIPT = 0x04;
/** TLV message_state values (SMPP 5.0 §4.8.4.37). */
const MESSAGE_STATE = { delivered: 2, expired: 3, failed: 5 } as const;
const RECEIPT_STAT = { delivered: 'DELIVRD', expired: 'EXPIRED', failed: 'UNDELIV' } as const;
const RECEIPT_ERR = { delivered: '000', expired: '000', failed: '001' } as const;

interface PendingConcatenation {
  parts: Map<number, string>;
  total: number;
  firstId?: string;
  startedAt: number;
}

/** Reads the concatenation IE (0x00: 8-bit reference, 0x08: 16-bit reference) from the UDH list. */
function concatenationInfo(
  udh: readonly Buffer[] | undefined,
): { ref: number; total: number; seq: number } | undefined {
  for (const element of udh ?? []) {
    if (element[0] === 0x00 && element.length >= 5) {
      return { ref: element[2] ?? 0, total: element[3] ?? 0, seq: element[4] ?? 0 };
    }
    if (element[0] === 0x08 && element.length >= 6) {
      return {
        ref: ((element[2] ?? 0) << 8) | (element[3] ?? 0),
        total: element[4] ?? 0,
        seq: element[5] ?? 0,
      };
    }
  }
  return undefined;
}

function messageParts(value: DecodedShortMessage | undefined): { text: string; udh?: Buffer[] } {
  if (value === undefined) return { text: '' };
  if (typeof value === 'string') return { text: value };
  if (Buffer.isBuffer(value)) return { text: value.toString('latin1') };
  const text = typeof value.message === 'string' ? value.message : value.message.toString('latin1');
  return value.udh === undefined ? { text } : { text, udh: value.udh };
}

/** Receipt `text:` is informational: the first 20 characters, non-ASCII shown as dots. */
function receiptText(text: string): string {
  return [...text]
    .slice(0, 20)
    .map((char) => (/^[\x20-\x7e]$/.test(char) ? char : '.'))
    .join('');
}

/** Starts an SMPP 3.4/5.0 server for the sandbox: binds, submit_sm, concatenation, receipts. */
export async function startSmppServer(
  sms: SmsContext,
  options: SandboxSmppServerOptions = {},
): Promise<SandboxSmppServer> {
  const pending = new Map<string, PendingConcatenation>();

  const server = smpp.createServer((session: Session) => {
    let boundAs: string | undefined;
    session.on('error', () => {
      // A client that disconnects mid-PDU: nothing to answer.
    });

    for (const command of BIND_COMMANDS) {
      session.on(command, (pdu: Pdu) => {
        const expected = sms.config.smpp;
        if (boundAs !== undefined) {
          session.send(pdu.response({ command_status: smpp.ESME_RALYBND }));
          return;
        }
        if (!safeEqual(pdu.system_id ?? '', expected.systemId)) {
          session.send(pdu.response({ command_status: smpp.ESME_RINVSYSID }));
          session.close();
          return;
        }
        if (!safeEqual(pdu.password ?? '', expected.password)) {
          session.send(pdu.response({ command_status: smpp.ESME_RINVPASWD }));
          session.close();
          return;
        }
        boundAs = pdu.system_id;
        session.send(pdu.response({ system_id: 'lingpai-sandbox' }));
      });
    }

    session.on('enquire_link', (pdu: Pdu) => {
      session.send(pdu.response());
    });

    session.on('unbind', (pdu: Pdu) => {
      session.send(pdu.response());
      session.close();
    });

    session.on('deliver_sm_resp', () => {
      // The client acknowledged a receipt; nothing further to do.
    });

    /** Answers one submit_sm, after the fault switches: reset, hang, 5xx → ESME_RSYSERR, quota. */
    const submit = (pdu: Pdu, fault: Fault | undefined) => {
      if (fault?.reset) {
        session.socket.destroy();
        return;
      }
      if (fault?.hang) return;
      if (fault?.status !== undefined) {
        session.send(pdu.response({ command_status: smpp.ESME_RSYSERR }));
        return;
      }
      if (fault?.quota) {
        session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
        return;
      }
      const to = parseDigitsNumber(pdu.destination_addr ?? '');
      if (to === undefined) {
        session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
        return;
      }
      const messageId = randomHex(8).toUpperCase();
      session.send(pdu.response({ message_id: messageId }));

      const now = sms.sandbox.clock.now();
      const short = messageParts(pdu.short_message);
      const { text, udh } =
        short.text === '' && pdu.message_payload !== undefined ? messageParts(pdu.message_payload) : short;
      const from = pdu.source_addr ?? '';
      const concat = concatenationInfo(udh);
      if (concat === undefined || concat.total <= 1) {
        sms.deliver({ provider: 'smpp', messageId, to, from, text });
      } else {
        const key = `${boundAs}\u0000${from}\u0000${to}\u0000${concat.ref}\u0000${concat.total}`;
        const entry: PendingConcatenation = pending.get(key) ?? {
          parts: new Map(),
          total: concat.total,
          startedAt: now,
        };
        entry.parts.set(concat.seq, text);
        if (concat.seq === 1) entry.firstId = messageId;
        pending.set(key, entry);
        if (entry.parts.size === entry.total) {
          pending.delete(key);
          const full = [...entry.parts.entries()]
            .sort(([a], [b]) => a - b)
            .map(([, part]) => part)
            .join('');
          sms.deliver({ provider: 'smpp', messageId: entry.firstId ?? messageId, to, from, text: full });
        }
        // Parts that never complete are dropped after the timestamp window.
        for (const [staleKey, stale] of pending) {
          if (now - stale.startedAt > sms.config.timestampWindowMs) pending.delete(staleKey);
        }
      }

      const status = sms.reportStatus();
      // registered_delivery bit 0: the client asked for an SMSC delivery receipt.
      if (status === 'none' || ((pdu.registered_delivery ?? 0) & 0x01) === 0) return;
      const date = utcCompact(now);
      const receipt =
        `id:${messageId} sub:001 dlvrd:${status === 'delivered' ? '001' : '000'} ` +
        `submit date:${date} done date:${date} stat:${RECEIPT_STAT[status]} err:${RECEIPT_ERR[status]} ` +
        `text:${receiptText(text)}`;
      setTimeout(() => {
        session.deliver_sm({
          source_addr: pdu.destination_addr ?? '',
          destination_addr: from,
          esm_class: ESM_CLASS_DELIVERY_RECEIPT,
          short_message: receipt,
          receipted_message_id: messageId,
          message_state: MESSAGE_STATE[status],
        });
      }, sms.config.reportDelayMs);
    };

    session.on('submit_sm', (pdu: Pdu) => {
      if (boundAs === undefined) {
        session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
        return;
      }
      const fault = sms.sandbox.faults.take('smpp');
      if (fault?.latencyMs) setTimeout(() => submit(pdu, fault), fault.latencyMs);
      else submit(pdu, fault);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  return {
    url: `smpp://${host}:${address.port}`,
    port: address.port,
    dropConnections() {
      for (const session of [...server.sessions]) session.socket.destroy();
    },
    sessionCount: () => server.sessions.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of [...server.sessions]) session.socket.destroy();
        server.close(() => resolve());
      }),
  };
}
