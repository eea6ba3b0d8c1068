// Tencent Cloud SMS SendSms 2021-01-11 over API 3.0 (TC3-HMAC-SHA256, either SignedHeaders form).
// Shapes: reference §2.3 and §3.2. Errors always arrive with HTTP 200 in `Response.Error`.
import { randomUUID } from 'node:crypto';
import { signTencentTc3 } from '@lingpai/auth-core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseChinaFirstNumber } from './phone-numbers.js';
import { beijingTime } from './report-poster.js';
import { headerValue, randomHex, rawQuery, recompute, type SmsContext, safeEqual } from './sms-context.js';
import { positionalCount, renderPositional, withSign } from './templates.js';

const VERSION = '2021-01-11';
const TC3_PREFIX = 'TC3-HMAC-SHA256 ';
/** Tencent rejects requests whose X-TC-Timestamp is more than 5 minutes off. */
const TENCENT_WINDOW_MS = 5 * 60 * 1000;

const ISO_CODES: Readonly<Record<string, string>> = {
  '86': 'CN',
  '852': 'HK',
  '853': 'MO',
  '886': 'TW',
  '1': 'US',
  '44': 'GB',
  '65': 'SG',
  '60': 'MY',
  '81': 'JP',
  '82': 'KR',
  '61': 'AU',
  '49': 'DE',
  '33': 'FR',
};

function countryCode(e164: string): string {
  for (const length of [3, 2, 1]) {
    const code = e164.slice(1, 1 + length);
    if (ISO_CODES[code] !== undefined) return code;
  }
  return e164.slice(1, 3);
}

interface SendStatus {
  SerialNo: string;
  PhoneNumber: string;
  Fee: number;
  SessionContext: string;
  Code: string;
  Message: string;
  IsoCode: string;
}

