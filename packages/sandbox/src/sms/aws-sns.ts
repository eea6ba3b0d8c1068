// AWS SNS `Action=Publish` to a phone number, query protocol (form body, XML answers), SigV4.
// Reference §2.6 [unverified]: shapes follow the SNS API reference as remembered.
import { randomUUID } from 'node:crypto';
import { signAwsSigV4 } from '@lingpai/auth-core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parsePlusE164 } from './phone-numbers.js';
import { field, headerValue, recompute, type SmsContext, safeEqual } from './sms-context.js';

const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const PREFIX = 'AWS4-HMAC-SHA256 ';
/** SigV4 requests more than 15 minutes off the server clock are rejected. */
const AWS_WINDOW_MS = 15 * 60 * 1000;

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function parseAmzDate(value: string): number {
  const match = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  if (match === null) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

/** `MessageAttributes.entry.N.Name` / `.Value.StringValue` pairs as a name -> value map. */
function messageAttributes(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (let index = 1; index <= 10; index++) {
    const name = field(body, `MessageAttributes.entry.${index}.Name`);
    const value = field(body, `MessageAttributes.entry.${index}.Value.StringValue`);
    if (name !== undefined && value !== undefined) out[name] = value;
  }
  return out;
}

export function registerAwsSns(app: FastifyInstance, sms: SmsContext): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (await sms.sandbox.faults.apply('aws-sns', request, reply)) return reply;
    const { config, sandbox } = sms;
    const requestId = randomUUID();
    const fail = (status: number, type: 'Sender' | 'Receiver', code: string, message: string) =>
      reply
        .code(status)
        .type('text/xml')
        .send(
          `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type><Code>${code}</Code>` +
            `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );

    const authorization = headerValue(request.headers.authorization) ?? '';
    if (!authorization.startsWith(PREFIX)) {
      return fail(403, 'Sender', 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    }
    const fields = new Map(
      authorization
        .slice(PREFIX.length)
        .split(',')
        .map((part) => {
          const eq = part.indexOf('=');
          return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
        }),
    );
    const [accessKeyId = '', , region = '', service = ''] = (fields.get('Credential') ?? '').split('/');
    if (accessKeyId !== config.awsSns.accessKeyId) {
      return fail(
        403,
        'Sender',
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    }
    const amzDate = headerValue(request.headers['x-amz-date']) ?? '';
    const signedAt = parseAmzDate(amzDate);
    if (Number.isNaN(signedAt))
      return fail(400, 'Sender', 'IncompleteSignature', 'X-Amz-Date is missing or malformed.');
    const headers: Record<string, string> = {};
    for (const name of (fields.get('SignedHeaders') ?? '').split(';')) {
      const value = headerValue(request.headers[name]);
      if (value !== undefined && name !== 'x-amz-date') headers[name] = value;
    }
    const expected = recompute(() =>
      signAwsSigV4(
        {
          method: request.method,
          url: `http://${headerValue(request.headers.host) ?? ''}${request.url}`,
          headers,
          body: request.rawBody ?? '',
          service: service || 'sns',
          region: region || config.awsSns.region,
        },
        { accessKeyId, secretAccessKey: config.awsSns.secretAccessKey },
        { clock: { now: () => signedAt } },
      ),
    );
    if (
      service !== 'sns' ||
      region !== config.awsSns.region ||
      expected === undefined ||
      !safeEqual(fields.get('Signature') ?? '', expected.signature)
    ) {
      return fail(
        403,
        'Sender',
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
    if (Math.abs(sandbox.clock.now() - signedAt) > Math.min(config.timestampWindowMs, AWS_WINDOW_MS)) {
      return fail(
        403,
        'Sender',
        'SignatureDoesNotMatch',
        `Signature expired: ${amzDate} is now earlier than the allowed window.`,
      );
    }

    const body = request.body;
    if (field(body, 'Action') !== 'Publish') {
      return fail(
        400,
        'Sender',
        'InvalidAction',
        `The action ${field(body, 'Action') ?? ''} is not valid for this endpoint.`,
      );
    }
    const phone = field(body, 'PhoneNumber');
    const message = field(body, 'Message');
    if (phone === undefined) {
      return fail(
        400,
        'Sender',
        'InvalidParameter',
        'Invalid parameter: PhoneNumber Reason: the sandbox only publishes SMS',
      );
    }
    const e164 = parsePlusE164(phone);
    if (e164 === undefined) {
      return fail(
        400,
        'Sender',
        'InvalidParameter',
        `Invalid parameter: PhoneNumber Reason: ${phone} is not valid to publish to`,
      );
    }
    if (message === undefined || message === '') {
      return fail(400, 'Sender', 'InvalidParameter', 'Invalid parameter: Message Reason: cannot be empty');
    }
    if (Buffer.byteLength(message) > 1600) {
      return fail(400, 'Sender', 'InvalidParameter', 'Invalid parameter: Message Reason: too long for SMS');
    }
    if (sandbox.faults.takeQuota('aws-sns')) return fail(429, 'Sender', 'Throttled', 'Rate exceeded');

    const attributes = messageAttributes(body);
    const messageId = randomUUID();
    const senderId = attributes['AWS.SNS.SMS.SenderID'];
    sms.deliver({
      provider: 'aws-sns',
      messageId,
      to: e164,
      ...(senderId === undefined ? {} : { from: senderId }),
      text: message,
    });
    return reply
      .code(200)
      .type('text/xml')
      .send(
        `<PublishResponse xmlns="${NAMESPACE}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
      );
  };
  for (const url of ['/aws-sns', '/aws-sns/']) app.post(url, handler);
}
