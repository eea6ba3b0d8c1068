// The `@lingpai/otp/email` entry point. Email is its own entry so that the main one never loads
// nodemailer (209 KB of a 220 KB TOTP-only bundle before): install nodemailer only if you send email.
export type { EmailChannelOptions, EmailContent } from './email-channel.js';
export { createEmailChannel, defaultEmailContent, EMAIL_CHANNEL_TIMEOUTS } from './email-channel.js';
