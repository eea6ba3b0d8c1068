import { type Clock, systemClock } from '@lingpai/auth-core';
import { attachRaw, type SmsAttempt } from './attempt.js';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';
import { configError, oneOf, optionalFunction, requireOptions } from './internal/config.js';
import { createLimiter, type Limiter, unlimited } from './internal/limiter.js';
import { type Redaction, redactError, redactionFor } from './internal/redact.js';
import type { SmsBatchRequest, SmsMessage, SmsRequest } from './message.js';
import { normalizeRegion, type ParsePhoneNumberOptions, PhoneNumber } from './phone-number.js';
import type { SmsProvider, SmsProviderResult, SmsSendStatus } from './provider.js';
import { SmsError, type SmsErrorCode } from './sms-error.js';
import { type SmsStrategy, type SmsStrategyName, strategyByName, strategyReferences } from './strategies.js';
import { checkTemplate } from './template.js';

export interface SmsSenderOptions {
  /** Providers, in preference order for the `ordered` strategy. Names must be unique. */
  providers: readonly SmsProvider[];
  /** A built-in strategy name or a strategy function. Default `'ordered'` (failover in the order given). */
  strategy?: SmsStrategy | SmsStrategyName;
  /** Region for numbers written without a country code (`'CN'`); none by default. */
  defaultRegion?: string;
  /** `'valid'` (default) or `'possible'`; see `ParsePhoneNumberOptions`. */
  phoneValidation?: ParsePhoneNumberOptions['validation'];
  /** Circuit breaker per provider; `false` turns it off. Default: 5 failures, 30 s cooldown. */
  circuitBreaker?: Omit<CircuitBreakerOptions, 'clock'> | false;
  /**
   * Re-send at the next provider after `SMS_UNKNOWN_OUTCOME` (a timeout or a lost connection after
   * the request was sent), when the first provider may already have sent the SMS. Off by default: a duplicate code is usually worse than a retry by
   * the user. Turn it on when a duplicate is harmless.
   */
  resendOnUnknownOutcome?: boolean;
  /** Most providers tried per message. Default: all of them. */
  maxAttempts?: number;
  /** Clock for breaker cooldowns and attempt timings. */
  clock?: Clock;
  /** Called after every attempt (metrics, logs). The attempt's `raw` is non-enumerable. */
  onAttempt?: (attempt: SmsAttempt) => void;
}

export interface SmsSendOptions {
  signal?: AbortSignal;
  /** Only these provider names, for this message. */
  providers?: readonly string[];
  resendOnUnknownOutcome?: boolean;
}

/** The sender's answer for an accepted message, with every attempt it took. */
export interface SmsSendResult {
  /** The provider that accepted the message. */
  provider: string;
  messageId: string;
  /** Recipient in E.164. */
  to: string;
  status: SmsSendStatus;
  segments?: number;
  attempts: readonly SmsAttempt[];
  /** The accepting provider's raw response; non-enumerable. */
  readonly raw: unknown;
}

export interface SmsBatchOptions extends SmsSendOptions {
  /** Most provider calls in flight at once. Default 16. */
  concurrency?: number;
}

export type SmsBatchResultItem =
  | { to: string; ok: true; result: SmsSendResult }
  | { to: string; ok: false; error: SmsError };

export interface SmsBatchResult {
  /** One entry per recipient, in the order given. `to` is the E.164 form, or the input when invalid. */
  items: SmsBatchResultItem[];
  succeeded: number;
  failed: number;
}

/** Errors after which the provider evidently answered and is healthy. */
const HEALTHY_ANSWER: ReadonlySet<SmsErrorCode> = new Set<SmsErrorCode>([
  'SMS_INVALID_NUMBER',
  'SMS_TEMPLATE_REJECTED',
  'SMS_SIGN_REJECTED',
  'SMS_CONTENT_REJECTED',
  'SMS_RECIPIENT_BLOCKED',
]);

const DEFAULT_BATCH_CONCURRENCY = 16;

/**
 * Sends SMS through several providers: a strategy orders them per message, a circuit breaker per
 * provider skips one that keeps failing, and an error fails over only when it is retryable and the
 * message certainly did not go out (unless `resendOnUnknownOutcome`).
 */
export class SmsSender {
  readonly #providers: readonly SmsProvider[];
  readonly #byName: ReadonlyMap<string, SmsProvider>;
  readonly #strategy: SmsStrategy;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #clock: Clock;
  readonly #phoneOptions: ParsePhoneNumberOptions;
  readonly #resendOnUnknownOutcome: boolean;
  readonly #maxAttempts: number;
  readonly #onAttempt: ((attempt: SmsAttempt) => void) | undefined;

