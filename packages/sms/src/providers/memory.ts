import { type Clock, systemClock } from '@lingpai/auth-core';
import { attachRaw } from '../attempt.js';
import type { SmsBatchRequest, SmsRequest, TemplateParams } from '../message.js';
import { PhoneNumber } from '../phone-number.js';
import type {
  SmsBatchProviderResult,
  SmsProvider,
  SmsProviderCapabilities,
  SmsProviderResult,
} from '../provider.js';
import { SmsError, type SmsErrorCode } from '../sms-error.js';
import { renderContent, resolveTemplateId } from '../template.js';

/** A message captured by the memory provider. */
export interface CapturedSms {
  id: string;
  /** Recipient, E.164. */
  to: string;
  /** Resolved template id, when the message had one for this provider. */
  templateId?: string;
  params?: TemplateParams;
  /** The text: `content`, or `template.content` rendered with the params. */
  text?: string;
  signName?: string;
  from?: string;
  reference?: string;
  sentAt: Date;
}

export interface MemoryProviderOptions {
  name?: string;
  clock?: Clock;
  /** Keep at most this many messages (oldest dropped first). Default 1,000. */
  limit?: number;
}

/**
 * Captures messages instead of sending them, for your own tests: send a code through your app,
 * then read it with `lastCode(to)`. `failNext` makes the next sends throw a chosen error code, to
 * test how your app handles a failing provider.
 */
export class MemorySmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'memory';
  readonly capabilities: SmsProviderCapabilities = { template: true, content: true, maxBatchSize: 1000 };
  readonly #messages: CapturedSms[] = [];
  readonly #clock: Clock;
  readonly #limit: number;
  #sequence = 0;
  #failures: { code: SmsErrorCode; remaining: number }[] = [];

  constructor(options: MemoryProviderOptions = {}) {
    this.name = options.name ?? 'memory';
    this.#clock = options.clock ?? systemClock;
    this.#limit = options.limit ?? 1000;
  }

  /** Every captured message, oldest first. */
  get messages(): readonly CapturedSms[] {
    return this.#messages;
  }

  /**
   * The latest message, optionally to one recipient. `to` in any international form (`+86 138 0013 8000`,
   * `0086…`) is compared as E.164; a national number needs its country code here.
   */
  last(to?: string): CapturedSms | undefined {
    const wanted =
      to === undefined ? undefined : (PhoneNumber.tryParse(to, { validation: 'possible' })?.e164 ?? to);
    for (let i = this.#messages.length - 1; i >= 0; i -= 1) {
      const message = this.#messages[i];
      if (message !== undefined && (wanted === undefined || message.to === wanted)) return message;
    }
    return undefined;
  }

  /**
   * The verification code in the latest message: the `code` param, else the first positional
   * param, else the first run of 4–8 digits in the text.
   */
  lastCode(to?: string): string | undefined {
    const message = this.last(to);
    if (message === undefined) return undefined;
    const params = message.params;
    if (Array.isArray(params) && params.length > 0) return String(params[0]);
    if (params !== undefined && !Array.isArray(params) && Object.hasOwn(params, 'code')) {
      return String((params as Record<string, string | number>).code);
    }
    return message.text?.match(/(?<![0-9])[0-9]{4,8}(?![0-9])/)?.[0];
  }

  clear(): void {
    this.#messages.length = 0;
  }

  /** The next `times` sends (default 1) throw `SmsError(code)`; `mayHaveBeenSent` only for `SMS_UNKNOWN_OUTCOME`. */
  failNext(code: SmsErrorCode, times = 1): void {
    this.#failures.push({ code, remaining: times });
  }

  async send(request: SmsRequest): Promise<SmsProviderResult> {
    this.#maybeFail();
    const captured = this.#capture(request, request.to.e164);
    return attachRaw(
      { provider: this.name, messageId: captured.id, to: captured.to, status: 'accepted' as const },
      captured,
    );
  }

  async sendBatch(request: SmsBatchRequest): Promise<SmsBatchProviderResult> {
    this.#maybeFail();
    const items = request.to.map((to) => {
      const captured = this.#capture({ ...request, to }, to.e164);
      const result = attachRaw(
        { provider: this.name, messageId: captured.id, to: captured.to, status: 'accepted' as const },
        captured,
      );
      return { to: to.e164, ok: true as const, result };
    });
    return attachRaw({ provider: this.name, items }, undefined);
  }

  #maybeFail(): void {
    const failure = this.#failures[0];
    if (failure === undefined) return;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.#failures.shift();
    throw new SmsError(failure.code, `${this.name}: simulated ${failure.code}`, {
      provider: this.name,
      // An unknown outcome means the message may have gone out; every other code means it did not.
      mayHaveBeenSent: failure.code === 'SMS_UNKNOWN_OUTCOME',
    });
  }

  #capture(request: SmsRequest, to: string): CapturedSms {
    this.#sequence += 1;
    const template = request.template;
    const templateId = template === undefined ? undefined : resolveTemplateId(template, this, request.to);
    const textSource = template?.content ?? request.content;
    const captured: CapturedSms = {
      id: `memory-${this.#sequence}`,
      to,
      ...(templateId === undefined ? {} : { templateId }),
      ...(template?.params === undefined ? {} : { params: template.params }),
      ...(textSource === undefined ? {} : { text: renderContent(textSource, template?.params) }),
      ...(request.signName === undefined ? {} : { signName: request.signName }),
      ...(request.from === undefined ? {} : { from: request.from }),
      ...(request.reference === undefined ? {} : { reference: request.reference }),
      sentAt: new Date(this.#clock.now()),
    };
    if (templateId === undefined && captured.text === undefined) {
      throw new SmsError(
        'SMS_UNSUPPORTED_MESSAGE',
        `${this.name}: the message has neither a template id nor text`,
        {
          provider: this.name,
        },
      );
    }
    this.#messages.push(captured);
    if (this.#messages.length > this.#limit) this.#messages.shift();
    return captured;
  }
}

export function createMemoryProvider(options: MemoryProviderOptions = {}): MemorySmsProvider {
  return new MemorySmsProvider(options);
}
