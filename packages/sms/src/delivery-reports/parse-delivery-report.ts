import { parseAliyunReport } from './aliyun.js';
import {
  createDeliveryReportAuthenticator,
  type DeliveryReportAuth,
  type DeliveryReportAuthenticator,
} from './authenticate.js';
import { DeliveryReportError } from './errors.js';
import { parseHuaweiReport } from './huawei.js';
import { parseMoceanReport } from './mocean.js';
import type { DeliveryReportRequest, ParsedDeliveryReports } from './report-request.js';
import { parseSmppReport } from './smpp.js';
import { parseTencentReport } from './tencent.js';
import { parseTwilioReport, type TwilioReportOptions } from './twilio.js';
import { parseVonageReport } from './vonage.js';
import { type VonageReportOptions, validateVonageOptions } from './vonage-signature.js';

/** Providers whose delivery reports this package reads. */
export const DELIVERY_REPORT_PROVIDERS = [
  'aliyun',
  'tencent',
  'twilio',
  'mocean',
  'vonage',
  'huawei',
  'smpp',
] as const;

export type DeliveryReportProvider = (typeof DELIVERY_REPORT_PROVIDERS)[number];

export interface ParseDeliveryReportOptions {
  /** Name written into `report.provider` (an instance name such as `aliyun-intl`). Default: the provider kind. */
  name?: string;
  /** Required for Twilio: the signature is always checked. */
  twilio?: TwilioReportOptions;
  /** Vonage signed webhooks: the `sig` param or a JWT is checked before the report is read. */
  vonage?: VonageReportOptions;
  /**
   * A route token and/or address allow-list, checked before anything else (the body is not read
   * when it fails). Providers other than Twilio and signed Vonage have nothing else to prove a report genuine.
   */
  auth?: DeliveryReportAuth;
}

// Built once per options object: CIDR parsing and token checks are not redone per request.
const authenticators = new WeakMap<DeliveryReportAuth, DeliveryReportAuthenticator>();

function authenticatorFor(auth: DeliveryReportAuth): DeliveryReportAuthenticator {
  let authenticator = authenticators.get(auth);
  if (authenticator === undefined) {
    authenticator = createDeliveryReportAuthenticator(auth);
    authenticators.set(auth, authenticator);
  }
  return authenticator;
}

/**
 * Reads one delivery-report request in `provider`'s own format and returns the normalized reports
 * plus the exact answer the provider expects. Throws `DeliveryReportError`: `DLR_UNAUTHENTICATED`
 * (`auth` failed), `DLR_SIGNATURE_INVALID` (forged Twilio or signed-Vonage report), `DLR_MALFORMED`,
 * `DLR_UNSUPPORTED_PROVIDER`, `DLR_CONFIG_INVALID`.
 */
export function parseDeliveryReport(
  provider: DeliveryReportProvider,
  request: DeliveryReportRequest,
  options: ParseDeliveryReportOptions = {},
): ParsedDeliveryReports {
  const name = options.name ?? provider;
  if (options.auth !== undefined) authenticatorFor(options.auth)(request);
  if (options.vonage !== undefined && provider === 'vonage') validateVonageOptions(options.vonage);
  switch (provider) {
    case 'aliyun':
      return parseAliyunReport(request, name);
    case 'tencent':
      return parseTencentReport(request, name);
    case 'twilio':
      return parseTwilioReport(request, options.twilio, name);
    case 'mocean':
      return parseMoceanReport(request, name);
    case 'vonage':
      return parseVonageReport(request, name, options.vonage);
    case 'huawei':
      return parseHuaweiReport(request, name);
    case 'smpp':
      return parseSmppReport(request, name);
    default:
      throw new DeliveryReportError(
        'DLR_UNSUPPORTED_PROVIDER',
        `No delivery-report parser for ${JSON.stringify(provider)}; expected one of ${DELIVERY_REPORT_PROVIDERS.join(', ')}`,
      );
  }
}
