// Aliyun Dysmsapi 2017-05-25: SendSms, SendBatchSms, QuerySendDetails, signed with RPC v1
// (HMAC-SHA1; GET query or POST form) or V3 (ACS3-HMAC-SHA256 headers). Shapes: reference §2.1, §2.2, §3.1.
import { randomUUID } from 'node:crypto';
import { signAliyunAcs3, signAliyunRpc } from '@lingpai/auth-core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseChinaFirstNumber } from './phone-numbers.js';
import { beijingTime } from './report-poster.js';
import { headerValue, rawPath, rawQuery, recompute, type SmsContext, safeEqual } from './sms-context.js';
import { namedPlaceholders, renderNamed, withSign } from './templates.js';

const HOST_ID = 'dysmsapi.aliyuncs.com';
const VERSION = '2017-05-25';
const ACS3_PREFIX = 'ACS3-HMAC-SHA256 ';

/** Delivery states QuerySendDetails reports: 1 waiting, 2 failed, 3 delivered. */
type AliyunSendStatus = 1 | 2 | 3;

interface AliyunRecord {
  bizId: string;
  /** The number as sent (`PhoneNum` in QuerySendDetails). */
  phone: string;
  e164: string;
  templateCode: string;
  content: string;
  outId?: string;
  sentAt: number;
  status: AliyunSendStatus;
}

interface AliyunCall {
  params: Record<string, string>;
  format: 'JSON' | 'XML';
  requestId: string;
}

type Answer = { status: number; body: Record<string, unknown> };

/** Minimal XML for Aliyun's default `Format=XML`: the response object under `<{Action}Response>`. */
function toXml(root: string, value: Record<string, unknown>): string {
  const escapeXml = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const node = (name: string, inner: unknown): string => {
    if (Array.isArray(inner)) return inner.map((item) => node(name, item)).join('');
    if (inner !== null && typeof inner === 'object') {
      const children = Object.entries(inner as Record<string, unknown>)
        .map(([key, child]) => node(key, child))
        .join('');
      return `<${name}>${children}</${name}>`;
    }
    return `<${name}>${escapeXml(String(inner))}</${name}>`;
  };
  return `<?xml version='1.0' encoding='UTF-8'?>${node(root, value)}`;
}

function newBizId(now: number): string {
  // Real BizIds look like `900619746936498440^0`: digits, a caret, a part index.
  const digits = `${now}${Math.floor(Math.random() * 1e5)}`.padEnd(18, '0').slice(0, 18);
  return `${digits}^0`;
}

