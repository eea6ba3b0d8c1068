// examples/send-over-smpp.ts
import { createSandbox } from '@lingpai/sandbox';
import { type DeliveryReport, PhoneNumber } from '@lingpai/sms';
import { createSmppProvider } from '@lingpai/sms/smpp';

// The sandbox's SMSC; in production, smpp://smsc.example.com:2775 and your bind credentials.
const sandbox = await createSandbox();
const smsc = await sandbox.sms.startSmpp();

const smpp = createSmppProvider({
  url: smsc.url,
  systemId: 'sandbox',
  password: 'sandbox1',
  sourceAddr: 'ACME',
});
const delivered = new Promise<DeliveryReport>((resolve) => smpp.onDeliveryReport(resolve));
const result = await smpp.send({
  to: PhoneNumber.parse('+8613800138000'),
  content: '【令牌】您的验证码是 246810',
});
console.log(result.messageId, result.segments); // UCS-2, 1 segment
const report = await delivered;
console.log(report.messageId === result.messageId, report.status); // true 'delivered'

await smpp.close(); // unbind; no reconnect afterwards
await sandbox.close();
