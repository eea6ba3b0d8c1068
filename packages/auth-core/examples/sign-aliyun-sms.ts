// examples/sign-aliyun-sms.ts
import { signAliyunRpc } from '@lingpai/auth-core';

// Aliyun Dysmsapi SendSms (RPC v1, HMAC-SHA1): `query` is the form body (POST) or the URL query (GET).
const accessKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID!;
const accessKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET!;
const common = { Action: 'SendSms', Version: '2017-05-25', Format: 'JSON', RegionId: 'cn-hangzhou' };
const sms = { PhoneNumbers: '13800000000', SignName: '阿里云短信测试', TemplateCode: 'SMS_154950909' };
const params = { ...common, ...sms, TemplateParam: '{"code":"1234"}' };
const signed = signAliyunRpc({ method: 'POST', params }, { accessKeyId, accessKeySecret });
const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
const request = new Request('https://dysmsapi.aliyuncs.com/', { ...form, body: signed.query });
console.log(request.method, signed.params['Signature']); // send it with `await fetch(request)`
