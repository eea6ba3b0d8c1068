// MoceanAPI DLR: form params (POST or PUT; GET query accepted too), not signed. Reference §3.4.
import type { DeliveryStatus } from '../delivery-report.js';
import {
  type DeliveryReportRequest,
  e164Of,
  formParams,
  makeReport,
  malformed,
  nonEmpty,
  type ParsedDeliveryReports,
  text,
} from './report-request.js';

/** `mocean-dlr-status`: 1 delivered, 2 failed, 3 expired. */
const STATUS: Readonly<Record<string, DeliveryStatus>> = { '1': 'delivered', '2': 'failed', '3': 'expired' };

export function parseMoceanReport(
  request: DeliveryReportRequest,
  provider = 'mocean',
): ParsedDeliveryReports {
  const params = formParams(request);
  const messageId = text(params, 'mocean-msgid');
  if (messageId === undefined || messageId === '') throw malformed(provider, 'no mocean-msgid');
  const providerStatus = text(params, 'mocean-dlr-status') ?? '';
  const status = STATUS[providerStatus] ?? 'unknown';
  const errorCode = text(params, 'mocean-error-code');
  return {
    reports: [
      makeReport(
        {
          provider,
          messageId,
          to: e164Of(text(params, 'mocean-to')),
          status,
          providerStatus,
          errorCode: status === 'delivered' || errorCode === '0' ? undefined : nonEmpty(errorCode),
        },
        params,
      ),
    ],
    response: { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'OK' },
  };
}
