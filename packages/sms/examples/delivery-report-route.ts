// examples/delivery-report-route.ts
import { createSandbox, SANDBOX_SMS_DEFAULTS } from '@lingpai/sandbox';
import {
  createAliyunProvider,
  createTwilioProvider,
  type DeliveryReport,
  deliveryReportRoute,
  PhoneNumber,
} from '@lingpai/sms';
import Fastify from 'fastify';

const statuses = new Map<string, DeliveryReport['status']>(); // your database
const save = async (reports: DeliveryReport[]) => {
  for (const report of reports) statuses.set(report.messageId, report.status);
};
const { aliyun, twilio } = SANDBOX_SMS_DEFAULTS;
const token = process.env.DLR_TOKEN ?? 'a-long-random-route-secret'; // at least 16 characters
let publicOrigin = 'https://api.example.com'; // the origin Twilio is given; here, where we listen

const app = Fastify();
// Unsigned provider: give Aliyun https://api.example.com/sms/reports/aliyun?token=<the secret>
deliveryReportRoute(app, {
  path: '/sms/reports/aliyun',
  provider: 'aliyun',
  auth: { token },
  onReport: save,
});
// Twilio signs its reports: the route checks X-Twilio-Signature against the URL Twilio called.
deliveryReportRoute(app, {
  path: '/sms/reports/twilio',
  provider: 'twilio',
  twilio: { authToken: twilio.authToken, publicUrl: (request) => `${publicOrigin}${request.url}` },
  onReport: save,
});
publicOrigin = await app.listen({ host: '127.0.0.1', port: 0 });

// The sandbox plays both providers and posts their reports to the routes above.
const sandbox = await createSandbox();
const url = await sandbox.listen();
sandbox.sms.setReportUrl('aliyun', `${publicOrigin}/sms/reports/aliyun?token=${token}`);
const to = PhoneNumber.parse('+8613800138000');
const sent = [
  await createAliyunProvider({
    baseURL: `${url}/aliyun`,
    accessKeyId: aliyun.accessKeyId,
    accessKeySecret: aliyun.accessKeySecret,
    signName: '令牌',
  }).send({ to, template: { id: 'SMS_100000001', params: { code: '482910' } } }),
  await createTwilioProvider({
    baseURL: `${url}/twilio`,
    accountSid: twilio.accountSid,
    authToken: twilio.authToken,
    from: '+15005550006',
    statusCallback: `${publicOrigin}/sms/reports/twilio`,
  }).send({ to, content: 'Your code is 482910' }),
];
await sandbox.sms.reportsSettled();
for (const result of sent) console.log(result.provider, statuses.get(result.messageId)); // aliyun delivered, twilio delivered

await sandbox.close();
await app.close();
