// Huawei Cloud SMS (MSGSMS) batchSendSms/v1 with WSSE UsernameToken auth. Reference §2.6.
// Error codes beyond the `000000` success are from Huawei's published code list as remembered,
// not confirmed against the reference: treat them as the sandbox's choice.
import { randomUUID } from 'node:crypto';
import {
  HUAWEI_WSSE_AUTHORIZATION,
  parseHuaweiWsseHeader,
  verifyHuaweiPasswordDigest,
} from '@lingpai/auth-core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parsePlusE164 } from './phone-numbers.js';
import { field, headerValue, type SmsContext } from './sms-context.js';
import { positionalCount, renderPositional, withSign } from './templates.js';

export function registerHuawei(app: FastifyInstance, sms: SmsContext): void {
  const fail = (reply: FastifyReply, status: number, code: string, description: string) =>
    reply.code(status).send({ code, description });

  app.post('/huawei/sms/batchSendSms/v1', async (request: FastifyRequest, reply: FastifyReply) => {
    if (await sms.sandbox.faults.apply('huawei', request, reply)) return reply;
    const { config, sandbox } = sms;
    const now = sandbox.clock.now();
    if (
      headerValue(request.headers.authorization)?.replace(/\s+/g, '') !==
      HUAWEI_WSSE_AUTHORIZATION.replace(/\s+/g, '')
    ) {
      return fail(reply, 401, 'E000101', 'Authentication failed.');
    }
    const token = parseHuaweiWsseHeader(headerValue(request.headers['x-wsse']) ?? '');
    if (token === undefined) return fail(reply, 401, 'E000101', 'Authentication failed.');
    if (token.username !== config.huawei.appKey) return fail(reply, 401, 'E000102', 'Invalid app_key.');
    if (!verifyHuaweiPasswordDigest(token, config.huawei.appSecret)) {
      return fail(reply, 401, 'E000105', 'Invalid PasswordDigest.');
    }
    const created = Date.parse(token.created);
    if (Number.isNaN(created) || Math.abs(now - created) > config.timestampWindowMs) {
      return fail(reply, 401, 'E000110', 'The time is out of range.');
    }
    if (!sms.nonces.use('huawei', token.nonce, now, config.timestampWindowMs)) {
      return fail(reply, 401, 'E000101', 'Authentication failed.');
    }

    const body = request.body;
    const from = field(body, 'from');
    const to = field(body, 'to');
    const templateId = field(body, 'templateId');
    if (from === undefined || to === undefined || templateId === undefined) {
      return fail(reply, 400, 'E000503', 'Parameters format error: from, to and templateId are required.');
    }
    if (!config.huawei.senders.includes(from))
      return fail(reply, 400, 'E000503', 'Parameters format error: from.');
    const template = config.huawei.templates[templateId];
    if (template === undefined) return fail(reply, 400, 'E200030', 'The template is not activated.');
    const sign = field(body, 'signature');
    if (sign !== undefined && !config.huawei.signs.includes(sign)) {
      return fail(reply, 400, 'E000503', 'Parameters format error: signature.');
    }
    let params: string[] = [];
    const paras = field(body, 'templateParas');
    if (paras !== undefined && paras !== '') {
      try {
        const parsed: unknown = JSON.parse(paras);
        if (!Array.isArray(parsed) || parsed.some((value) => typeof value !== 'string'))
          throw new Error('shape');
        params = parsed as string[];
      } catch {
        return fail(reply, 400, 'E000503', 'Parameters format error: templateParas.');
      }
    }
    if (params.length !== positionalCount(template)) {
      return fail(reply, 400, 'E200028', 'Template variable verification failed.');
    }
    const recipients = to.split(',').map((value) => value.trim());
    const parsed = recipients.map(parsePlusE164);
    if (recipients.length > 1000 || parsed.some((value) => value === undefined)) {
      return fail(reply, 400, 'E000503', 'Parameters format error: to.');
    }
    if (sandbox.faults.takeQuota('huawei'))
      return fail(reply, 403, 'E000623', 'The SMS balance is insufficient.');

    const createTime = new Date(now).toISOString().slice(0, 19) + 'Z';
    const text = withSign(sign, renderPositional(template, params));
    const total = Math.max(1, Math.ceil([...text].length / 67));
    const callback = field(body, 'statusCallback');
    const reportStatus = sms.reportStatus();
    const result = (parsed as string[]).map((e164, index) => {
      const smsMsgId = `${randomUUID()}_${Math.floor(Math.random() * 1e7)}`;
      sms.deliver({
        provider: 'huawei',
        messageId: smsMsgId,
        to: e164,
        from,
        ...(sign === undefined ? {} : { sign }),
        text,
        templateId,
        params,
      });
      if (callback !== undefined && callback !== '' && reportStatus !== 'none') {
        const report = new URLSearchParams({
          smsMsgId,
          total: String(total),
          sequence: '1',
          status:
            reportStatus === 'delivered' ? 'DELIVRD' : reportStatus === 'expired' ? 'EXPIRED' : 'UNDELIV',
          source: '2',
          updateTime: createTime,
          orgCode: reportStatus === 'delivered' ? '000000' : 'E200038',
          to: e164,
        });
        sms.reports.schedule({
          provider: 'huawei',
          messageId: smsMsgId,
          url: callback,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: report.toString(),
        });
      }
      return {
        originTo: recipients[index],
        createTime,
        from,
        smsMsgId,
        status: '000000',
        countryId: e164.startsWith('+86') ? 'CN' : '',
        total,
      };
    });
    return reply.code(200).send({ code: '000000', description: 'Success', result });
  });
}
