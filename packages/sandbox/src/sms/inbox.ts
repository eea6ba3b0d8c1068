/** Which imitation accepted a message. */
export type SandboxSmsProvider =
  | 'aliyun'
  | 'tencent'
  | 'twilio'
  | 'mocean'
  | 'huawei'
  | 'volcengine'
  | 'vonage'
  | 'aws-sns'
  | 'smpp';

/** One message as a phone would have received it. */
export interface SandboxSmsMessage {
  provider: SandboxSmsProvider;
  /** The provider's id for the message (BizId, SerialNo, sid, msgid, smsMsgId, …). */
  messageId: string;
  /** Recipient in E.164 (`+8613800138000`). */
  to: string;
  /** Sender id / number / channel, when the provider has one. */
  from?: string;
  /** Sign (签名) the provider prepends, when it has one. */
  sign?: string;
  /** Text as rendered on the handset (sign included, as Chinese providers prepend `【sign】`). */
  text: string;
  templateId?: string;
  /** Template parameters as sent: named (object) or positional (array). */
  params?: Readonly<Record<string, string>> | readonly string[];
  /** ISO 8601 time the sandbox accepted it (sandbox clock). */
  time: string;
}

export interface InboxFilter {
  to?: string;
  provider?: string;
}

/** The messages every provider imitation has accepted, newest last. */
export class SmsInbox {
  readonly #messages: SandboxSmsMessage[] = [];
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  add(message: SandboxSmsMessage): void {
    this.#messages.push(Object.freeze({ ...message }));
    if (this.#messages.length > this.#limit) this.#messages.splice(0, this.#messages.length - this.#limit);
  }

  list(filter: InboxFilter = {}): SandboxSmsMessage[] {
    const to = filter.to === undefined || filter.to === '' ? undefined : comparableNumber(filter.to);
    return this.#messages.filter(
      (message) =>
        (to === undefined || comparableNumber(message.to) === to) &&
        (filter.provider === undefined || filter.provider === '' || message.provider === filter.provider),
    );
  }

  /** The newest message to `to` (any provider), if any. */
  last(to: string): SandboxSmsMessage | undefined {
    return this.list({ to }).at(-1);
  }

  /**
   * The verification code in the newest message to `to`: the `code` parameter when the template
   * has one, otherwise the first run of 4–8 digits in the text.
   */
  lastCode(to: string): string | undefined {
    const message = this.last(to);
    if (message === undefined) return undefined;
    const params = message.params;
    if (params !== undefined && !Array.isArray(params)) {
      const code = (params as Readonly<Record<string, string>>).code;
      if (typeof code === 'string' && code !== '') return code;
    }
    return /(?<!\d)\d{4,8}(?!\d)/.exec(message.text)?.[0];
  }

  clear(): void {
    this.#messages.length = 0;
  }
}

/** Digits only, so `+86 138-0013-8000`, `8613800138000` and `+8613800138000` compare equal. */
function comparableNumber(value: string): string {
  return value.replace(/\D/g, '');
}
