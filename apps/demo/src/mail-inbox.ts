import { SMTPServer } from 'smtp-server';

/** One email the token server sent, as the demo's inbox received it. */
export interface DemoMail {
  to: string[];
  subject: string;
  /** The code in the subject (the token server puts it last), if any. */
  code: string | undefined;
  time: Date;
}

export interface MailInbox {
  /** Where the token server delivers (SMTP, no TLS, loopback). */
  port: number;
  messages(): readonly DemoMail[];
  /** The newest code mailed to `address`. */
  lastCode(address: string): string | undefined;
  /** Called for each mail as it arrives; returns the unsubscribe. */
  onMail(listener: (mail: DemoMail) => void): () => void;
  close(): Promise<void>;
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`), enough for nodemailer's subjects. */
function decodeHeader(value: string): string {
  return value.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
    (_m, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_x, hex: string) =>
                String.fromCharCode(Number.parseInt(hex, 16)),
              ),
            'latin1',
          ).toString('utf8'),
  );
}

/**
 * A real SMTP server in the demo's process, so email codes work with nothing installed: the token
 * server's nodemailer talks SMTP to it, and the demo prints what arrives.
 */
export async function startMailInbox(host: string): Promise<MailInbox> {
  const mails: DemoMail[] = [];
  const listeners = new Set<(mail: DemoMail) => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 1_000_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const data = Buffer.concat(chunks).toString('utf8');
        const header = /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(data)?.[1] ?? '';
        const subject = decodeHeader(header.replace(/\r?\n[ \t]/g, ' ')).trim();
        const mail: DemoMail = {
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          subject,
          code: /([0-9A-Z]{4,10})\s*$/.exec(subject)?.[1],
          time: new Date(),
        };
        mails.push(mail);
        for (const listener of listeners) listener(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    messages: () => mails,
    lastCode(address) {
      const wanted = address.trim().toLowerCase();
      return [...mails].reverse().find((mail) => mail.to.some((to) => to.toLowerCase() === wanted))?.code;
    },
    onMail(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
