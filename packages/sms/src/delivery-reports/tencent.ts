// Tencent Cloud SMS delivery-status callback: a JSON array. Reference §3.2.
import type { DeliveryReport } from '../delivery-report.js';
import {
  type DeliveryReportRequest,
  dateAtOffset,
  e164Of,
  isRecord,
  makeReport,
  malformed,
  nonEmpty,
  type ParsedDeliveryReports,
  parseJsonPush,
  text,
} from './report-request.js';

export const TENCENT_REPORT_RESPONSE = '{"result":0,"errmsg":"OK"}';

function parseOne(item: unknown, provider: string): DeliveryReport {
  if (!isRecord(item)) throw malformed(provider, 'a report is not an object');
  const messageId = text(item, 'sid');
  if (messageId === undefined || messageId === '') throw malformed(provider, 'a report has no sid');
  const reportStatus = text(item, 'report_status') ?? '';
  const errmsg = text(item, 'errmsg') ?? '';
  const nationCode = text(item, 'nationcode') ?? '';
  const mobile = text(item, 'mobile') ?? '';
  const delivered = reportStatus === 'SUCCESS';
  return makeReport(
    {
      provider,
      messageId,
      to: nationCode !== '' && mobile !== '' ? e164Of(`+${nationCode}${mobile}`) : undefined,
      status: delivered
        ? 'delivered'
        : reportStatus === 'FAIL'
          ? /EXPIRED/i.test(errmsg)
            ? 'expired'
            : 'failed'
          : 'unknown',
      providerStatus: reportStatus,
      errorCode: delivered ? undefined : nonEmpty(errmsg),
      errorMessage: delivered ? undefined : nonEmpty(text(item, 'description')),
      doneAt: dateAtOffset(text(item, 'user_receive_time'), 8),
    },
    item,
  );
}

export function parseTencentReport(
  request: DeliveryReportRequest,
  provider = 'tencent',
): ParsedDeliveryReports {
  return parseJsonPush(request, provider, parseOne, TENCENT_REPORT_RESPONSE);
}
