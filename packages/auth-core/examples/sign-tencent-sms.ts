// examples/sign-tencent-sms.ts
import { signTencentTc3 } from '@lingpai/auth-core';

// Tencent Cloud SMS SendSms (TC3-HMAC-SHA256); if a variable is unset, the error names it.
const secretId = process.env.TENCENTCLOUD_SECRET_ID!;
const secretKey = process.env.TENCENTCLOUD_SECRET_KEY!;
const sms = { SmsSdkAppId: '1400006666', SignName: '腾讯云', TemplateId: '1234', TemplateParamSet: ['1234'] };
const payload = JSON.stringify({ ...sms, PhoneNumberSet: ['+8613800000000'] }); // the exact bytes you send
const call = { host: 'sms.tencentcloudapi.com', action: 'SendSms', version: '2021-01-11' };
const { headers } = signTencentTc3({ ...call, region: 'ap-guangzhou', payload }, { secretId, secretKey });
const request = new Request('https://sms.tencentcloudapi.com/', { method: 'POST', headers, body: payload });
console.log(request.headers.get('authorization')); // send it with `await fetch(request)`
