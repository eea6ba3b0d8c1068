// MoceanAPI `POST /rest/2/sms`: key/secret form params or a Bearer token; JSON with
// `mocean-resp-format=json`, XML otherwise (the real default). Reference §2.5, §3.4.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseDigitsNumber } from './phone-numbers.js';
import { field, headerValue, type SmsContext, safeEqual } from './sms-context.js';

/** Mocean allows up to 1,530 characters (10 concatenated GSM parts); the sandbox uses that bound. */
const MAX_TEXT_LENGTH = 1530;
const MAX_RECEIVERS = 500;

let counter = 0;
function newMsgId(): string {
  counter = (counter + 1) % 1e10;
  return `CPASS_restapi_C${String(Date.now()).slice(-6)}${String(counter).padStart(10, '0')}.0001`;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function registerMocean(app: FastifyInstance, sms: SmsContext): void {
  const answer = (reply: FastifyReply, json: boolean, status: number, body: Record<string, unknown>) => {
    if (json) return reply.code(status).type('application/json').send(body);
    let xml = '<?xml version="1.0" encoding="UTF-8"?><result>';
    if (Array.isArray(body.messages)) {
      for (const message of body.messages as Array<Record<string, unknown>>) {
        xml += '<message>';
        for (const [key, value] of Object.entries(message))
          xml += `<${key}>${xmlEscape(String(value))}</${key}>`;
        xml += '</message>';
      }
    } else {
      for (const [key, value] of Object.entries(body)) xml += `<${key}>${xmlEscape(String(value))}</${key}>`;
    }
    return reply.code(status).type('text/xml').send(`${xml}</result>`);
  };

  app.post('/mocean/rest/2/sms', async (request: FastifyRequest, reply: FastifyReply) => {
    if (await sms.sandbox.faults.apply('mocean', request, reply)) return reply;
    const { config } = sms;
    const body = request.body;
    const json = field(body, 'mocean-resp-format')?.toLowerCase() === 'json';
    const error = (status: number, code: number, message: string) =>
      answer(reply, json, status, { status: code, err_msg: message });

    const bearer = /^Bearer\s+(.+)$/i.exec(headerValue(request.headers.authorization) ?? '')?.[1];
    const authorized =
      bearer !== undefined
        ? safeEqual(bearer, config.mocean.apiToken)
        : safeEqual(field(body, 'mocean-api-key') ?? '', config.mocean.apiKey) &&
          safeEqual(field(body, 'mocean-api-secret') ?? '', config.mocean.apiSecret);
    if (!authorized) return error(401, 1, 'Authorization failed');

    const from = field(body, 'mocean-from');
    const to = field(body, 'mocean-to');
    const text = field(body, 'mocean-text');
    if (from === undefined || from === '') return error(400, 8, 'Sender ID not found');
    if (to === undefined || to.trim() === '') return error(400, 6, 'No destination');
    if (text === undefined || text === '') return error(400, 23, 'Empty text');
    if ([...text].length > MAX_TEXT_LENGTH) return error(400, 29, 'Body too long');
    const receivers = to.split(/[\s,]+/).filter(Boolean);
    if (receivers.length > MAX_RECEIVERS) return error(400, 27, 'Too many receivers');
    if (sms.sandbox.faults.takeQuota('mocean')) return error(402, 2, 'Insufficient balance');

    const dlrUrl = field(body, 'mocean-dlr-url');
    const reportStatus = sms.reportStatus();
    const messages = receivers.map((receiver) => {
      const e164 = parseDigitsNumber(receiver);
      if (e164 === undefined) return { status: 28, receiver, err_msg: 'Invalid destination' };
      if (!sms.flow.take('mocean', e164)) return { status: 32, receiver, err_msg: 'Throttled' };
      const msgid = newMsgId();
      sms.deliver({ provider: 'mocean', messageId: msgid, to: e164, from, text });
      if (dlrUrl !== undefined && dlrUrl !== '' && reportStatus !== 'none') {
        const dlrStatus = reportStatus === 'delivered' ? '1' : reportStatus === 'failed' ? '2' : '3';
        sms.reports.schedule({
          provider: 'mocean',
          messageId: msgid,
          url: dlrUrl,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            'mocean-from': from,
            'mocean-to': receiver,
            'mocean-dlr-status': dlrStatus,
            'mocean-msgid': msgid,
            'mocean-error-code': dlrStatus === '1' ? '0' : '24',
          }).toString(),
        });
      }
      return { status: 0, receiver, msgid };
    });
    return answer(reply, json, 202, { messages });
  });
}