export function registerTencent(app: FastifyInstance, sms: SmsContext): void {
  const fail = (reply: FastifyReply, requestId: string, code: string, message: string) =>
    reply.code(200).send({ Response: { Error: { Code: code, Message: message }, RequestId: requestId } });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (await sms.sandbox.faults.apply('tencent', request, reply)) return reply;
    const { config, sandbox } = sms;
    const requestId = randomUUID();
    const authorization = headerValue(request.headers.authorization) ?? '';
    if (!authorization.startsWith(TC3_PREFIX)) {
      return fail(
        reply,
        requestId,
        'AuthFailure.InvalidAuthorization',
        'Authorization 不符合腾讯云 API 3.0 规范。',
      );
    }
    const fields = new Map(
      authorization
        .slice(TC3_PREFIX.length)
        .split(',')
        .map((part) => {
          const eq = part.indexOf('=');
          return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
        }),
    );
    const [secretId = '', credentialDate = '', service = ''] = (fields.get('Credential') ?? '').split('/');
    const signedHeaders = fields.get('SignedHeaders');
    if (signedHeaders !== 'content-type;host' && signedHeaders !== 'content-type;host;x-tc-action') {
      return fail(
        reply,
        requestId,
        'AuthFailure.InvalidAuthorization',
        'SignedHeaders 须为 content-type;host 或 content-type;host;x-tc-action。',
      );
    }
    if (secretId !== config.tencent.secretId) {
      return fail(reply, requestId, 'AuthFailure.SecretIdNotFound', '密钥不存在。');
    }
    const timestampText = headerValue(request.headers['x-tc-timestamp']) ?? '';
    const timestamp = Number(timestampText);
    if (!/^\d+$/.test(timestampText) || !Number.isSafeInteger(timestamp)) {
      return fail(reply, requestId, 'InvalidParameter', 'X-TC-Timestamp 不合法。');
    }
    // Tencent derives the signing key from the Credential's own date and service, and checks them:
    // the date must be the UTC date of X-TC-Timestamp and the service the endpoint's (`sms`).
    const signedAt = new Date(timestamp * 1000);
    const signedDay = Number.isNaN(signedAt.getTime()) ? '' : signedAt.toISOString().slice(0, 10);
    if (service !== 'sms') {
      // Sandbox hint: a TC3 signer that derives the service from the host's first label signs for
      // "127" when pointed at 127.0.0.1 (Tencent itself never sees such a host).
      const derived = /^(\d+|localhost|\[)/.test(service)
        ? ` The signer derived "${service}" from the host; pass service: 'sms' when signing for a local address.`
        : '';
      return fail(
        reply,
        requestId,
        'AuthFailure.SignatureFailure',
        `Credential 中的服务须为 sms，收到 "${service}"。${derived}`,
      );
    }
    if (credentialDate !== signedDay) {
      return fail(
        reply,
        requestId,
        'AuthFailure.SignatureFailure',
        'Credential 中的日期须为 X-TC-Timestamp 的 UTC 日期，服务须为 sms。',
      );
    }
    const action = headerValue(request.headers['x-tc-action']) ?? '';
    const expected = recompute(() =>
      signTencentTc3(
        {
          host: headerValue(request.headers.host) ?? '',
          action,
          version: headerValue(request.headers['x-tc-version']) ?? '',
          payload: request.rawBody ?? '',
          service,
          method: request.method,
          query: rawQuery(request.url),
          contentType: headerValue(request.headers['content-type']) ?? '',
          signedHeaders,
        },
        { secretId, secretKey: config.tencent.secretKey },
        { clock: { now: () => timestamp * 1000 } },
      ),
    );
    if (expected === undefined || !safeEqual(fields.get('Signature') ?? '', expected.signature)) {
      return fail(
        reply,
        requestId,
        'AuthFailure.SignatureFailure',
        '请求签名验证失败，请检查您的签名计算是否正确。',
      );
    }
    if (
      Math.abs(sandbox.clock.now() - timestamp * 1000) > Math.min(config.timestampWindowMs, TENCENT_WINDOW_MS)
    ) {
      return fail(
        reply,
        requestId,
        'AuthFailure.SignatureExpire',
        '签名过期。Timestamp 和服务器时间相差不得超过五分钟。',
      );
    }
    if (action !== 'SendSms') return fail(reply, requestId, 'InvalidAction', `接口\`${action}\`不存在。`);
    if (headerValue(request.headers['x-tc-version']) !== VERSION) {
      return fail(reply, requestId, 'NoSuchVersion', '接口版本不存在。');
    }

    const body = request.body;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      return fail(reply, requestId, 'InvalidParameter', '请求体不是合法的 JSON 对象。');
    }
    const input = body as Record<string, unknown>;
    const numbers = input.PhoneNumberSet;
    if (!Array.isArray(numbers) || numbers.length === 0) {
      return fail(reply, requestId, 'MissingParameter', '缺少参数`PhoneNumberSet`。');
    }
    if (numbers.length > 200) {
      return fail(reply, requestId, 'LimitExceeded.PhoneNumberCountLimit', '单次请求的手机号个数超过200个。');
    }
    if (input.SmsSdkAppId !== config.tencent.smsSdkAppId) {
      return fail(reply, requestId, 'InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId 不存在。');
    }
    const template =
      typeof input.TemplateId === 'string' ? config.tencent.templates[input.TemplateId] : undefined;
    if (template === undefined) {
      return fail(
        reply,
        requestId,
        'FailedOperation.TemplateIncorrectOrUnapproved',
        '模板未审批或内容不合法。',
      );
    }
    const parsed = numbers.map((value) =>
      typeof value === 'string' ? parseChinaFirstNumber(value) : undefined,
    );
    const domestic = parsed.some((e164) => e164?.startsWith('+86'));
    const signName = typeof input.SignName === 'string' ? input.SignName : undefined;
    if (domestic && (signName === undefined || signName === '')) {
      return fail(reply, requestId, 'MissingParameter', '国内短信缺少参数`SignName`。');
    }
    if (signName !== undefined && signName !== '' && !config.tencent.signs.includes(signName)) {
      return fail(
        reply,
        requestId,
        'FailedOperation.SignatureIncorrectOrUnapproved',
        '签名未审批或格式错误。',
      );
    }
    const paramSet = input.TemplateParamSet ?? [];
    if (!Array.isArray(paramSet) || paramSet.some((value) => typeof value !== 'string')) {
      return fail(
        reply,
        requestId,
        'InvalidParameterValue.TemplateParameterFormatError',
        '验证码模板参数格式错误。',
      );
    }
    const params = paramSet as string[];
    if (params.length !== positionalCount(template)) {
      return fail(
        reply,
        requestId,
        'FailedOperation.TemplateParamSetNotMatchApprovedTemplate',
        '请求内容与审核通过的模板内容不匹配。',
      );
    }
    const sessionContext = typeof input.SessionContext === 'string' ? input.SessionContext : '';
    if (sandbox.faults.takeQuota('tencent')) {
      return fail(reply, requestId, 'FailedOperation.InsufficientBalanceInSmsPackage', '套餐包余量不足。');
    }

    const now = sandbox.clock.now();
    const text = withSign(domestic ? signName : undefined, renderPositional(template, params));
    const reportStatus = sms.reportStatus();
    const delivered: Array<{ e164: string; serialNo: string }> = [];
    const statuses: SendStatus[] = numbers.map((raw, index) => {
      const e164 = parsed[index];
      const base = {
        SerialNo: '',
        PhoneNumber: String(raw),
        Fee: 0,
        SessionContext: sessionContext,
        IsoCode: '',
      };
      if (e164 === undefined) {
        return { ...base, Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: '手机号格式错误。' };
      }
      if (!sms.flow.take('tencent', e164)) {
        return {
          ...base,
          PhoneNumber: e164,
          Code: 'LimitExceeded.PhoneNumberThirtySecondLimit',
          Message: '单个手机号短时间内下发短信条数超过设定的上限。',
        };
      }
      const serialNo = `2433:${randomHex(12)}`;
      sms.deliver({
        provider: 'tencent',
        messageId: serialNo,
        to: e164,
        ...(signName === undefined ? {} : { sign: signName }),
        text,
        templateId: String(input.TemplateId),
        params,
      });
      delivered.push({ e164, serialNo });
      return {
        SerialNo: serialNo,
        PhoneNumber: e164,
        Fee: Math.max(1, Math.ceil([...text].length / 67)),
        SessionContext: sessionContext,
        Code: 'Ok',
        Message: 'send success',
        IsoCode: ISO_CODES[countryCode(e164)] ?? '',
      };
    });

    const url = sms.reportUrls.get('tencent');
    if (url !== undefined && reportStatus !== 'none' && delivered.length > 0) {
      const time = beijingTime(now);
      const report = delivered.map(({ e164, serialNo }) => {
        const code = countryCode(e164);
        return {
          user_receive_time: time,
          nationcode: code,
          mobile: e164.slice(1 + code.length),
          report_status: reportStatus === 'delivered' ? 'SUCCESS' : 'FAIL',
          errmsg:
            reportStatus === 'delivered' ? 'DELIVRD' : reportStatus === 'expired' ? 'EXPIRED' : 'UNDELIV',
          description: reportStatus === 'delivered' ? '用户短信送达成功' : '用户短信送达失败',
          sid: serialNo,
        };
      });
      sms.reports.schedule({
        provider: 'tencent',
        messageId: delivered[0]?.serialNo ?? '',
        url,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report),
      });
    }
    return reply.code(200).send({ Response: { SendStatusSet: statuses, RequestId: requestId } });
  };

  for (const url of ['/tencent', '/tencent/']) app.post(url, handler);
}
