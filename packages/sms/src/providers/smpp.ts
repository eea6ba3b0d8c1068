/// <reference path="../../../../types/smpp.d.ts" />
// SMPP 3.4 transceiver (through the `smpp` package): bind, submit_sm with GSM 7-bit or UCS-2 and
// UDH concatenation, enquire_link keep-alive, reconnect with backoff, deliver_sm receipts as
// delivery reports.
import smpp, { type DecodedShortMessage, type Pdu, type Session } from 'smpp';
import { attachRaw } from '../attempt.js';
import type { DeliveryReport } from '../delivery-report.js';
import { parseSmppReceipt, smppReceiptToReport } from '../delivery-reports/smpp.js';
import { configError, oneOf, optionalString, requireOptions, requireString } from '../internal/config.js';
import type { SmsRequest } from '../message.js';
import type { SmsProvider, SmsProviderCapabilities, SmsProviderResult, SmsSendContext } from '../provider.js';
import { SmsError, type SmsErrorCode } from '../sms-error.js';
import { resolveContent } from '../template.js';
import { concatenationUdh, encodeSmsText, type SmppEncoding } from './smpp-encoding.js';

export interface SmppReconnectOptions {
  /** First delay after a drop, ms. Default 500. */
  initialDelayMs?: number;
  /** Ceiling, ms. Default 30,000. */
  maxDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
}

export interface SmppProviderOptions {
  /** Instance name. Default `smpp`. */
  name?: string;
  /** `smpp://host:port` (or `ssmpp://` for TLS). */
  url: string;
  systemId: string;
  password: string;
  systemType?: string;
  /** Sender address (`source_addr`); a message's `from` overrides it. */
  sourceAddr: string;
  /** Default 5 (alphanumeric) when `sourceAddr` has letters, else 1 (international). */
  sourceAddrTon?: number;
  /** Default 0 for alphanumeric, else 1 (ISDN). */
  sourceAddrNpi?: number;
  /** `'auto'` (default): GSM 7-bit when every character fits, else UCS-2 (data_coding 8). */
  encoding?: SmppEncoding | 'auto';
  /** Ask for SMSC delivery receipts. Default true. */
  registeredDelivery?: boolean;
  /** Keep-alive period, ms. Default 30,000. 0 turns it off. */
  enquireLinkIntervalMs?: number;
  /** How long to wait for a connection plus bind_resp, ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** How long to wait for each *_resp, ms. Default 10,000. */
  responseTimeoutMs?: number;
  /** Reconnect after the SMSC drops the session. Default on; `false` turns it off. */
  reconnect?: SmppReconnectOptions | false;
  /** Receives every delivery receipt, normalized. Also see `onDeliveryReport()`. */
  onDeliveryReport?: (report: DeliveryReport) => void;
  /** Source of the 8-bit concatenation reference and backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/** The SMPP provider: an `SmsProvider` plus the session controls. */
export interface SmppProvider extends SmsProvider {
  readonly kind: 'smpp';
  /** Connects and binds now (otherwise the first send does). */
  connect(): Promise<void>;
  /** Subscribes to delivery receipts; returns the unsubscribe function. */
  onDeliveryReport(listener: (report: DeliveryReport) => void): () => void;
  /** True while bound. */
  readonly bound: boolean;
  /** Unbinds and closes; no reconnect afterwards. */
  close(): Promise<void>;
}

/** SMPP command_status values (SMPP 3.4 §5.1.3) that say something about the message or the account. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'ESME_RINVMSGLEN',
  2: 'ESME_RINVCMDLEN',
  3: 'ESME_RINVCMDID',
  4: 'ESME_RINVBNDSTS',
  5: 'ESME_RALYBND',
  8: 'ESME_RSYSERR',
  10: 'ESME_RINVSRCADR',
  11: 'ESME_RINVDSTADR',
  13: 'ESME_RBINDFAIL',
  14: 'ESME_RINVPASWD',
  15: 'ESME_RINVSYSID',
  20: 'ESME_RMSGQFUL',
  69: 'ESME_RSUBMITFAIL',
  88: 'ESME_RTHROTTLED',
  97: 'ESME_RINVSCHED',
  98: 'ESME_RINVEXPIRY',
  254: 'ESME_RDELIVERYFAILURE',
};

const STATUS_CODES: Readonly<Record<number, SmsErrorCode>> = {
  1: 'SMS_CONTENT_REJECTED',
  8: 'SMS_PROVIDER_UNAVAILABLE',
  10: 'SMS_SIGN_REJECTED',
  11: 'SMS_INVALID_NUMBER',
  13: 'SMS_AUTH_FAILED',
  14: 'SMS_AUTH_FAILED',
  15: 'SMS_AUTH_FAILED',
  20: 'SMS_PROVIDER_UNAVAILABLE',
  88: 'SMS_RATE_LIMITED',
};

/** esm_class: UDH indicator (bit 6) on submit_sm; SMSC delivery receipt (bits 2-5 = 0001) on deliver_sm. */
const ESM_UDHI = 0x40;
const ESM_RECEIPT_MASK = 0x3c;
const ESM_RECEIPT = 0x04;
/** How many multi-part messages waiting for receipts are remembered. */
const PENDING_RECEIPT_LIMIT = 10_000;

function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `0x${status.toString(16).padStart(8, '0')}`;
}

