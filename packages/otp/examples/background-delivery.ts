// examples/background-delivery.ts
import { MemoryOtpStore, type VerificationMessage, VerificationService } from '@lingpai/otp';

// A slow provider: the answer below does not wait for it.
const outbox: VerificationMessage[] = [];
const otp = new VerificationService({
  secret: process.env.OTP_SECRET ?? '', // ≥ 32 bytes
  store: new MemoryOtpStore(),
  channels: {
    sms: {
      recipientKind: 'phone',
      deliver: async (message) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        outbox.push(message);
      },
    },
  },
});

const { verificationId, delivered } = await otp.send({
  to: '+8613800138000',
  channel: 'sms',
  delivery: 'background',
});
console.log(outbox.length); // 0: answered before the provider was called back
await delivered; // rejects with OTP_CHANNEL_FAILED (code cancelled, cooldown lifted) if delivery fails
console.log(outbox.length, outbox[0]?.verificationId === verificationId); // 1 true

// 'none': counted and cooled down like a real send, never delivered (a decoy for enumeration protection).
await otp.send({ to: '+8613800138001', channel: 'sms', delivery: 'none' });
console.log(outbox.length); // 1
