// examples/test-with-memory-provider.ts
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { createMemoryProvider, SmsSender } from '@lingpai/sms';

// Your app's code: sends a login code through whatever sender it is given.
async function sendLoginCode(sms: SmsSender, phone: string): Promise<void> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await sms.send({ to: phone, template: { id: 'SMS_100000001', params: { code } } });
}

// In your own tests: no network, read the code back.
const memory = createMemoryProvider();
await sendLoginCode(new SmsSender({ providers: [memory] }), '+8613800138000');
assert.match(memory.lastCode('+8613800138000') ?? '', /^\d{6}$/);
console.log('code captured:', memory.lastCode('+8613800138000'));