function statusError(provider: string, status: number, stage: 'bind' | 'submit'): SmsError {
  const code: SmsErrorCode =
    STATUS_CODES[status] ?? (stage === 'bind' ? 'SMS_AUTH_FAILED' : 'SMS_PROVIDER_ERROR');
  // `retryable` follows the code, as for every other provider: a refused bind fails over.
  return new SmsError(code, `${provider}: ${stage} refused with ${statusName(status)}`, {
    provider,
    providerCode: statusName(status),
  });
}

function receiptText(value: DecodedShortMessage | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  return typeof value.message === 'string' ? value.message : value.message.toString('latin1');
}

function parseUrl(url: unknown, name: string): { host: string; port: number; tls: boolean } {
  const text = requireString(name, 'url', url, 'SMPP_URL');
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw configError(`${name}: \`url\` must look like smpp://host:port`);
  }
  if (parsed.protocol !== 'smpp:' && parsed.protocol !== 'ssmpp:') {
    throw configError(`${name}: \`url\` must use smpp:// or ssmpp://, not ${parsed.protocol}//`);
  }
  const tls = parsed.protocol === 'ssmpp:';
  return { host: parsed.hostname, port: parsed.port === '' ? (tls ? 3550 : 2775) : Number(parsed.port), tls };
}

interface Pending {
  reject(error: SmsError): void;
}

interface MultipartReceipts {
  messageId: string;
  parts: number;
  reports: DeliveryReport[];
}

