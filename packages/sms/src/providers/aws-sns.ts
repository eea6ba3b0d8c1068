// AWS SNS `Publish` to a phone number: query protocol (form body, XML answer), SigV4 for service
// `sns` (reference §2.6). SNS takes text only; delivery status comes through CloudWatch, not webhooks.
import { type AwsCredentials, signAwsSigV4 } from '@lingpai/auth-core';
import { attachRaw } from '../attempt.js';
import { configError, oneOf, optionalString, requireOptions, requireString } from '../internal/config.js';
import {
  codeForStatus,
  type HttpProviderOptions,
  providerError,
  type ResolvedHttpOptions,
  resolveHttpOptions,
  sendHttp,
  unreadable,
  withoutHostHeader,
} from '../internal/http.js';
import { redacting } from '../internal/redact.js';
import type { SmsRequest } from '../message.js';
import type { SmsProvider, SmsProviderCapabilities, SmsProviderResult, SmsSendContext } from '../provider.js';
import type { SmsErrorCode } from '../sms-error.js';
import { resolveContent } from '../template.js';

export interface AwsSnsSmsOptions extends HttpProviderOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** e.g. `us-east-1`; the default `baseURL` is `https://sns.<region>.amazonaws.com`. */
  region: string;
  /** `AWS.SNS.SMS.SMSType`. Default `Transactional` (verification codes). */
  smsType?: 'Transactional' | 'Promotional';
  /** `AWS.SNS.SMS.SenderID` where the destination supports alphanumeric senders. */
  senderId?: string;
}

const ERROR_CODES: Readonly<Record<string, SmsErrorCode>> = {
  InvalidClientTokenId: 'SMS_AUTH_FAILED',
  SignatureDoesNotMatch: 'SMS_AUTH_FAILED',
  IncompleteSignature: 'SMS_AUTH_FAILED',
  MissingAuthenticationToken: 'SMS_AUTH_FAILED',
  ExpiredToken: 'SMS_AUTH_FAILED',
  AuthorizationError: 'SMS_AUTH_FAILED',
  AccessDenied: 'SMS_AUTH_FAILED',
  InvalidSecurity: 'SMS_AUTH_FAILED',
  Throttled: 'SMS_RATE_LIMITED',
  Throttling: 'SMS_RATE_LIMITED',
  ThrottlingException: 'SMS_RATE_LIMITED',
  KMSThrottling: 'SMS_RATE_LIMITED',
  InternalError: 'SMS_PROVIDER_UNAVAILABLE',
  InternalFailure: 'SMS_PROVIDER_UNAVAILABLE',
  ServiceUnavailable: 'SMS_PROVIDER_UNAVAILABLE',
};

function classify(code: string, message: string | undefined, status: number): SmsErrorCode {
  const known = ERROR_CODES[code];
  if (known !== undefined) return known;
  if (code === 'InvalidParameter' || code === 'InvalidParameterValue' || code === 'ValidationError') {
    // "Invalid parameter: PhoneNumber Reason: …" names the parameter.
    if (/PhoneNumber/.test(message ?? '')) return 'SMS_INVALID_NUMBER';
    if (/Message/.test(message ?? '')) return 'SMS_CONTENT_REJECTED';
  }
  return codeForStatus(status);
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`));
  if (match?.[1] === undefined) return undefined;
  return match[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

class AwsSnsSmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'aws-sns';
  readonly capabilities: SmsProviderCapabilities = { template: false, content: true };
  readonly #http: ResolvedHttpOptions;
  readonly #credentials: AwsCredentials;
  readonly #region: string;
  readonly #smsType: string;
  readonly #senderId: string | undefined;

  constructor(input: AwsSnsSmsOptions) {
    const options = requireOptions(
      'aws-sns',
      'createAwsSnsProvider',
      input,
      'region, accessKeyId, secretAccessKey',
    );
    const region = requireString('aws-sns', 'region', options.region, 'AWS_REGION');
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
      throw configError('aws-sns: `region` is not an AWS region name such as us-east-1');
    }
    this.#http = resolveHttpOptions('aws-sns', `https://sns.${region}.amazonaws.com`, options);
    this.name = this.#http.name;
    this.#credentials = {
      accessKeyId: requireString('aws-sns', 'accessKeyId', options.accessKeyId, 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: requireString(
        'aws-sns',
        'secretAccessKey',
        options.secretAccessKey,
        'AWS_SECRET_ACCESS_KEY',
      ),
      ...(options.sessionToken === undefined
        ? {}
        : {
            sessionToken: requireString('aws-sns', 'sessionToken', options.sessionToken, 'AWS_SESSION_TOKEN'),
          }),
    };
    this.#region = region;
    this.#smsType = oneOf(
      'aws-sns',
      'smsType',
      options.smsType,
      ['Transactional', 'Promotional'],
      'Transactional',
    );
    this.#senderId = optionalString('aws-sns', 'senderId', options.senderId);
  }

  send(request: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
    return redacting(request, () => this.#send(request, context));
  }

  async #send(request: SmsRequest, context: SmsSendContext): Promise<SmsProviderResult> {
    const form = new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      PhoneNumber: request.to.e164,
      Message: resolveContent(request, this),
      'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SMSType',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': this.#smsType,
    });
    const senderId = request.from ?? this.#senderId;
    if (senderId !== undefined) {
      form.set('MessageAttributes.entry.2.Name', 'AWS.SNS.SMS.SenderID');
      form.set('MessageAttributes.entry.2.Value.DataType', 'String');
      form.set('MessageAttributes.entry.2.Value.StringValue', senderId);
    }
    const body = form.toString();
    const url = `${this.#http.baseURL}/`;
    const signed = signAwsSigV4(
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
        service: 'sns',
        region: this.#region,
      },
      this.#credentials,
      { clock: this.#http.clock },
    );
    const headers = withoutHostHeader(signed.headers);
    const response = await sendHttp(
      this.name,
      {
        url,
        method: 'POST',
        headers,
        body,
        timeoutMs: this.#http.timeoutMs,
        ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
      },
      context.signal,
    );
    const text = response.text;
    if (response.status >= 200 && response.status < 300) {
      const messageId = xmlText(text, 'MessageId');
      if (messageId === undefined) throw unreadable(this.name, response);
      return attachRaw(
        { provider: this.name, messageId, to: request.to.e164, status: 'accepted' as const },
        text,
      );
    }
    const code = xmlText(text, 'Code');
    if (code === undefined) throw unreadable(this.name, response);
    const message = xmlText(text, 'Message');
    throw providerError(this.name, classify(code, message, response.status), code, message, {
      status: response.status,
      payload: text,
    });
  }

  toJSON(): { name: string; kind: string } {
    return { name: this.name, kind: this.kind };
  }
}

/** An AWS SNS provider (text messages, SigV4). */
export function createAwsSnsProvider(options: AwsSnsSmsOptions): SmsProvider {
  return new AwsSnsSmsProvider(options);
}
