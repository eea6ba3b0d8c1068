// examples/send-with-failover.ts
import { createSandbox, SANDBOX_SMS_DEFAULTS } from '@lingpai/sandbox';
import { createAliyunProvider, createTencentProvider, SmsSender } from '@lingpai/sms';

// The sandbox imitates Aliyun and Tencent on 127.0.0.1 and checks every signature. In production,
// drop `baseURL` and read the credentials from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID, …).
const sandbox = await createSandbox();
const url = await sandbox.listen();
const { aliyun, tencent } = SANDBOX_SMS_DEFAULTS;

const sender = new SmsSender({
  providers: [
    createAliyunProvider({
      baseURL: `${url}/aliyun`,
      accessKeyId: aliyun.accessKeyId,
      accessKeySecret: aliyun.accessKeySecret,
      signName: '令牌',
    }),
    createTencentProvider({
      baseURL: `${url}/tencent`,
      secretId: tencent.secretId,
      secretKey: tencent.secretKey,
      smsSdkAppId: tencent.smsSdkAppId,
      signName: '令牌',
    }),
  ],
  defaultRegion: 'CN', // lets users type 13800138000
});

const message = {
  to: '13800138000',
  template: { ids: { aliyun: 'SMS_100000001', tencent: '1235' }, params: { code: '482910', minutes: 5 } },
};
const result = await sender.send(message);
console.log(result.provider, result.messageId); // aliyun 900619…^0

sandbox.faults.set('aliyun', { status: 503, times: 1 }); // Aliyun's gateway answers 503 once
const failover = await sender.send(message);
console.log(
  failover.provider,
  failover.attempts.map((attempt) => attempt.outcome),
); // tencent [ 'failed', 'accepted' ]

await sandbox.close();
