// examples/in-tests.ts
import { createSandbox, SANDBOX_SMS_DEFAULTS } from '@lingpai/sandbox';

const sandbox = await createSandbox({ sms: { perNumberPerMinute: 1 } });
const url = await sandbox.listen(); // 127.0.0.1, a free port
// Any client works; @lingpai/sms providers take `baseURL: `${url}/aliyun`` (see its README).
const { accountSid, authToken } = SANDBOX_SMS_DEFAULTS.twilio;
const send = (to: string, body: string) =>
  fetch(`${url}/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` },
    body: new URLSearchParams({ To: to, From: '+15005550006', Body: `Your code is ${body}` }),
  });

console.log((await send('+8613800138000', '482910')).status); // 201
console.log(sandbox.sms.lastCode('+8613800138000')); // '482910'
sandbox.faults.set('twilio', { status: 503, times: 1 }); // the next Twilio call gets a gateway 503
console.log((await send('+8613800138001', '135790')).status); // 503
await sandbox.close();
