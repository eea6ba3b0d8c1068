// Twilio status callbacks: form POST signed with X-Twilio-Signature over the public URL plus the
// sorted params (reference §2.4, §3.3). The signature is checked before anything is read.
import { verifyTwilioSignature } from '@lingpai/auth-core';
import type { DeliveryStatus } from '../delivery-report.js';
import { DeliveryReportError } from './errors.js';
import {
  compactDate,
  type DeliveryReportRequest,
  e164Of,
  formParams,
  headerOf,
  makeReport,
  malformed,
  nonEmpty,
  type ParsedDeliveryReports,
  queryOf,
  text,
} from './report-request.js';

export interface TwilioReportOptions {
  /** The account's auth token (the key of the HMAC). */
  authToken: string;
  /**
   * The URL Twilio called, as written in `StatusCallback`: either the public origin (plus any path
   * prefix a proxy strips) that the request path is appended to, or a function of the request.
   * Needed because behind a proxy the URL the server sees is not the one Twilio signed.
   */
  publicUrl: string | ((request: DeliveryReportRequest) => string);
}

const STATUS: Readonly<Record<string, DeliveryStatus>> = {
  queued: 'accepted',
  accepted: 'accepted',
  scheduled: 'accepted',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  failed: 'failed',
  undelivered: 'failed',
  canceled: 'failed',
};

function signedUrl(request: DeliveryReportRequest, publicUrl: TwilioReportOptions['publicUrl']): string {
  if (typeof publicUrl === 'function') return publicUrl(request);
  if (/^https?:\/\//i.test(request.url)) {
    const received = new URL(request.url);
    return `${publicUrl.replace(/\/+$/, '')}${received.pathname}${received.search}`;
  }
  return `${publicUrl.replace(/\/+$/, '')}${request.url.startsWith('/') ? '' : '/'}${request.url}`;
}

export function parseTwilioReport(
  request: DeliveryReportRequest,
  options: TwilioReportOptions | undefined,
  provider = 'twilio',
): ParsedDeliveryReports {
  if (options === undefined || !options.authToken || !options.publicUrl) {
    throw new DeliveryReportError(
      'DLR_CONFIG_INVALID',
      'twilio delivery reports need `twilio.authToken` and `twilio.publicUrl`',
    );
  }
  const params = formParams(
    request.method.toUpperCase() === 'GET' ? { ...request, body: undefined } : request,
  );
  // A GET callback signs the URL only; a POST signs the URL plus the form params.
  const signed = request.method.toUpperCase() === 'GET' ? undefined : params;
  const valid = verifyTwilioSignature({
    authToken: options.authToken,
    url: signedUrl(request, options.publicUrl),
    ...(signed === undefined ? {} : { params: signed }),
    signature: headerOf(request, 'x-twilio-signature'),
  });
  if (!valid)
    throw new DeliveryReportError(
      'DLR_SIGNATURE_INVALID',
      'twilio delivery report: X-Twilio-Signature does not match',
    );

  const messageId = text(params, 'MessageSid') ?? text(params, 'SmsSid');
  if (messageId === undefined || messageId === '') throw malformed(provider, 'no MessageSid');
  const providerStatus = text(params, 'MessageStatus') ?? text(params, 'SmsStatus') ?? '';
  const status = STATUS[providerStatus] ?? 'unknown';
  const final = status === 'failed';
  return {
    reports: [
      makeReport(
        {
          provider,
          messageId,
          to: e164Of(text(params, 'To')),
          status,
          providerStatus,
          errorCode: final ? nonEmpty(text(params, 'ErrorCode')) : undefined,
          errorMessage: final ? nonEmpty(text(params, 'ErrorMessage')) : undefined,
          doneAt: compactDate(text(params, 'RawDlrDoneDate')),
          // The Twilio provider appends the message reference to StatusCallback as `?reference=`.
          reference: nonEmpty(new URLSearchParams(queryOf(request.url)).get('reference') ?? undefined),
        },
        params,
      ),
    ],
    response: { status: 204, headers: {}, body: '' },
  };
}
