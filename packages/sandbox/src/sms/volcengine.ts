// Volcengine SMS `POST /?Action=SendSms&Version=2020-01-01`, JSON body, signed HMAC-SHA256 with the
// scope `YYYYMMDD/<region>/volcSMS/request`. Errors in `ResponseMetadata.Error`. Reference §2.6.
// The business error codes below are the sandbox's choice (the reference lists none).
import { randomUUID } from 'node:crypto';
import { signVolcengine } from '@lingpai/auth-core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseChinaFirstNumber } from './phone-numbers.js';
import {
  headerValue,
  randomHex,
  rawPath,
  rawQuery,
  recompute,
  type SmsContext,
  safeEqual,
} from './sms-context.js';
import { namedPlaceholders, renderNamed, withSign } from './templates.js';

const SERVICE = 'volcSMS';
const VERSION = '2020-01-01';
const PREFIX = 'HMAC-SHA256 ';

/** `20240102T030405Z` -> epoch ms, or NaN. */
function parseCompactDate(value: string): number {
  const match = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  if (match === null) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

export function registerVolcengine(app: FastifyInstance, sms: SmsContext): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (await sms.sandbox.faults.apply('volcengine', request, reply)) return reply;
    const { config, sandbox } = sms;
    const query = Object.fromEntries(new URLSearchParams(rawQuery(request.url)));
    let region = 'cn-north-1';
    const metadata = () => ({
      RequestId: `${new Date(sandbox.clock.now()).toISOString().replace(/\D/g, '').slice(0, 14)}${randomHex(8)}`,
      Action: query.Action ?? '',
      Version: query.Version ?? '',
      Service: SERVICE,
      Region: region,
    });
    const fail = (status: number, codeN: number, code: string, message: string) =>
      reply
        .code(status)
        .send({ ResponseMetadata: { ...metadata(), Error: { CodeN: codeN, Code: code, Message: message } } });

    const authorization = headerValue(request.headers.authorization) ?? '';
    if (!authorization.startsWith(PREFIX)) {
      return fail(
        401,
        100006,
        'MissingAuthenticationToken',
        'The request must contain an Authorization header.',
      );
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
    const [accessKeyId = '', , scopeRegion = '', service = ''] = (fields.get('Credential') ?? '').split('/');
    region = scopeRegion || region;
    if (accessKeyId !== config.volcengine.accessKeyId) {
      return fail(401, 100009, 'InvalidAccessKey', 'The access key is invalid.');
    }
    const xDate = headerValue(request.headers['x-date']) ?? '';
    const signedAt = parseCompactDate(xDate);
    if (Number.isNaN(signedAt))
      return fail(400, 100007, 'InvalidTimestamp', 'X-Date is not a valid timestamp.');
    const headers: Record<string, string> = {};
    for (const name of (fields.get('SignedHeaders') ?? '').split(';')) {
      const value = headerValue(request.headers[name]);
      if (value !== undefined && name !== 'host' && name !== 'x-date' && name !== 'x-content-sha256') {
        headers[name] = value;
      }
    }
    const expected = recompute(() =>
      signVolcengine(
        {
          method: request.method,
          host: headerValue(request.headers.host) ?? '',
          path: rawPath(request.url)
            .split('/')
            .map((segment) => decodeURIComponent(segment))
            .join('/'),
          query,
          headers,
          body: request.rawBody ?? '',
          service: service || SERVICE,
          region,
        },
        { accessKeyId, secretAccessKey: config.volcengine.secretAccessKey },
        { clock: { now: () => signedAt } },
      ),
    );
    if (
      service !== SERVICE ||
      expected === undefined ||
      !safeEqual(fields.get('Signature') ?? '', expected.signature)
    ) {
      return fail(
        403,
        100010,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    if (Math.abs(sandbox.clock.now() - signedAt) > config.timestampWindowMs) {
      return fail(
        403,
        100011,
        'RequestExpired',
        'The request has expired: X-Date is too far from the server time.',
      );
    }
    if (query.Action !== 'SendSms')
      return fail(404, 100008, 'InvalidActionOrVersion', 'Could not find operation.');
    if (query.Version !== VERSION)
      return fail(404, 100008, 'InvalidActionOrVersion', 'Could not find operation.');

    const body = request.body;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      return fail(400, 100003, 'InvalidParameter', 'The body is not a JSON object.');
    }
    const input = body as Record<string, unknown>;
    const text = (name: string) => (typeof input[name] === 'string' ? (input[name] as string) : undefined);
    const account = text('SmsAccount');
    if (account === undefined || !config.volcengine.smsAccounts.includes(account)) {
      return fail(400, 200001, 'ZJ20001', 'SmsAccount 不存在或无权限。');
    }
    const sign = text('Sign');
    if (sign === undefined || !config.volcengine.signs.includes(sign)) {
      return fail(400, 200002, 'ZJ20002', '签名不存在或未审核通过。');
    }
    const templateId = text('TemplateID') ?? '';
    const template = config.volcengine.templates[templateId];
    if (template === undefined) return fail(400, 200003, 'ZJ20003', '模板不存在或未审核通过。');
    let params: Record<string, string> = {};
    const templateParam = text('TemplateParam');
    if (templateParam !== undefined && templateParam !== '') {
      try {
        const parsed: unknown = JSON.parse(templateParam);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('shape');
        params = Object.fromEntries(
          Object.entries(parsed as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
        );
      } catch {
        return fail(400, 200004, 'ZJ20004', 'TemplateParam 不是合法的 JSON 对象。');
      }
    }
    if (namedPlaceholders(template).some((name) => params[name] === undefined)) {
      return fail(400, 200005, 'ZJ20005', '模板参数与模板不匹配。');
    }
    const numbers = (text('PhoneNumbers') ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
    const parsed = numbers.map(parseChinaFirstNumber);
    if (numbers.length === 0 || parsed.some((value) => value === undefined)) {
      return fail(400, 200006, 'ZJ20006', '手机号格式错误。');
    }
    if (sandbox.faults.takeQuota('volcengine')) return fail(400, 200007, 'ZJ20007', '账户余额不足。');

    const content = withSign(sign, renderNamed(template, params));
    const ids = (parsed as string[]).map((e164) => {
      const messageId = `${randomUUID().replace(/-/g, '')}`;
      sms.deliver({ provider: 'volcengine', messageId, to: e164, sign, text: content, templateId, params });
      return messageId;
    });
    return reply.code(200).send({ ResponseMetadata: metadata(), Result: { MessageID: ids } });
  };
  for (const url of ['/volcengine', '/volcengine/']) app.post(url, handler);
}
