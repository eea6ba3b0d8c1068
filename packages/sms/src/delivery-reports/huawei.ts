// Huawei Cloud SMS status reports posted to `statusCallback`: form params, not signed.
// Field names from Huawei's "状态报告接收" API as remembered [unverified against the reference].
import {
  type DeliveryReportRequest,
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
import { SMSC_STAT } from './smpp.js';

export function parseHuaweiReport(
  request: DeliveryReportRequest,
  provider = 'huawei',
): ParsedDeliveryReports {
  let fields: Record<string, unknown> = formParams(request);
  if ((headerOf(request, 'content-type') ?? '').includes('json')) {
    const body = jsonBody(request, provider);
    if (!isRecord(body)) throw malformed(provider, 'the body is not a JSON object');
    fields = body;
  }
  const messageId = text(fields, 'smsMsgId');
  if (messageId === undefined || messageId === '') throw malformed(provider, 'no smsMsgId');
  const providerStatus = text(fields, 'status') ?? '';
  const status = SMSC_STAT[providerStatus] ?? 'unknown';
  const updateTime = text(fields, 'updateTime');
  const doneAt = updateTime === undefined ? undefined : new Date(updateTime);
  return {
    reports: [
      makeReport(
        {
          provider,
          messageId,
          to: e164Of(text(fields, 'to')),
          status,
          providerStatus,
          errorCode: status === 'delivered' ? undefined : nonEmpty(text(fields, 'orgCode')),
          doneAt: doneAt === undefined || Number.isNaN(doneAt.getTime()) ? undefined : doneAt,
          reference: nonEmpty(text(fields, 'extend')),
        },
        fields,
      ),
    ],
    response: { status: 200, headers: {}, body: '' },
  };
}