export function registerAliyun(app: FastifyInstance, sms: SmsContext): void {
  const records: AliyunRecord[] = [];

  const send = (reply: FastifyReply, call: AliyunCall, action: string, answer: Answer) => {
    const body = { RequestId: call.requestId, ...answer.body };
    if (call.format === 'XML') {
      return reply
        .code(answer.status)
        .type('text/xml;charset=utf-8')
        .send(toXml(`${action}Response`, body));
    }
    return reply.code(answer.status).type('application/json;charset=utf-8').send(body);
  };

  const error = (status: number, code: string, message: string): Answer => ({
    status,
    body: {
      HostId: HOST_ID,
      Code: code,
      Message: message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Dysmsapi`,
    },
  });
  const business = (code: string, message: string): Answer => ({
    status: 200,
    body: { Code: code, Message: message },
  });

  const fail = (status: number, code: string, message: string) => ({ error: error(status, code, message) });

  /** Checks the signature; returns the error to answer, or the call's params. */
  const authenticate = (request: FastifyRequest): { error: Answer } | { params: Record<string, string> } => {
    const { config, sandbox } = sms;
    const now = sandbox.clock.now();
    const query = Object.fromEntries(new URLSearchParams(rawQuery(request.url)));
    const form =
      request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') && request.rawBody
        ? Object.fromEntries(new URLSearchParams(request.rawBody))
        : {};
    const params: Record<string, string> = { ...query, ...form };
    const authorization = headerValue(request.headers.authorization);

    if (authorization?.startsWith(ACS3_PREFIX)) {
      const fields = new Map(
        authorization
          .slice(ACS3_PREFIX.length)
          .split(',')
          .map((part) => {
            const eq = part.indexOf('=');
            return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
          }),
      );
      const accessKeyId = fields.get('Credential') ?? '';
      const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';').filter(Boolean);
      if (accessKeyId !== config.aliyun.accessKeyId) {
        return fail(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
      }
      const date = headerValue(request.headers['x-acs-date']) ?? '';
      const nonce = headerValue(request.headers['x-acs-signature-nonce']) ?? '';
      const action = headerValue(request.headers['x-acs-action']) ?? '';
      const version = headerValue(request.headers['x-acs-version']) ?? '';
      const signedAt = Date.parse(date);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(date) || Number.isNaN(signedAt)) {
        return fail(
          400,
          'InvalidTimeStamp.Format',
          'Specified time stamp or date value is not well formatted.',
        );
      }
      const headers: Record<string, string> = {};
      for (const name of signedHeaders) {
        const value = headerValue(request.headers[name]);
        if (value !== undefined && name !== 'host') headers[name] = value;
      }
      const path = rawPath(request.url)
        .split('/')
        .map((segment) => decodeURIComponent(segment))
        .join('/');
      const expected = recompute(() =>
        signAliyunAcs3(
          {
            method: request.method,
            host: headerValue(request.headers.host) ?? '',
            path,
            query,
            headers,
            body: request.rawBody ?? '',
            action,
            version,
          },
          { accessKeyId, accessKeySecret: config.aliyun.accessKeySecret },
        ),
      );
      if (expected === undefined || !safeEqual(fields.get('Signature') ?? '', expected.signature)) {
        return fail(
          400,
          'SignatureDoesNotMatch',
          `Specified signature is not matched with our calculation. server string to sign is:${expected?.stringToSign ?? ''}`,
        );
      }
      if (Math.abs(now - signedAt) > config.timestampWindowMs) {
        return fail(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
      }
      if (!sms.nonces.use('aliyun', nonce, now, config.timestampWindowMs)) {
        return fail(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
      }
      return { params: { ...params, Action: action, Version: version, Format: 'JSON' } };
    }

    // RPC v1: every param, common and business, in the query (GET) or the form body (POST).
    if (params.Signature === undefined)
      return fail(400, 'MissingSignature', 'Signature is mandatory for this action.');
    if (params.AccessKeyId === undefined) {
      return fail(400, 'MissingAccessKeyId', 'AccessKeyId is mandatory for this action.');
    }
    if (params.AccessKeyId !== config.aliyun.accessKeyId) {
      return fail(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    }
    const timestamp = params.Timestamp ?? '';
    const signedAt = Date.parse(timestamp);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(timestamp) || Number.isNaN(signedAt)) {
      return fail(
        400,
        'InvalidTimeStamp.Format',
        'Specified time stamp or date value is not well formatted.',
      );
    }
    if (params.SignatureNonce === undefined || params.SignatureNonce === '') {
      return fail(400, 'MissingSignatureNonce', 'SignatureNonce is mandatory for this action.');
    }
    const { Signature: signature, ...unsigned } = params;
    const clientKeyId = params.AccessKeyId;
    const expected = recompute(() =>
      signAliyunRpc(
        { method: request.method, params: unsigned },
        { accessKeyId: clientKeyId, accessKeySecret: config.aliyun.accessKeySecret },
      ),
    );
    if (
      params.SignatureMethod !== 'HMAC-SHA1' ||
      params.SignatureVersion !== '1.0' ||
      expected === undefined ||
      !safeEqual(signature, expected.signature)
    ) {
      return fail(
        400,
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${expected?.stringToSign ?? ''}`,
      );
    }
    if (Math.abs(now - signedAt) > config.timestampWindowMs) {
      return fail(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    }
    if (!sms.nonces.use('aliyun', params.SignatureNonce, now, config.timestampWindowMs)) {
      return fail(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    }
    return { params };
  };

  /** Validates one (number, sign, template, params) and renders it; an Answer on failure. */
  const prepare = (
    phone: string,
    signName: string | undefined,
    templateCode: string | undefined,
    templateParam: unknown,
  ):
    | Answer
    | { e164: string; content: string; params: Record<string, string>; sign: string; template: string } => {
    const { aliyun } = sms.config;
    const e164 = parseChinaFirstNumber(phone);
    if (e164 === undefined) return business('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    if (signName === undefined || signName === '')
      return error(400, 'MissingSignName', 'SignName is mandatory for this action.');
    if (!aliyun.signs.includes(signName))
      return business('isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
    if (templateCode === undefined || templateCode === '') {
      return error(400, 'MissingTemplateCode', 'TemplateCode is mandatory for this action.');
    }
    const template = aliyun.templates[templateCode];
    if (template === undefined) return business('isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
    const params: Record<string, string> = {};
    if (templateParam !== undefined) {
      if (templateParam === null || typeof templateParam !== 'object' || Array.isArray(templateParam)) {
        return business('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
      }
      for (const [key, value] of Object.entries(templateParam as Record<string, unknown>)) {
        if (typeof value !== 'string' && typeof value !== 'number') {
          return business('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
        }
        params[key] = String(value);
      }
    }
    for (const name of namedPlaceholders(template)) {
      if (params[name] === undefined)
        return business('isv.TEMPLATE_MISSING_PARAMETERS', '模板变量缺少对应参数值');
    }
    return {
      e164,
      content: withSign(signName, renderNamed(template, params)),
      params,
      sign: signName,
      template: templateCode,
    };
  };

  const parseJson = (text: string | undefined): { ok: true; value: unknown } | { ok: false } => {
    if (text === undefined) return { ok: true, value: undefined };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  };

  const accept = (
    items: Array<{
      phone: string;
      e164: string;
      content: string;
      params: Record<string, string>;
      sign: string;
      template: string;
    }>,
    outId: string | undefined,
  ): Answer => {
    const now = sms.sandbox.clock.now();
    for (const item of items) {
      if (!sms.flow.allows('aliyun', item.e164))
        return business('isv.BUSINESS_LIMIT_CONTROL', '触发分钟级流控Permits:1');
    }
    if (sms.sandbox.faults.takeQuota('aliyun')) return business('isv.AMOUNT_NOT_ENOUGH', '账户余额不足');
    const bizId = newBizId(now);
    const reportStatus = sms.reportStatus();
    const status: AliyunSendStatus = reportStatus === 'delivered' ? 3 : reportStatus === 'none' ? 1 : 2;
    for (const item of items) {
      sms.flow.take('aliyun', item.e164);
      sms.deliver({
        provider: 'aliyun',
        messageId: bizId,
        to: item.e164,
        sign: item.sign,
        text: item.content,
        templateId: item.template,
        params: item.params,
      });
      records.push({
        bizId,
        phone: item.phone,
        e164: item.e164,
        templateCode: item.template,
        content: item.content,
        ...(outId === undefined ? {} : { outId }),
        sentAt: now,
        status,
      });
    }
    const url = sms.reportUrls.get('aliyun');
    if (url !== undefined && reportStatus !== 'none') {
      const time = beijingTime(now);
      const report = items.map((item) => ({
        phone_number: item.phone,
        send_time: time,
        report_time: time,
        success: reportStatus === 'delivered',
        err_code:
          reportStatus === 'delivered' ? 'DELIVERED' : reportStatus === 'expired' ? 'EXPIRED' : 'UNDELIV',
        err_msg: reportStatus === 'delivered' ? '用户接收成功' : '用户接收失败',
        sms_size: String(Math.max(1, Math.ceil([...item.content].length / 67))),
        biz_id: bizId,
        out_id: outId ?? '',
      }));
      sms.reports.schedule({
        provider: 'aliyun',
        messageId: bizId,
        url,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(report),
      });
    }
    return { status: 200, body: { Code: 'OK', Message: 'OK', BizId: bizId } };
  };

  const sendSms = (params: Record<string, string>): Answer => {
    const numbers = (params.PhoneNumbers ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
    if (numbers.length === 0)
      return error(400, 'MissingPhoneNumbers', 'PhoneNumbers is mandatory for this action.');
    if (numbers.length > 1000) return business('isv.MOBILE_COUNT_OVER_LIMIT', '手机号码数量超过限制');
    const templateParam = parseJson(params.TemplateParam);
    if (!templateParam.ok) return business('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    const items = [];
    for (const phone of numbers) {
      const prepared = prepare(phone, params.SignName, params.TemplateCode, templateParam.value);
      if ('status' in prepared) return prepared;
      items.push({ ...prepared, phone });
    }
    return accept(items, params.OutId);
  };

  const sendBatchSms = (params: Record<string, string>): Answer => {
    const phones = parseJson(params.PhoneNumberJson);
    const signs = parseJson(params.SignNameJson);
    const templateParams = parseJson(params.TemplateParamJson);
    if (params.PhoneNumberJson === undefined) {
      return error(400, 'MissingPhoneNumberJson', 'PhoneNumberJson is mandatory for this action.');
    }
    if (params.SignNameJson === undefined)
      return error(400, 'MissingSignNameJson', 'SignNameJson is mandatory for this action.');
    if (
      !phones.ok ||
      !signs.ok ||
      !templateParams.ok ||
      !Array.isArray(phones.value) ||
      !Array.isArray(signs.value)
    ) {
      return business('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    const phoneList = phones.value as unknown[];
    const signList = signs.value as unknown[];
    const paramList = Array.isArray(templateParams.value) ? (templateParams.value as unknown[]) : undefined;
    if (phoneList.length === 0)
      return error(400, 'MissingPhoneNumberJson', 'PhoneNumberJson is mandatory for this action.');
    if (phoneList.length > 100) return business('isv.MOBILE_COUNT_OVER_LIMIT', '手机号码数量超过限制');
    if (
      signList.length !== phoneList.length ||
      (paramList !== undefined && paramList.length !== phoneList.length)
    ) {
      return business('isv.INVALID_PARAMETERS', '参数异常：手机号、签名和模板参数的数量不一致');
    }
    const items = [];
    for (const [index, phone] of phoneList.entries()) {
      const sign = signList[index];
      if (typeof phone !== 'string') return business('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
      const prepared = prepare(
        phone,
        typeof sign === 'string' ? sign : undefined,
        params.TemplateCode,
        paramList?.[index],
      );
      if ('status' in prepared) return prepared;
      items.push({ ...prepared, phone });
    }
    return accept(items, params.OutId);
  };

  const querySendDetails = (params: Record<string, string>): Answer => {
    const phone = params.PhoneNumber;
    if (phone === undefined || phone === '')
      return error(400, 'MissingPhoneNumber', 'PhoneNumber is mandatory for this action.');
    const sendDate = params.SendDate ?? '';
    if (!/^\d{8}$/.test(sendDate))
      return error(400, 'MissingSendDate', 'SendDate is mandatory for this action.');
    const pageSize = Number(params.PageSize ?? '10');
    const currentPage = Number(params.CurrentPage ?? '1');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) {
      return business('isv.INVALID_PARAMETERS', 'PageSize 取值范围为 1~50');
    }
    if (!Number.isInteger(currentPage) || currentPage < 1)
      return business('isv.INVALID_PARAMETERS', 'CurrentPage 必须大于 0');
    const e164 = parseChinaFirstNumber(phone);
    const matching = records.filter(
      (record) =>
        record.e164 === e164 &&
        beijingTime(record.sentAt).slice(0, 10).replace(/-/g, '') === sendDate &&
        (params.BizId === undefined || params.BizId === '' || record.bizId === params.BizId),
    );
    const page = matching.slice((currentPage - 1) * pageSize, currentPage * pageSize);
    return {
      status: 200,
      body: {
        Code: 'OK',
        Message: 'OK',
        TotalCount: matching.length,
        SmsSendDetailDTOs: {
          SmsSendDetailDTO: page.map((record) => ({
            PhoneNum: record.phone,
            SendStatus: record.status,
            ErrCode: record.status === 3 ? 'DELIVERED' : record.status === 2 ? 'UNDELIV' : '',
            TemplateCode: record.templateCode,
            Content: record.content,
            SendDate: beijingTime(record.sentAt),
            ReceiveDate: record.status === 1 ? '' : beijingTime(record.sentAt),
            OutId: record.outId ?? '',
          })),
        },
      },
    };
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (await sms.sandbox.faults.apply('aliyun', request, reply)) return reply;
    const requestId = randomUUID().toUpperCase();
    const isAcs3 = headerValue(request.headers.authorization)?.startsWith(ACS3_PREFIX) === true;
    const claimedFormat = new URLSearchParams(rawQuery(request.url)).get('Format');
    const provisional: AliyunCall = {
      params: {},
      format: !isAcs3 && claimedFormat?.toUpperCase() === 'XML' ? 'XML' : 'JSON',
      requestId,
    };
    const authenticated = authenticate(request);
    if ('error' in authenticated) {
      const action = isAcs3
        ? headerValue(request.headers['x-acs-action'])
        : new URLSearchParams(rawQuery(request.url)).get('Action');
      return send(reply, provisional, action || 'Error', authenticated.error);
    }
    const params = authenticated.params;
    const action = params.Action ?? 'Error';
    // RPC v1 defaults to XML, as the real API does; ACS3 answers JSON.
    const call: AliyunCall = {
      params,
      format: !isAcs3 && (params.Format ?? 'XML').toUpperCase() === 'XML' ? 'XML' : 'JSON',
      requestId,
    };
    if (params.Version !== VERSION) {
      return send(
        reply,
        call,
        action,
        error(400, 'InvalidVersion', 'Specified parameter Version is not valid.'),
      );
    }
    switch (params.Action) {
      case 'SendSms':
        return send(reply, call, 'SendSms', sendSms(params));
      case 'SendBatchSms':
        return send(reply, call, 'SendBatchSms', sendBatchSms(params));
      case 'QuerySendDetails':
        return send(reply, call, 'QuerySendDetails', querySendDetails(params));
      default:
        return send(
          reply,
          call,
          action,
          error(
            404,
            'InvalidAction.NotFound',
            'Specified api is not found, please check your url and method.',
          ),
        );
    }
  };

  for (const url of ['/aliyun', '/aliyun/']) app.route({ method: ['GET', 'POST'], url, handler });
}
