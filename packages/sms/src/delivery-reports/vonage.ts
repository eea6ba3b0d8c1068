// Vonage (Nexmo) SMS delivery receipts: JSON POST (or form / GET query, per account setting).
// Reference §2.6 [mostly unverified]. With `vonage` options the signature (`sig` or a JWT) is checked
// before the report is read (vonage-signature.ts).
import type { DeliveryStatus } from '../delivery-report.js';
import {
  bodyText,
  compactDate,
  type DeliveryReportRequest,
  dateAtOffset,
  e164Of,
  formParams,
  headerOf,
  isRecord,
  jsonBody,
  makeReport,
  malformed,
  nonEmpty,
  type ParsedDeliveryReports,
  text,
} from './report-request.js';
import { type VonageReportOptions, verifyVonageJwt, verifyVonageSig } from './vonage-signature.js';

const STATUS: Readonly<Record<string, DeliveryStatus>> = {
  accepted: 'accepted',
  buffered: 'accepted',
  delivered: 'delivered',
  expired: 'expired',
  failed: 'failed',
  rejected: 'failed',
  unknown: 'unknown',
};

export function parseVonageReport(
  request: DeliveryReportRequest,
  provider = 'vonage',
  signature?: VonageReportOptions,
): ParsedDeliveryReports {
  // A JWT sits in a header: checked before the body is touched.
  if (signature?.signatureMethod === 'jwt') verifyVonageJwt(request, signature);
  const raw = bodyText(request);
  const isJson =
    (headerOf(request, 'content-type') ?? '').includes('json') || raw?.trim().startsWith('{') === true;
  let fields: Record<string, unknown>;
  if (request.method.toUpperCase() !== 'GET' && isJson) {
    const body = jsonBody(request, provider);
    if (!isRecord(body)) throw malformed(provider, 'the body is not a JSON object');
    fields = body;
  } else {
    fields = formParams(request);
  }
  if (signature !== undefined && signature.signatureMethod !== 'jwt') verifyVonageSig(fields, signature);
  const messageId = text(fields, 'messageId') ?? text(fields, 'message-id');
  if (messageId === undefined || messageId === '') throw malformed(provider, 'no messageId');
  const providerStatus = text(fields, 'status') ?? '';
  const status = STATUS[providerStatus] ?? 'unknown';
  const errorCode = text(fields, 'err-code');
  return {
    reports: [
      makeReport(
        {
          provider,
          messageId,
          to: e164Of(text(fields, 'msisdn')),
          status,
          providerStatus,
          errorCode: errorCode === undefined || errorCode === '0' ? undefined : errorCode,
          doneAt: compactDate(text(fields, 'scts')) ?? dateAtOffset(text(fields, 'message-timestamp'), 0),
          reference: nonEmpty(text(fields, 'client-ref')),
        },
        fields,
      ),
    ],
    response: { status: 204, headers: {}, body: '' },
  };
}