  constructor(input: SmsSenderOptions) {
    const options = requireOptions(
      'SmsSender',
      'new SmsSender',
      input,
      'providers: [createAliyunProvider(…)]',
    );
    if (!Array.isArray(options.providers) || options.providers.length === 0) {
      throw configError(
        `SmsSender: \`providers\` ${Array.isArray(options.providers) ? 'is empty' : 'is missing'} — pass at least one provider, e.g. providers: [createMemoryProvider()]`,
      );
    }
    const byName = new Map<string, SmsProvider>();
    for (const [index, provider] of options.providers.entries()) {
      if (
        typeof provider !== 'object' ||
        provider === null ||
        typeof provider.send !== 'function' ||
        typeof provider.name !== 'string'
      ) {
        throw configError(
          `SmsSender: \`providers[${index}]\` is not a provider (an object with name and send()) — did you pass the factory instead of calling it?`,
        );
      }
      if (byName.has(provider.name)) {
        throw new SmsError(
          'SMS_CONFIG_INVALID',
          `Two providers are named ${JSON.stringify(provider.name)}; set \`name\``,
        );
      }
      byName.set(provider.name, provider);
    }
    this.#providers = [...options.providers];
    this.#byName = byName;
    const strategy = options.strategy ?? 'ordered';
    this.#strategy = typeof strategy === 'function' ? strategy : strategyByName(strategy);
    const references = strategyReferences(this.#strategy);
    if (references !== undefined) {
      const known = new Set(options.providers.flatMap((provider) => [provider.name, provider.kind]));
      const unknown = references.names.filter((name) => !known.has(name));
      if (unknown.length > 0) {
        throw configError(
          `SmsSender: ${references.factory} names ${unknown.map((name) => JSON.stringify(name)).join(', ')}, which matches no provider name or kind here (${[...byName.keys()].join(', ')})`,
        );
      }
    }
    this.#clock = options.clock ?? systemClock;
    this.#phoneOptions = {
      ...(options.defaultRegion === undefined ? {} : { defaultRegion: options.defaultRegion }),
      ...(options.phoneValidation === undefined
        ? {}
        : {
            validation: oneOf(
              'SmsSender',
              'phoneValidation',
              options.phoneValidation,
              ['valid', 'possible'],
              'valid',
            ),
          }),
    };
    if (options.defaultRegion !== undefined) normalizeRegion(options.defaultRegion);
    this.#resendOnUnknownOutcome = options.resendOnUnknownOutcome ?? false;
    this.#maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (!(this.#maxAttempts >= 1)) throw new SmsError('SMS_CONFIG_INVALID', 'maxAttempts must be >= 1');
    this.#onAttempt = optionalFunction('SmsSender', 'onAttempt', options.onAttempt);
    if (options.circuitBreaker !== false) {
      for (const provider of this.#providers) {
        this.#breakers.set(
          provider.name,
          new CircuitBreaker({ ...options.circuitBreaker, clock: this.#clock }),
        );
      }
    }
  }

  get providers(): readonly SmsProvider[] {
    return this.#providers;
  }

  /** Circuit state per provider name (all `closed` when the breaker is off). */
  health(): Record<string, { state: CircuitState; consecutiveFailures: number; retryInMs: number }> {
    const out: Record<string, { state: CircuitState; consecutiveFailures: number; retryInMs: number }> = {};
    for (const provider of this.#providers) {
      const breaker = this.#breakers.get(provider.name);
      out[provider.name] = breaker?.toJSON() ?? { state: 'closed', consecutiveFailures: 0, retryInMs: 0 };
    }
    return out;
  }

  /** Parses a number with the sender's `defaultRegion`; throws `SMS_INVALID_NUMBER`. */
  parseNumber(input: string | PhoneNumber): PhoneNumber {
    return PhoneNumber.parse(input, this.#phoneOptions);
  }

  /**
   * Sends one message. Resolves with the accepting provider and every attempt; rejects with an
   * `SmsError` whose `attempts` say what each provider answered.
   */
  async send(message: SmsMessage, options: SmsSendOptions = {}): Promise<SmsSendResult> {
    checkTemplate(message.template);
    const to = this.parseNumber(message.to);
    const request: SmsRequest = { ...message, to };
    return this.#sendRequest(request, this.#route(request, options), options, []);
  }

  /**
   * Sends one message to many recipients. Providers with a batch API (Aliyun SendBatchSms, Tencent
   * multi-number SendSms) get one call per chunk; recipients that fail there fail over one by one.
   * Never rejects for a recipient's failure: read `items`.
   */
  async sendBatch(
    message: Omit<SmsMessage, 'to'> & { to: readonly (string | PhoneNumber)[] },
    options: SmsBatchOptions = {},
  ): Promise<SmsBatchResult> {
    const concurrency = options.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new SmsError('SMS_CONFIG_INVALID', 'concurrency must be an integer >= 1');
    }
    checkTemplate(message.template);
    const items = new Array<SmsBatchResultItem>(message.to.length);
    const { to: recipients, ...rest } = message;
    // Group recipients by the provider chosen first, so batch APIs get whole chunks.
    const groups = new Map<
      SmsProvider,
      { index: number; request: SmsRequest; order: readonly SmsProvider[] }[]
    >();
    const singles: { index: number; request: SmsRequest; order: readonly SmsProvider[] }[] = [];
    recipients.forEach((input, index) => {
      let to: PhoneNumber;
      try {
        to = this.parseNumber(input);
      } catch (error) {
        items[index] = { to: String(input), ok: false, error: toSmsError(error) };
        return;
      }
      const request: SmsRequest = { ...rest, to };
      const order = this.#route(request, options);
      const first = order.find((provider) => this.#breakers.get(provider.name)?.state !== 'open');
      if (
        first?.sendBatch !== undefined &&
        first.capabilities.maxBatchSize !== undefined &&
        order.length > 0
      ) {
        const group = groups.get(first) ?? [];
        group.push({ index, request, order });
        groups.set(first, group);
      } else {
        singles.push({ index, request, order });
      }
    });

    // Every provider call, batch or single, first call or failover, goes through one limiter.
    const limit = createLimiter(concurrency);
    const tasks: Promise<void>[] = [];
    for (const [provider, members] of groups) {
      const size = provider.capabilities.maxBatchSize ?? 1;
      for (let start = 0; start < members.length; start += size) {
        tasks.push(
          this.#sendChunk(provider, members.slice(start, start + size), rest, options, items, limit),
        );
      }
    }
    for (const single of singles) {
      tasks.push(
        this.#settle(single.request, single.order, options, [], limit).then((item) => {
          items[single.index] = item;
        }),
      );
    }
    await Promise.all(tasks);
    const succeeded = items.filter((item) => item.ok).length;
    return { items, succeeded, failed: items.length - succeeded };
  }

