import nodemailer, { type Transporter } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { VerificationChannel, VerificationMessage } from './channel.js';
import { OtpError } from './errors.js';

export interface EmailContent {
  subject: string;
  text: string;
  html?: string;
}

export interface EmailChannelOptions {
  /** A nodemailer transporter, or SMTP options / an `smtp://` URL to create one. */
  transport: Transporter | SMTPTransport.Options | string;
  /** The sender, e.g. `"Lingpai" <no-reply@example.com>`. */
  from: string;
  /** Subject and body per message (pick by `purpose` and `locale`). Default: a short zh/en text. */
  render?: (message: VerificationMessage) => EmailContent;
}

/** Default texts. They say "the most recent code", since only the latest code works. */
export function defaultEmailContent(message: VerificationMessage): EmailContent {
  const minutes = Math.round(message.expiresInSeconds / 60);
  if (message.locale?.toLowerCase().startsWith('zh')) {
    return {
      subject: `验证码 ${message.code}`,
      text: `你的验证码是 ${message.code}，${minutes} 分钟内有效。如收到多封邮件，请使用最新的验证码。如非本人操作，请忽略本邮件。`,
    };
  }
  return {
    subject: `Your verification code: ${message.code}`,
    text: `Your verification code is ${message.code}. It expires in ${minutes} minutes. If you received several, use the most recent one. If you did not ask for it, ignore this email.`,
  };
}

/**
 * nodemailer's own timeouts allow a stalled SMTP server to hold a `send` for minutes (2 min to
 * connect, up to an hour of socket inactivity); a user waiting for a code gives up long before that.
 * Applied only to transports this channel creates, and only where the caller set nothing.
 */
export const EMAIL_CHANNEL_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
} as const;

function createTransporter(transport: SMTPTransport.Options | string): Transporter {
  // nodemailer drops every other option when it is given a URL, so parse the URL here first.
  const options: SMTPTransport.Options =
    typeof transport === 'string'
      ? parseConnectionUrl(transport)
      : transport.url === undefined
        ? transport
        : { ...transport, ...parseConnectionUrl(transport.url), url: undefined };
  return nodemailer.createTransport({ ...EMAIL_CHANNEL_TIMEOUTS, ...options });
}

function isTransporter(value: EmailChannelOptions['transport']): value is Transporter {
  return typeof value === 'object' && typeof (value as Transporter).sendMail === 'function';
}

function configError(message: string): OtpError {
  return new OtpError('OTP_INVALID_ARGUMENT', `createEmailChannel: ${message}`);
}

/** Checks the options at construction, so a missing SMTP_URL fails at startup, not at the first code. */
function checkOptions(options: EmailChannelOptions | undefined): asserts options is EmailChannelOptions {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw configError(
      "needs options: { transport: process.env.SMTP_URL, from: 'Lingpai <no-reply@example.com>' }",
    );
  }
  const { transport, from, render } = options;
  if (transport === undefined || transport === null) {
    throw configError(
      `\`transport\` is ${String(transport)} — is SMTP_URL set? Pass an smtp:// URL, SMTP options or a nodemailer transporter`,
    );
  }
  if (typeof transport === 'string') {
    if (transport.trim() === '') throw configError('`transport` is an empty string — is SMTP_URL set?');
    // Never echo the URL: it usually holds the SMTP password.
    if (!/^smtps?:\/\//i.test(transport)) {
      throw configError('`transport` must be an smtp:// or smtps:// URL (smtps:// for TLS on connect)');
    }
  } else if (typeof transport !== 'object') {
    throw configError(
      `\`transport\` must be an smtp:// URL, SMTP options or a transporter, got a ${typeof transport}`,
    );
  }
  if (typeof from !== 'string' || from.trim() === '') {
    throw configError(
      `\`from\` is ${from === '' ? 'empty' : String(from)} — the sender address, e.g. '"Lingpai" <no-reply@example.com>' (is MAIL_FROM set?)`,
    );
  }
  if (render !== undefined && typeof render !== 'function') {
    throw configError('`render` must be a function (message) => ({ subject, text, html? })');
  }
}

// Socket-level failures: Node's own message ("connect ECONNREFUSED 127.0.0.1:2525") names only the
// server, so it is safe to repeat. SMTP replies are not repeated: they can quote the recipient.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

function failureSummary(error: unknown): string {
  const { code, responseCode, syscall, address, port, message } = error as {
    code?: unknown;
    responseCode?: unknown;
    syscall?: unknown;
    address?: unknown;
    port?: unknown;
    message?: unknown;
  };
  // nodemailer reports a refused connection as code ESOCKET; the socket's own code is in the message.
  const socketCode =
    typeof code === 'string' && NETWORK_CODES.has(code)
      ? code
      : /^(?:connect|getaddrinfo|read|write) (E[A-Z]+)\b/.exec(
          typeof message === 'string' ? message : '',
        )?.[1];
  if (socketCode !== undefined && NETWORK_CODES.has(socketCode)) {
    const where =
      typeof address === 'string' ? ` ${address}${typeof port === 'number' ? `:${port}` : ''}` : '';
    return `: ${typeof syscall === 'string' ? `${syscall} ` : ''}${socketCode}${where}`;
  }
  const known = [
    typeof code === 'string' ? code : undefined,
    typeof responseCode === 'number' ? String(responseCode) : undefined,
  ].filter((part) => part !== undefined);
  return known.length === 0 ? '' : ` (${known.join(' ')})`;
}

/**
 * Email over SMTP with nodemailer. SMTP 4xx answers come back retryable, 5xx (mailbox unknown, policy)
 * not; either way the service reports `OTP_CHANNEL_FAILED` and lifts the cooldown.
 */
export function createEmailChannel(options: EmailChannelOptions): VerificationChannel & { close(): void } {
  checkOptions(options);
  const transporter: Transporter = isTransporter(options.transport)
    ? options.transport
    : createTransporter(options.transport);
  const render = options.render ?? defaultEmailContent;
  return {
    recipientKind: 'email',
    async deliver(message) {
      const content = render(message);
      try {
        await transporter.sendMail({
          from: options.from,
          to: message.recipient.address,
          subject: content.subject,
          text: content.text,
          ...(content.html === undefined ? {} : { html: content.html }),
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (error) {
        const responseCode = (error as { responseCode?: unknown }).responseCode;
        const permanent = typeof responseCode === 'number' && responseCode >= 500;
        throw new OtpError('OTP_CHANNEL_FAILED', `SMTP delivery failed${failureSummary(error)}`, {
          cause: error,
          retryable: !permanent,
        });
      }
    },
    close() {
      transporter.close();
    },
  };
}
