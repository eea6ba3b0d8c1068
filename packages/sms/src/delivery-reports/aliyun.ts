// Aliyun SmsReport (HTTP batch push): a JSON array, domestic or international shape. Reference §3.1.
import type { DeliveryReport, DeliveryStatus } from '../delivery-report.js';
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

/** What Aliyun expects back; it only checks that `code` is a number. */
export const ALIYUN_REPORT_RESPONSE = '{"code":0,"msg":"接收成功"}';

/** International receipts: Status 1 success, 2 failure, 6 expired. */
const INTL_STATUS: Readonly<Record<string, DeliveryStatus>> = {
  '1': 'delivered',
  '2': 'failed',
  '6': 'expired',
};

function parseOne(item: unknown, provider: string): DeliveryReport {
  if (!isRecord(item)) throw malformed(provider, 'a report is not an object');
  if ('biz_id' in item || 'success' in item) {
    const messageId = text(item, 'biz_id');
    if (messageId === undefined || messageId === '') throw malformed(provider, 'a report has no biz_id');
    const success = item.success === true || item.success === 'true';
    const errCode = text(item, 'err_code') ?? '';
    return makeReport(
      {
        provider,
        messageId,
        to: e164Of(text(item, 'phone_number'), 'CN'),
        status: success ? 'delivered' : 'failed',
        providerStatus: errCode || (success ? 'DELIVERED' : 'FAILED'),
        errorCode: success ? undefined : nonEmpty(errCode),
        errorMessage: success ? undefined : nonEmpty(text(item, 'err_msg')),
        // Report times are Beijing time (UTC+8).
        doneAt: dateAtOffset(text(item, 'report_time'), 8),
        reference: nonEmpty(text(item, 'out_id')),
      },
      item,
    );
  }
  const messageId = text(item, 'MessageId') ?? text(item, 'TaskId');
  if (messageId === undefined || messageId === '')
    throw malformed(provider, 'a report has no biz_id or MessageId');
  const status = text(item, 'Status') ?? '';
  return makeReport(
    {
      provider,
      messageId,
      to: e164Of(text(item, 'To')),
      status: INTL_STATUS[status] ?? 'unknown',
      providerStatus: status,
      errorCode: status === '1' ? undefined : nonEmpty(text(item, 'ErrorCode')),
      errorMessage: status === '1' ? undefined : nonEmpty(text(item, 'ErrorDescription')),
      doneAt: dateAtOffset(text(item, 'ReceiveDate'), 8),
    },
    item,
  );
}

export function parseAliyunReport(
  request: DeliveryReportRequest,
  provider = 'aliyun',
): ParsedDeliveryReports {
  return parseJsonPush(request, provider, parseOne, ALIYUN_REPORT_RESPONSE);
}
