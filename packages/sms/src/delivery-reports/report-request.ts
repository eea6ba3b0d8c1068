import { attachRaw } from '../attempt.js';
import type { DeliveryReport } from '../delivery-report.js';
import { PhoneNumber } from '../phone-number.js';
import { DeliveryReportError } from './errors.js';

/** An incoming delivery-report HTTP request, from any framework. */
export interface DeliveryReportRequest {
  method: string;
  /** As received: a path with query (`/dlr/twilio?reference=1`) or an absolute URL. */
  url: string;
  /** Header names in any case. */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * The client address as the framework resolved it (Fastify `request.ip`, after `trustProxy`);
   * needed by `auth.allowIps`.
   */
  ip?: string;
  /** The raw body (preferred: signatures cover exact bytes) or what a body parser produced. */
  body?: string | Uint8Array | Readonly<Record<string, unknown>> | readonly unknown[] | null;
}

/** What the receiving endpoint must answer, byte for byte what the provider expects. */
export interface DeliveryReportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ParsedDeliveryReports {
  reports: DeliveryReport[];
  response: DeliveryReportResponse;
}

/** A header's value (first of repeated ones), by case-insensitive name. */
export function headerOf(request: DeliveryReportRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key in request.headers) {
    if (key.toLowerCase() !== lower) continue;
    const value = request.headers[key];
    return typeof value === 'string' ? value : value?.[0];
  }
  return undefined;
}

/** The body as text, when it arrived raw. */
export function bodyText(request: DeliveryReportRequest): string | undefined {
  const body = request.body;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return undefined;
}

/** The URL's query string (without `?`). */
export function queryOf(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? '' : url.slice(index + 1);
}

/** JSON body: parsed from raw text, or the parser's object/array as is. */
export function jsonBody(request: DeliveryReportRequest, provider: string): unknown {
  const text = bodyText(request);
  if (text === undefined) {
    if (request.body === undefined || request.body === null) throw malformed(provider, 'empty body');
    return request.body;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw malformed(provider, 'the body is not JSON', cause);
  }
}

/**
 * Form params from a urlencoded body, a parsed body object, or (GET, or an empty body) the query
 * string. Repeated params become arrays.
 */
export function formParams(request: DeliveryReportRequest): Record<string, string | string[]> {
  const text = bodyText(request);
  let source: URLSearchParams | undefined;
  if (text !== undefined && text.trim() !== '') source = new URLSearchParams(text);
  else if (
    text === undefined &&
    request.body !== undefined &&
    request.body !== null &&
    !Array.isArray(request.body)
  ) {
    const out: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(request.body as Record<string, unknown>)) {
      if (typeof value === 'string') out[key] = value;
      else if (Array.isArray(value)) out[key] = value.map(String);
      else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    }
    return out;
  } else source = new URLSearchParams(queryOf(request.url));
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of source) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** First value of a field in a record (form params or a JSON object), as text. */
export function text(record: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = record[name];
  if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function malformed(provider: string, reason: string, cause?: unknown): DeliveryReportError {
  return new DeliveryReportError('DLR_MALFORMED', `${provider} delivery report: ${reason}`, { cause });
}

/** Builds a report with `raw` non-enumerable and optional fields only when present. */
export function makeReport(fields: Omit<DeliveryReport, 'raw'>, raw: unknown): DeliveryReport {
  const report: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) report[key] = value;
  return attachRaw(report as Omit<DeliveryReport, 'raw'>, raw);
}

/** `undefined` for an empty string, so optional report fields are left out. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** E.164 from a report's number, or undefined when it is masked or unparseable. */
export function e164Of(number: string | undefined, defaultRegion?: string): string | undefined {
  if (number === undefined || number === '' || number.includes('*')) return undefined;
  const candidate = /^\d+$/.test(number) && defaultRegion === undefined ? `+${number}` : number;
  return PhoneNumber.tryParse(candidate, {
    validation: 'possible',
    ...(defaultRegion === undefined ? {} : { defaultRegion }),
  })?.e164;
}

/** `2017-01-01 00:00:00` at a fixed UTC offset (hours) -> Date. */
export function dateAtOffset(value: string | undefined, offsetHours: number): Date | undefined {
  const match = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)$/.exec(value?.trim() ?? '');
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, (hour ?? 0) - offsetHours, minute, second));
}

/** `yyMMddHHmm` or `yyMMddHHmmss` (SMPP receipts, Vonage scts, Twilio RawDlrDoneDate), taken as UTC. */
export function compactDate(value: string | undefined): Date | undefined {
  const match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(value?.trim() ?? '');
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map((part) => Number(part ?? 0)) as number[];
  return new Date(Date.UTC(2000 + (year ?? 0), (month ?? 1) - 1, day, hour, minute, second));
}

/**
 * A JSON push of one report or an array of them (Aliyun, Tencent), acknowledged with a fixed JSON
 * body the provider checks.
 */
export function parseJsonPush(
  request: DeliveryReportRequest,
  provider: string,
  parseOne: (item: unknown, provider: string) => DeliveryReport,
  acknowledgement: string,
): ParsedDeliveryReports {
  const body = jsonBody(request, provider);
  const items = Array.isArray(body) ? body : [body];
  return {
    reports: items.map((item) => parseOne(item, provider)),
    response: {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: acknowledgement,
    },
  };
}