  /** Closes every provider that holds connections. */
  async close(): Promise<void> {
    await Promise.all(this.#providers.map((provider) => provider.close?.()));
  }

  #route(request: SmsRequest, options: SmsSendOptions): readonly SmsProvider[] {
    let candidates = this.#providers;
    if (options.providers !== undefined) {
      const wanted = options.providers;
      for (const name of wanted) {
        if (!this.#byName.has(name))
          throw new SmsError('SMS_CONFIG_INVALID', `No provider named ${JSON.stringify(name)}`);
      }
      candidates = this.#providers.filter((provider) => wanted.includes(provider.name));
    }
    return this.#strategy(candidates, request);
  }

  async #settle(
    request: SmsRequest,
    order: readonly SmsProvider[],
    options: SmsSendOptions,
    previous: SmsAttempt[],
    limit: Limiter,
  ): Promise<SmsBatchResultItem> {
    try {
      return {
        to: request.to.e164,
        ok: true,
        result: await this.#sendRequest(request, order, options, previous, limit),
      };
    } catch (error) {
      return { to: request.to.e164, ok: false, error: toSmsError(error) };
    }
  }

  async #sendChunk(
    provider: SmsProvider,
    chunk: readonly { index: number; request: SmsRequest; order: readonly SmsProvider[] }[],
    message: Omit<SmsMessage, 'to'>,
    options: SmsSendOptions,
    items: SmsBatchResultItem[],
    limit: Limiter,
  ): Promise<void> {
    const breaker = this.#breakers.get(provider.name);
    const sendBatch = provider.sendBatch;
    if (sendBatch === undefined || (breaker !== undefined && !breaker.tryAcquire())) {
      // The circuit opened since grouping: send each one through the normal path.
      await Promise.all(
        chunk.map(async (member) => {
          items[member.index] = await this.#settle(member.request, member.order, options, [], limit);
        }),
      );
      return;
    }
    const batchRequest: SmsBatchRequest = { ...message, to: chunk.map((member) => member.request.to) };
    const startedAt = this.#clock.now();
    let outcome: Awaited<ReturnType<NonNullable<SmsProvider['sendBatch']>>> | undefined;
    let batchError: SmsError | undefined;
    try {
      outcome = await limit(async () => {
        if (options.signal?.aborted === true) throw abortedBeforeSending(provider.name);
        return sendBatch.call(provider, batchRequest, options.signal ? { signal: options.signal } : {});
      });
    } catch (error) {
      batchError = toSmsError(error, provider.name);
    }
    const durationMs = this.#clock.now() - startedAt;
    // Built once per chunk and only when a recipient failed: redaction is error-path work.
    let redaction: Redaction | undefined;
    const redactionOnce = () => {
      redaction ??= redactionFor(batchRequest);
      return redaction;
    };
    if (batchError === undefined) breaker?.onSuccess();
    else if (options.signal?.aborted === true) breaker?.release();
    else this.#record(breaker, batchError);

    await Promise.all(
      chunk.map(async (member, position) => {
        const item = outcome?.items[position];
        let attempt: SmsAttempt;
        if (item?.ok === true) {
          attempt = attachRaw(
            {
              provider: provider.name,
              outcome: 'accepted',
              startedAt,
              durationMs,
              messageId: item.result.messageId,
            },
            item.result.raw,
          );
          this.#onAttempt?.(attempt);
          items[member.index] = {
            to: member.request.to.e164,
            ok: true,
            result: toSendResult(item.result, [attempt]),
          };
          return;
        }
        const failure =
          batchError ??
          (item?.ok === false
            ? item.error
            : new SmsError(
                'SMS_BAD_RESPONSE',
                `${provider.name}: the batch answer has no entry for a recipient`,
                {
                  provider: provider.name,
                  mayHaveBeenSent: true,
                },
              ));
        // Redacted here too: a custom provider's batch errors may quote the request.
        const error = redactError(failure, redactionOnce());
        attempt = attachRaw(
          { provider: provider.name, outcome: 'failed', startedAt, durationMs, error },
          error.payload ?? outcome?.raw,
        );
        this.#onAttempt?.(attempt);
        if (!this.#mayFailOver(error, options)) {
          items[member.index] = {
            to: member.request.to.e164,
            ok: false,
            error: error.withAttempts([attempt]),
          };
          return;
        }
        const remaining = member.order.filter((candidate) => candidate !== provider);
        items[member.index] = await this.#settle(member.request, remaining, options, [attempt], limit);
      }),
    );
  }

  async #sendRequest(
    request: SmsRequest,
    order: readonly SmsProvider[],
    options: SmsSendOptions,
    previous: SmsAttempt[],
    limit: Limiter = unlimited,
  ): Promise<SmsSendResult> {
    if (order.length === 0 && previous.length === 0) {
      throw new SmsError('SMS_NO_ROUTE', `No provider is routed for +${request.to.countryCallingCode}`);
    }
    const attempts = [...previous];
    let tried = previous.filter((attempt) => attempt.outcome !== 'skipped').length;
    for (const provider of order) {
      if (tried >= this.#maxAttempts) break;
      // The breaker is asked inside the limiter, at the moment a slot frees up, so a queue of
      // batch messages sees a circuit that opened while they waited.
      const attempt = await limit(() => this.#attempt(provider, request, options, attempts.length + 1));
      this.#push(attempts, attempt);
      if (attempt.outcome === 'skipped') continue;
      tried += 1;
      if (attempt.result !== undefined) return toSendResult(attempt.result, attempts);
      const error = attempt.error as SmsError;
      if (!this.#mayFailOver(error, options)) throw error.withAttempts(attempts);
    }
    throw allFailed(attempts);
  }

  async #attempt(
    provider: SmsProvider,
    request: SmsRequest,
    options: SmsSendOptions,
    number: number,
  ): Promise<SmsAttempt & { result?: SmsProviderResult }> {
    const breaker = this.#breakers.get(provider.name);
    const startedAt = this.#clock.now();
    if (options.signal?.aborted === true) {
      // Not every provider reads the signal (custom ones, the memory provider): an aborted send
      // must not reach one, and must not claim it may have been sent.
      const error = abortedBeforeSending(provider.name);
      return attachRaw(
        { provider: provider.name, outcome: 'failed', startedAt, durationMs: 0, error },
        undefined,
      );
    }
    if (breaker !== undefined && !breaker.tryAcquire()) {
      const error = new SmsError(
        'SMS_CIRCUIT_OPEN',
        `${provider.name}: circuit open after repeated failures; next probe in ${breaker.retryInMs} ms`,
        { provider: provider.name },
      );
      return attachRaw(
        { provider: provider.name, outcome: 'skipped', startedAt, durationMs: 0, error },
        undefined,
      );
    }
    try {
      const result = await provider.send(request, {
        attempt: number,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      breaker?.onSuccess();
      const attempt = attachRaw(
        {
          provider: provider.name,
          outcome: 'accepted' as const,
          startedAt,
          durationMs: this.#clock.now() - startedAt,
          messageId: result.messageId,
        },
        result.raw,
      );
      // Kept off the enumerable surface: the attempt list is what callers log.
      Object.defineProperty(attempt, 'result', { value: result, enumerable: false });
      return attempt as SmsAttempt & { result: SmsProviderResult };
    } catch (thrown) {
      // Redacted here too, not only in the built-in providers: a custom provider may quote the
      // request in its errors, and this error reaches attempts, onAttempt and the thrown error.
      const error = redactError(toSmsError(thrown, provider.name), redactionFor(request));
      // The caller gave up: that says nothing about the provider's health. (Read again: the signal
      // may have been aborted while the provider was working.)
      if (isAborted(options.signal)) breaker?.release();
      else this.#record(breaker, error);
      return attachRaw(
        {
          provider: provider.name,
          outcome: 'failed',
          startedAt,
          durationMs: this.#clock.now() - startedAt,
          error,
        },
        error.payload,
      );
    }
  }

  #mayFailOver(error: SmsError, options: SmsSendOptions): boolean {
    if (!error.retryable) return false;
    if (error.mayHaveBeenSent) return options.resendOnUnknownOutcome ?? this.#resendOnUnknownOutcome;
    return true;
  }

  #record(breaker: CircuitBreaker | undefined, error: SmsError): void {
    if (breaker === undefined) return;
    if (error.code === 'SMS_UNSUPPORTED_MESSAGE') breaker.release();
    else if (HEALTHY_ANSWER.has(error.code)) breaker.onSuccess();
    else breaker.onFailure();
  }

  #push(attempts: SmsAttempt[], attempt: SmsAttempt): void {
    attempts.push(attempt);
    this.#onAttempt?.(attempt);
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function abortedBeforeSending(provider: string): SmsError {
  return new SmsError('SMS_UNKNOWN_OUTCOME', `${provider}: aborted before it was sent`, {
    provider,
    retryable: false,
    mayHaveBeenSent: false,
  });
}

function toSendResult(result: SmsProviderResult, attempts: readonly SmsAttempt[]): SmsSendResult {
  return attachRaw(
    {
      provider: result.provider,
      messageId: result.messageId,
      to: result.to,
      status: result.status,
      ...(result.segments === undefined ? {} : { segments: result.segments }),
      attempts,
    },
    result.raw,
  );
}

/**
 * A custom provider that throws something other than an `SmsError` gives no hint whether the
 * message went out, so it is treated as an unknown outcome (no re-send elsewhere by default).
 */
function toSmsError(error: unknown, provider?: string): SmsError {
  if (error instanceof SmsError) return error;
  return new SmsError(
    'SMS_UNKNOWN_OUTCOME',
    `${provider ?? 'provider'} threw ${error instanceof Error ? error.name : typeof error}; the message may have been sent`,
    { cause: error, mayHaveBeenSent: true, ...(provider === undefined ? {} : { provider }) },
  );
}

function allFailed(attempts: readonly SmsAttempt[]): SmsError {
  const summary = attempts
    .map(
      (attempt) =>
        `${attempt.provider}: ${attempt.error?.code ?? 'failed'}${attempt.error ? ` (${attempt.error.message})` : ''}`,
    )
    .join('; ');
  const errors = attempts.flatMap((attempt) => (attempt.error === undefined ? [] : [attempt.error]));
  return new SmsError(
    'SMS_ALL_PROVIDERS_FAILED',
    `All SMS providers failed — ${summary || 'none was tried'}`,
    {
      retryable: errors.length > 0 && errors.every((error) => error.retryable),
      mayHaveBeenSent: errors.some((error) => error.mayHaveBeenSent),
      attempts,
    },
  );
}
