// Vonage (Nexmo) SMS API `POST /sms/json`: api_key/api_secret in a form or JSON body (or a GET
// query). Every answer is HTTP 200; `messages[].status` "0" is success. Reference §2.6 [mostly unverified].
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseDigitsNumber } from './phone-numbers.js';
import { utcCompact, utcSpaced } from './report-poster.js';
import { field, randomHex, type SmsContext, safeEqual } from './sms-context.js';

const GSM_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€';

/** Parts a text needs: 160/153 GSM characters or 70/67 UCS-2 ones. */
function segmentCount(text: string): number {
  const chars = [...text];
  const gsm = chars.every((char) => GSM_CHARS.includes(char));
  const length = gsm ? chars.length : text.length;
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  return length <= single ? 1 : Math.ceil(length / multi);
}

export function registerVonage(app: FastifyInstance, sms: SmsContext): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (await sms.sandbox.faults.apply('vonage', request, reply)) return reply;
    const { config } = sms;
    const input = request.method === 'GET' ? request.query : request.body;
    const failure = (status: string, text: string) =>
      reply.code(200).send({ 'message-count': '1', messages: [{ status, 'error-text': text }] });

    const apiKey = field(input, 'api_key');
    const apiSecret = field(input, 'api_secret');
    if (apiKey === undefined || apiSecret === undefined) return failure('2', 'Missing api_key or api_secret');
    if (!safeEqual(apiKey, config.vonage.apiKey) || !safeEqual(apiSecret, config.vonage.apiSecret)) {
      return failure('4', 'Bad Credentials');
    }
    const from = field(input, 'from');
    const to = field(input, 'to');
    const text = field(input, 'text');
    if (from === undefined || from === '') return failure('2', 'Missing from param');
    if (to === undefined || to === '') return failure('2', 'Missing to param');
    if (text === undefined || text === '') return failure('2', 'Missing text param');
    const e164 = parseDigitsNumber(to);
    if (e164 === undefined) return failure('3', 'Invalid to address');
    if (text.length > 3200) return failure('12', 'Message too long');
    const callback = field(input, 'callback');
    if (callback !== undefined && !/^https?:\/\//.test(callback))
      return failure('23', 'Invalid callback URL');
    if (sms.sandbox.faults.takeQuota('vonage')) return failure('9', 'Partner quota exceeded');

    const clientRef = field(input, 'client-ref');
    const parts = segmentCount(text);
    const ids = Array.from({ length: parts }, () => randomHex(8).toUpperCase());
    sms.deliver({ provider: 'vonage', messageId: ids[0] as string, to: e164, from, text });

    const reportUrl = callback ?? sms.reportUrls.get('vonage');
    const reportStatus = sms.reportStatus();
    const now = sms.sandbox.clock.now();
    if (reportUrl !== undefined && reportStatus !== 'none') {
      sms.reports.schedule(
        ...ids.map((messageId) => ({
          provider: 'vonage' as const,
          messageId,
          url: reportUrl,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            'err-code': reportStatus === 'delivered' ? '0' : reportStatus === 'expired' ? '1' : '6',
            'message-timestamp': utcSpaced(now),
            messageId,
            msisdn: e164.slice(1),
            'network-code': '46000',
            price: '0.03330000',
            scts: utcCompact(now),
            status: reportStatus,
            to: from,
            ...(clientRef === undefined ? {} : { 'client-ref': clientRef }),
          }),
        })),
      );
    }
    return reply.code(200).send({
      'message-count': String(parts),
      messages: ids.map((messageId) => ({
        to: e164.slice(1),
        'message-id': messageId,
        status: '0',
        'remaining-balance': '10.00000000',
        'message-price': '0.03330000',
        network: '46000',
        ...(clientRef === undefined ? {} : { 'client-ref': clientRef }),
      })),
    });
  };
  app.post('/vonage/sms/json', handler);
  app.get('/vonage/sms/json', handler);
}
