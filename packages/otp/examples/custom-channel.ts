// examples/custom-channel.ts
import {
  MemoryOtpStore,
  type VerificationChannel,
  type VerificationMessage,
  VerificationService,
} from '@lingpai/otp';

// A channel is { recipientKind: 'phone' | 'email' | 'custom', normalize?(to), deliver(message) }.
// This one delivers to an in-app inbox keyed by user id (WeCom, WhatsApp or push work the same way).
const inbox = new Map<string, VerificationMessage>();
const inApp: VerificationChannel = {
  recipientKind: 'custom',
  normalize: (to) => to.trim().toLowerCase(), // the canonical form every cap is keyed on
  async deliver(message) {
    inbox.set(message.recipient.address, message); // resolve once the provider accepted it
  },
};

const otp = new VerificationService({
  secret: process.env.OTP_SECRET ?? '', // ≥ 32 bytes
  store: new MemoryOtpStore(),
  channels: { inApp },
});
const { verificationId } = await otp.send({ to: ' User-42 ', channel: 'inApp', purpose: 'password_reset' });
const delivered = inbox.get('user-42');
const { verificationToken } = await otp.verify({ verificationId, code: delivered?.code ?? '' });
console.log((await otp.redeem(verificationToken, { purpose: 'password_reset' })).recipient.address); // user-42
