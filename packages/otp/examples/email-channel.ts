// examples/email-channel.ts
import { MemoryOtpStore, VerificationService } from '@lingpai/otp';
import { createEmailChannel } from '@lingpai/otp/email';
import nodemailer from 'nodemailer';

// In production: transport: process.env.SMTP_URL (smtp://user:pass@smtp.example.com:587).
// Here nodemailer's JSON transport builds the message without sending it anywhere.
const email = createEmailChannel({
  transport: nodemailer.createTransport({ jsonTransport: true }),
  from: '"Lingpai" <no-reply@example.com>',
});
const otp = new VerificationService({
  secret: process.env.OTP_SECRET ?? '', // ≥ 32 bytes
  store: new MemoryOtpStore(),
  channels: { email },
});
const { expiresIn } = await otp.send({ to: 'Zhang@Example.com', channel: 'email', locale: 'zh-CN' });
console.log(expiresIn); // 600

email.close();
