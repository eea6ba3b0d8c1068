// examples/handle-errors.ts
import { createMemoryProvider, isSmsError, type SmsMessage, SmsSender } from '@lingpai/sms';

const memory = createMemoryProvider();
const sender = new SmsSender({ providers: [memory] });

// What your login route answers, by error code: never retry a bad number, and never re-send a
// message that may already be on its way.
async function sendCode(message: SmsMessage): Promise<{ status: number; body: string }> {
  try {
    await sender.send(message);
    return { status: 200, body: 'sent' };
  } catch (error) {
    if (isSmsError(error, 'SMS_INVALID_NUMBER')) return { status: 400, body: 'check the number' };
    if (isSmsError(error) && error.mayHaveBeenSent) return { status: 202, body: 'the code may still arrive' };
    throw error;
  }
}

console.log(await sendCode({ to: '+8613800138000', content: 'Your code is 482910' })); // { status: 200, … }
console.log(await sendCode({ to: '12345', content: 'Your code is 482910' })); // { status: 400, body: 'check the number' }
memory.failNext('SMS_UNKNOWN_OUTCOME');
console.log(await sendCode({ to: '+8613800138000', content: 'Your code is 482910' })); // { status: 202, … }
