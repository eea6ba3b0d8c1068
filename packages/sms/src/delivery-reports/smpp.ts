// SMPP delivery receipts: the `short_message` of a `deliver_sm` with esm_class 0x04, in the de-facto
// format of SMPP 3.4 Appendix B: `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`.
import type { DeliveryReport, DeliveryStatus } from '../delivery-report.js';
import {
  bodyText,
  compactDate,
  type DeliveryReportRequest,
  text as fieldText,
  isRecord,
  makeReport,
  malformed,
  nonEmpty,
  type ParsedDeliveryReports,
} from './report-request.js';

/** The fields of a receipt's text; absent ones are undefined. */
export interface SmppReceipt {
  id: string;
  sub?: string;
  dlvrd?: string;
  submitDate?: string;
  doneDate?: string;
  /** DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE. */
  stat: string;
  err?: string;
  text?: string;
}

/** SMSC `stat` values (SMPP 3.4 Appendix B); Huawei's status reports use the same family. */
export const SMSC_STAT: Readonly<Record<string, DeliveryStatus>> = {
  DELIVRD: 'delivered',
  ACCEPTD: 'accepted',
  ENROUTE: 'sent',
  EXPIRED: 'expired',
  DELETED: 'failed',
  UNDELIV: 'failed',
  REJECTD: 'failed',
  UNKNOWN: 'unknown',
};

/** TLV message_state (SMPP 5.0 §4.8.4.37) for receipts whose text lacks `stat:`. */
const MESSAGE_STATE: Readonly<Record<number, string>> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

const FIELD = /(^|\s)(id|sub|dlvrd|submit date|done date|stat|err|text):/gi;

/** Parses receipt text; undefined when it has no `id:`. Keys are case-insensitive; `text:` runs to the end. */
export function parseSmppReceipt(receipt: string): SmppReceipt | undefined {
  const matches = [...receipt.matchAll(FIELD)];
  const values = new Map<string, string>();
  for (const [index, match] of matches.entries()) {
    const key = (match[2] as string).toLowerCase();
    const start = (match.index ?? 0) + match[0].length;
    const next = matches[index + 1];
    const end = key === 'text' || next === undefined ? receipt.length : (next.index ?? receipt.length);
    if (!values.has(key)) values.set(key, receipt.slice(start, end).trim());
    if (key === 'text') break;
  }
  const id = values.get('id');
  if (id === undefined || id === '') return undefined;
  const out: SmppReceipt = { id, stat: (values.get('stat') ?? '').toUpperCase() };
  const optional: Array<[keyof SmppReceipt, string]> = [
    ['sub', 'sub'],
    ['dlvrd', 'dlvrd'],
    ['submitDate', 'submit date'],
    ['doneDate', 'done date'],
    ['err', 'err'],
    ['text', 'text'],
  ];
  for (const [property, key] of optional) {
    const value = values.get(key);
    if (value !== undefined) out[property] = value;
  }
  return out;
}

/** A receipt as a normalized report. `to` is the handset (the deliver_sm `source_addr`), when known. */
export function smppReceiptToReport(
  receipt: SmppReceipt,
  options: { provider?: string; to?: string; messageId?: string; messageState?: number; raw?: unknown } = {},
): DeliveryReport {
  const stat =
    receipt.stat || (options.messageState === undefined ? '' : (MESSAGE_STATE[options.messageState] ?? ''));
  const status = SMSC_STAT[stat] ?? 'unknown';
  const err = receipt.err;
  return makeReport(
    {
      provider: options.provider ?? 'smpp',
      messageId: options.messageId ?? receipt.id,
      to: options.to,
      status,
      providerStatus: stat,
      errorCode: status === 'delivered' || err === undefined || /^0+$/.test(err) ? undefined : err,
      doneAt: compactDate(receipt.doneDate),
    },
    options.raw ?? receipt,
  );
}

/**
 * `parseDeliveryReport('smpp', …)`: the body is the receipt text, or an object with
 * `short_message` (and optionally `receipted_message_id`, `message_state`, `source_addr`), as a
 * gateway that relays SMPP receipts over HTTP might post it.
 */
export function parseSmppReport(request: DeliveryReportRequest, provider = 'smpp'): ParsedDeliveryReports {
  const raw = bodyText(request);
  let receiptText: string | undefined = raw;
  let messageId: string | undefined;
  let messageState: number | undefined;
  let to: string | undefined;
  if (raw === undefined && isRecord(request.body)) {
    receiptText = fieldText(request.body, 'short_message');
    messageId = nonEmpty(fieldText(request.body, 'receipted_message_id'));
    const state = Number(fieldText(request.body, 'message_state'));
    messageState = Number.isInteger(state) ? state : undefined;
    const source = nonEmpty(fieldText(request.body, 'source_addr'));
    to = source === undefined ? undefined : `+${source.replace(/^\+/, '')}`;
  }
  const receipt = receiptText === undefined ? undefined : parseSmppReceipt(receiptText);
  if (receipt === undefined) throw malformed(provider, 'not an SMPP delivery receipt (no id:)');
  return {
    reports: [
      smppReceiptToReport(receipt, {
        provider,
        ...(to === undefined ? {} : { to }),
        ...(messageId === undefined ? {} : { messageId }),
        ...(messageState === undefined ? {} : { messageState }),
        raw: request.body,
      }),
    ],
    response: { status: 200, headers: {}, body: '' },
  };
}