/** Creates an SMPP transceiver provider. Nothing connects until `connect()` or the first send. */
export function createSmppProvider(input: SmppProviderOptions): SmppProvider {
  const options = requireOptions('smpp', 'createSmppProvider', input, 'url, systemId, password, sourceAddr');
  const name = optionalString('smpp', 'name', options.name) ?? 'smpp';
  requireString(name, 'systemId', options.systemId, 'SMPP_SYSTEM_ID');
  requireString(name, 'password', options.password, 'SMPP_PASSWORD');
  requireString(name, 'sourceAddr', options.sourceAddr);
  const target = parseUrl(options.url, name);
  oneOf(name, 'encoding', options.encoding, ['auto', 'gsm', 'ucs2'], 'auto');
  const millis = (field: string, value: number | undefined, fallback: number, min: number) => {
    const resolved = value ?? fallback;
    if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved < min) {
      throw configError(`${name}: \`${field}\` must be a number of milliseconds >= ${min}`);
    }
    return resolved;
  };
  const connectTimeoutMs = millis('connectTimeoutMs', options.connectTimeoutMs, 10_000, 1);
  const responseTimeoutMs = millis('responseTimeoutMs', options.responseTimeoutMs, 10_000, 1);
  const enquireLinkIntervalMs = millis('enquireLinkIntervalMs', options.enquireLinkIntervalMs, 30_000, 0);
  const reconnect = options.reconnect === false ? undefined : (options.reconnect ?? {});
  const random = options.random ?? Math.random;
  const alphanumeric = /[A-Za-z]/.test(options.sourceAddr);
  const listeners = new Set<(report: DeliveryReport) => void>();
  if (options.onDeliveryReport !== undefined) listeners.add(options.onDeliveryReport);
  const capabilities: SmsProviderCapabilities = { template: false, content: true };

  let session: Session | undefined;
  let bound = false;
  let closed = false;
  let binding: Promise<void> | undefined;
  let reconnectAttempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  const pending = new Set<Pending>();
  let nextReference = Math.floor(random() * 256) & 0xff;
  // Part message id -> the logical message its receipts roll up into.
  const multipart = new Map<string, MultipartReceipts>();

  const emit = (report: DeliveryReport) => {
    for (const listener of listeners) {
      try {
        listener(report);
      } catch {
        // A listener's failure must not break the session.
      }
    }
  };

  /**
   * Sends a request PDU and resolves with its response, or rejects on timeout / connection loss.
   * `unanswered` is the code for no response in time: `SMS_UNKNOWN_OUTCOME` for `submit_sm` (the
   * SMSC may have taken it), `SMS_TIMEOUT` for a bind (nothing was sent).
   */
  const request = (
    active: Session,
    command: string,
    fields: Record<string, unknown>,
    unanswered: SmsErrorCode,
  ): Promise<Pdu> =>
    new Promise<Pdu>((resolve, reject) => {
      const entry: Pending = {
        reject: (error) => {
          clearTimeout(timer);
          pending.delete(entry);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        entry.reject(
          new SmsError(unanswered, `${name}: no ${command}_resp within ${responseTimeoutMs} ms`, {
            provider: name,
            mayHaveBeenSent: unanswered === 'SMS_UNKNOWN_OUTCOME',
          }),
        );
      }, responseTimeoutMs);
      pending.add(entry);
      const pdu = new smpp.PDU(command, fields);
      const written = active.send(pdu, (response) => {
        clearTimeout(timer);
        pending.delete(entry);
        resolve(response);
      });
      if (!written) {
        entry.reject(
          new SmsError('SMS_PROVIDER_UNAVAILABLE', `${name}: the connection is not writable`, {
            provider: name,
          }),
        );
      }
    });

  const stopKeepAlive = () => {
    if (keepAlive !== undefined) clearInterval(keepAlive);
    keepAlive = undefined;
  };

  const scheduleReconnect = () => {
    if (closed || reconnect === undefined || reconnectTimer !== undefined) return;
    const initial = reconnect.initialDelayMs ?? 500;
    const ceiling = reconnect.maxDelayMs ?? 30_000;
    const base = Math.min(ceiling, initial * (reconnect.factor ?? 2) ** reconnectAttempt);
    // Half fixed, half random: spreads reconnects of many clients after an SMSC restart.
    const delay = base / 2 + (base / 2) * random();
    reconnectAttempt += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      ensureBound().catch(() => scheduleReconnect());
    }, delay);
    reconnectTimer.unref();
  };

  const onSessionLost = (lostSession: Session) => {
    if (session !== lostSession) return;
    session = undefined;
    const wasBound = bound;
    bound = false;
    stopKeepAlive();
    for (const entry of [...pending]) {
      entry.reject(
        new SmsError('SMS_UNKNOWN_OUTCOME', `${name}: the SMPP connection closed before the answer arrived`, {
          provider: name,
          mayHaveBeenSent: true,
        }),
      );
    }
    if (wasBound) scheduleReconnect();
  };

  const handleDeliverSm = (active: Session, pdu: Pdu) => {
    active.send(pdu.response());
    if (((pdu.esm_class ?? 0) & ESM_RECEIPT_MASK) !== ESM_RECEIPT) return;
    const receipt = parseSmppReceipt(
      receiptText(pdu.short_message) ?? receiptText(pdu.message_payload) ?? '',
    );
    const partId = pdu.receipted_message_id || receipt?.id;
    if (receipt === undefined || partId === undefined) return;
    const source = pdu.source_addr ?? '';
    const report = smppReceiptToReport(receipt, {
      provider: name,
      messageId: partId,
      ...(source === '' ? {} : { to: `+${source.replace(/^\+/, '')}` }),
      ...(pdu.message_state === undefined ? {} : { messageState: pdu.message_state }),
      raw: { receipt, source_addr: pdu.source_addr, receipted_message_id: pdu.receipted_message_id },
    });
    const group = multipart.get(partId);
    if (group === undefined) {
      emit(report);
      return;
    }
    multipart.delete(partId);
    group.reports.push(report);
    if (group.reports.length < group.parts) return;
    // All parts answered: delivered only if every part was; otherwise the first part that was not.
    const worst = group.reports.find((part) => part.status !== 'delivered') ?? group.reports[0] ?? report;
    emit(attachRaw({ ...worst, messageId: group.messageId }, group.reports));
  };

  const open = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let settled = false;
      const active = smpp.connect({ host: target.host, port: target.port, tls: target.tls });
      session = active;
      const fail = (error: SmsError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        active.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          fail(
            // Nothing was submitted yet: a timeout that is safe to fail over.
            new SmsError('SMS_TIMEOUT', `${name}: no bind within ${connectTimeoutMs} ms`, {
              provider: name,
              mayHaveBeenSent: false,
            }),
          ),
        connectTimeoutMs,
      );
      active.on('error', (error: Error) => {
        fail(
          new SmsError('SMS_PROVIDER_UNAVAILABLE', `${name}: connection failed (${error.message})`, {
            provider: name,
            cause: error,
          }),
        );
      });
      active.on('close', () => {
        fail(
          new SmsError('SMS_PROVIDER_UNAVAILABLE', `${name}: the SMSC closed the connection during bind`, {
            provider: name,
          }),
        );
        onSessionLost(active);
      });
      // Handled on the next turn: a receipt read in the same chunk as its submit_sm_resp must wait
      // until send() has recorded the message id.
      active.on('deliver_sm', (pdu: Pdu) => setImmediate(() => handleDeliverSm(active, pdu)));
      active.on('enquire_link', (pdu: Pdu) => {
        active.send(pdu.response());
      });
      active.on('unbind', (pdu: Pdu) => {
        active.send(pdu.response());
        active.close();
      });
      active.on(target.tls ? 'secureConnect' : 'connect', () => {
        request(
          active,
          'bind_transceiver',
          {
            system_id: options.systemId,
            password: options.password,
            system_type: options.systemType ?? '',
            interface_version: 0x34,
          },
          'SMS_TIMEOUT',
        ).then(
          (response) => {
            if (response.command_status !== 0) {
              fail(statusError(name, response.command_status, 'bind'));
              return;
            }
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            bound = true;
            reconnectAttempt = 0;
            if (enquireLinkIntervalMs > 0) {
              keepAlive = setInterval(() => {
                // No enquire_link_resp in time means a dead link: drop it and let reconnect take over.
                request(active, 'enquire_link', {}, 'SMS_PROVIDER_UNAVAILABLE').catch(() => active.destroy());
              }, enquireLinkIntervalMs);
              keepAlive.unref();
            }
            resolve();
          },
          (error: SmsError) => fail(error),
        );
      });
    });

  const ensureBound = (): Promise<void> => {
    if (closed)
      return Promise.reject(new SmsError('SMS_PROVIDER_UNAVAILABLE', `${name}: closed`, { provider: name }));
    if (bound && session !== undefined) return Promise.resolve();
    binding ??= open().finally(() => {
      binding = undefined;
    });
    return binding;
  };

  const provider: SmppProvider = {
    name,
    kind: 'smpp',
    capabilities,
    get bound() {
      return bound;
    },
    connect: () => ensureBound(),
    onDeliveryReport(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async send(message: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
      const text = resolveContent(message, provider);
      let encoded: ReturnType<typeof encodeSmsText>;
      try {
        encoded = encodeSmsText(text, options.encoding ?? 'auto');
      } catch (cause) {
        throw new SmsError('SMS_CONTENT_REJECTED', `${name}: ${(cause as Error).message}`, {
          provider: name,
          cause,
        });
      }
      if (context.signal?.aborted) {
        // Like an HTTP send aborted before it left: not sent, and not failed over (the caller gave up).
        throw new SmsError('SMS_UNKNOWN_OUTCOME', `${name}: aborted before it was sent`, {
          provider: name,
          retryable: false,
          mayHaveBeenSent: false,
        });
      }
      try {
        await ensureBound();
      } catch (error) {
        if (error instanceof SmsError && error.code !== 'SMS_AUTH_FAILED') scheduleReconnect();
        throw error;
      }
      const active = session;
      if (active === undefined)
        throw new SmsError('SMS_PROVIDER_UNAVAILABLE', `${name}: not connected`, { provider: name });
      const from = message.from ?? options.sourceAddr;
      // Sequential references (from a random start) keep concurrent long messages apart at the SMSC.
      const reference = nextReference;
      if (encoded.parts.length > 1) nextReference = (nextReference + 1) & 0xff;
      const total = encoded.parts.length;
      const ids: string[] = [];
      // Receipts may arrive before the last part is answered: map each part to the group at once.
      const group: MultipartReceipts = { messageId: '', parts: total, reports: [] };
      const forget = () => {
        for (const id of ids) multipart.delete(id);
      };
      for (const [index, part] of encoded.parts.entries()) {
        const udh = total > 1 ? concatenationUdh(reference, total, index + 1) : undefined;
        const shortMessage = udh === undefined ? Buffer.from(part) : Buffer.concat([udh, part]);
        let response: Pdu;
        try {
          response = await request(
            active,
            'submit_sm',
            {
              source_addr_ton: options.sourceAddrTon ?? (alphanumeric ? 5 : 1),
              source_addr_npi: options.sourceAddrNpi ?? (alphanumeric ? 0 : 1),
              source_addr: from,
              dest_addr_ton: 1,
              dest_addr_npi: 1,
              destination_addr: message.to.format('digits'),
              esm_class: udh === undefined ? 0 : ESM_UDHI,
              registered_delivery: options.registeredDelivery === false ? 0 : 1,
              data_coding: encoded.dataCoding,
              short_message: shortMessage,
            },
            'SMS_UNKNOWN_OUTCOME',
          );
        } catch (error) {
          forget();
          // After the first part the message is partly out: whatever failed, it may have been sent.
          if (error instanceof SmsError && index > 0 && !error.mayHaveBeenSent) {
            throw new SmsError(error.code, error.message, {
              provider: name,
              providerCode: error.providerCode,
              mayHaveBeenSent: true,
              cause: error,
            });
          }
          throw error;
        }
        if (response.command_status !== 0) {
          forget();
          const error = statusError(name, response.command_status, 'submit');
          if (index === 0) throw error;
          throw new SmsError(error.code, `${error.message} (part ${index + 1} of ${total})`, {
            provider: name,
            providerCode: error.providerCode,
            mayHaveBeenSent: true,
          });
        }
        const id = response.message_id ?? '';
        ids.push(id);
        if (total > 1) {
          if (group.messageId === '') group.messageId = id;
          multipart.set(id, group);
        }
      }
      const messageId = ids[0] ?? '';
      while (multipart.size > PENDING_RECEIPT_LIMIT) {
        const oldest = multipart.keys().next().value;
        if (oldest === undefined) break;
        multipart.delete(oldest);
      }
      return attachRaw(
        { provider: name, messageId, to: message.to.e164, status: 'accepted' as const, segments: total },
        { messageIds: ids, encoding: encoded.encoding },
      );
    },
    async close() {
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      stopKeepAlive();
      const active = session;
      if (active === undefined) return;
      if (bound) {
        await request(active, 'unbind', {}, 'SMS_PROVIDER_UNAVAILABLE').catch(() => undefined);
      }
      await new Promise<void>((resolve) => {
        if (active.socket.destroyed) resolve();
        else active.close(() => resolve());
        setTimeout(() => {
          active.destroy();
          resolve();
        }, 1000).unref();
      });
      bound = false;
      session = undefined;
    },
  };
  return provider;
}
