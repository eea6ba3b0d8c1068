// Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form body,
// HTTP Basic `AccountSid:AuthToken`; 201 with the Message resource; status callbacks signed with
// X-Twilio-Signature. Reference §2.4, §3.3 (error JSON shape [unverified]).
import { computeTwilioSignature, parseBasicAuthorization } from '@lingpai/auth-core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parsePlusE164 } from './phone-numbers.js';
import { field, headerValue, randomHex, type SmsContext, safeEqual } from './sms-context.js';

const API_VERSION = '2010-04-01';
const MAX_BODY = 1600;

const GSM_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€';

function segments(text: string): number {
  const chars = [...text];
  const gsm = chars.every((char) => GSM_CHARS.includes(char));
  const length = gsm ? chars.length : text.length;
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  return length <= single ? 1 : Math.ceil(length / multi);
}

export function registerTwilio(app: FastifyInstance, sms: SmsContext): void {
  const fail = (reply: FastifyReply, status: number, code: number, message: string) =>
    reply
      .code(status)
      .send({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  app.post<{ Params: { accountSid: string } }>(
    `/twilio/${API_VERSION}/Accounts/:accountSid/Messages.json`,
    async (request: FastifyRequest<{ Params: { accountSid: string } }>, reply: FastifyReply) => {
      if (await sms.sandbox.faults.apply('twilio', request, reply)) return reply;
      const { config, sandbox } = sms;
      const credentials = parseBasicAuthorization(headerValue(request.headers.authorization) ?? '');
      const authorized =
        credentials !== undefined &&
        safeEqual(credentials.username, config.twilio.accountSid) &&
        safeEqual(credentials.password, config.twilio.authToken);
      if (!authorized) return fail(reply, 401, 20003, 'Authenticate');
      if (request.params.accountSid !== config.twilio.accountSid) {
        return fail(
          reply,
          404,
          20404,
          `The requested resource /${API_VERSION}/Accounts/${request.params.accountSid}/Messages.json was not found`,
        );
      }

      const body = request.body;
      const to = field(body, 'To');
      const from = field(body, 'From');
      const serviceSid = field(body, 'MessagingServiceSid');
      const text = field(body, 'Body');
      const statusCallback = field(body, 'StatusCallback');
      if (to === undefined || to === '') return fail(reply, 400, 21604, "A 'To' phone number is required.");
      const e164 = parsePlusE164(to);
      if (e164 === undefined)
        return fail(reply, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if ((from === undefined || from === '') && (serviceSid === undefined || serviceSid === '')) {
        return fail(reply, 400, 21603, "A 'From' phone number is required.");
      }
      if (
        serviceSid !== undefined &&
        serviceSid !== '' &&
        !config.twilio.messagingServiceSids.includes(serviceSid)
      ) {
        return fail(reply, 400, 21705, 'The Messaging Service Sid is invalid.');
      }
      if (from !== undefined && from !== '' && !config.twilio.fromNumbers.includes(from)) {
        return fail(
          reply,
          400,
          21606,
          `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
        );
      }
      if (text === undefined || text === '') return fail(reply, 400, 21602, 'Message body is required.');
      if ([...text].length > MAX_BODY) {
        return fail(reply, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
      }
      if (statusCallback !== undefined && !/^https?:\/\/[^\s]+$/.test(statusCallback)) {
        return fail(reply, 400, 21609, 'The StatusCallback URL is not a valid URL.');
      }
      if (sandbox.faults.takeQuota('twilio')) return fail(reply, 429, 20429, 'Too Many Requests');

      const sid = `SM${randomHex(16)}`;
      const now = new Date(sandbox.clock.now()).toUTCString().replace('GMT', '+0000');
      const sender = from !== undefined && from !== '' ? from : (config.twilio.fromNumbers[0] ?? '');
      sms.deliver({ provider: 'twilio', messageId: sid, to: e164, from: sender, text });

      const reportStatus = sms.reportStatus();
      if (statusCallback !== undefined && reportStatus !== 'none') {
        const final =
          reportStatus === 'delivered' ? 'delivered' : reportStatus === 'failed' ? 'undelivered' : 'failed';
        const callback = (status: string) => {
          const params: Record<string, string> = {
            AccountSid: config.twilio.accountSid,
            ApiVersion: API_VERSION,
            From: sender,
            MessageSid: sid,
            MessageStatus: status,
            SmsSid: sid,
            SmsStatus: status,
            To: e164,
            ...(serviceSid === undefined ? {} : { MessagingServiceSid: serviceSid }),
            ...(status === 'undelivered' || status === 'failed'
              ? { ErrorCode: status === 'failed' ? '30001' : '30003' }
              : {}),
          };
          return {
            provider: 'twilio' as const,
            messageId: sid,
            url: statusCallback,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-twilio-signature': computeTwilioSignature(config.twilio.authToken, statusCallback, params),
            },
            body: new URLSearchParams(params).toString(),
          };
        };
        // Twilio sends no callback for the initial status; `sent`, then the final one.
        sms.reports.schedule(callback('sent'), callback(final));
      }

      const uri = `/${API_VERSION}/Accounts/${config.twilio.accountSid}/Messages/${sid}`;
      return reply.code(201).send({
        account_sid: config.twilio.accountSid,
        api_version: API_VERSION,
        body: text,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: from !== undefined && from !== '' ? from : null,
        messaging_service_sid: serviceSid ?? null,
        num_media: '0',
        num_segments: String(segments(text)),
        price: null,
        price_unit: 'USD',
        sid,
        status: serviceSid !== undefined && serviceSid !== '' ? 'accepted' : 'queued',
        subresource_uris: { media: `${uri}/Media.json` },
        to: e164,
        uri: `${uri}.json`,
      });
    },
  );
}
