// What a provider echoes back must not carry the message's secrets into logs. Providers quote the
// request in their errors: Aliyun's SignatureDoesNotMatch returns its whole string to sign (the
// template params, the number), AWS returns its canonical request, Twilio 21211 quotes the number.
// Error messages, `providerMessage`, `toJSON()` and attempt records reach logs, so every provider
// text is redacted here against the message it was about.
import { attachRaw, type SmsAttempt } from '../attempt.js';
import type { SmsRequest, TemplateParamValue } from '../message.js';
import type { PhoneNumber } from '../phone-number.js';
import type { SmsBatchProviderResult } from '../provider.js';
import { rewriteSmsError, SmsError } from '../sms-error.js';

/** What replaces a template value or the message text. */
export const REDACTED = '[redacted]';
/** What replaces an echoed string to sign or canonical request, to the end of the text. */
export const ECHO_REMOVED = '[string to sign removed]';

/**
 * Shorter values are not cut out: a one- or two-character param (`minutes: 5`) cannot be a
 * verification code (4–10 characters everywhere we know of) and cutting every `5` would shred the
 * message. Three leaves a margin below the shortest code.
 */
const MIN_SECRET_LENGTH = 3;

/** A run of digits that may be a phone number, with the separators people write numbers with. */
const NUMBER_RUN = /\+?\(?\d+\)?(?:[ \u00a0.-]?\(?\d+\)?)*/g;
/** Runs of this many digits or more are masked even when they are not the recipient's. */
const MASKED_RUN_DIGITS = 7;
/** Digits of the recipient's own number that stay readable (support needs to tell numbers apart). */
const KEPT_TAIL = 4;

/**
 * Where a provider starts echoing what it signed: Aliyun `server string to sign is:`, AWS `The
 * Canonical String for this request should have been` / `The String-to-Sign should have been`,
 * `StringToSign` / `CanonicalRequest` elements. Everything from there on is dropped: it is the
 * request itself, template params included, in encodings no value list can anticipate.
 */
const SIGNING_ECHO =
  /(?:server\s+)?(?:string[\s_-]*to[\s_-]*sign|canonical[\s_-]*(?:string|request))|<\s*(?:stringtosign|canonicalrequest)/i;

export interface Redaction {
  /** The recipients, as calling code and national number digits. */
  readonly recipients: readonly { countryCode: string; national: string }[];
  /** Every spelling of every secret value, longest first, as one pattern; undefined when none. */
  readonly secrets: RegExp | undefined;
}

/** The part of a request redaction reads. */
export interface RedactableRequest {
  to: PhoneNumber | readonly PhoneNumber[];
  template?: SmsRequest['template'];
  content?: string;
}

/**
 * The secrets of one message: every template param value, the text (`content`, `template.content`)
 * and, inside a text, each code-like token (letters and digits with a digit in it, or capitals
 * only), so a code written into plain `content` is cut out even when a provider quotes only part
 * of the text.
 */
export function redactionFor(request: RedactableRequest): Redaction {
  const to = Array.isArray(request.to) ? request.to : [request.to as PhoneNumber];
  const values = new Set<string>();
  const add = (value: string | undefined) => {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH) values.add(value);
  };
  const params = request.template?.params;
  if (params !== undefined) {
    const list: readonly TemplateParamValue[] = Array.isArray(params)
      ? params
      : Object.values(params as Readonly<Record<string, TemplateParamValue>>);
    for (const value of list) add(String(value));
  }
  for (const text of [request.content, request.template?.content]) {
    if (text === undefined) continue;
    add(text);
    for (const [token] of text.matchAll(/[A-Za-z0-9]+/g)) {
      if (/\d/.test(token) || /^[A-Z]+$/.test(token)) add(token);
    }
  }
  return {
    recipients: to.map((number) => ({
      countryCode: number.countryCallingCode,
      national: number.nationalNumber,
    })),
    secrets: secretPattern(values),
  };
}

/** No recipient, no values: masks every long digit run completely and cuts signing echoes. */
export const NO_REDACTION_CONTEXT: Redaction = { recipients: [], secrets: undefined };

function secretPattern(values: ReadonlySet<string>): RegExp | undefined {
  const spellings = new Set<string>();
  for (const value of values) for (const spelling of spellingsOf(value)) spellings.add(spelling);
  if (spellings.size === 0) return undefined;
  const sorted = [...spellings].sort((a, b) => b.length - a.length).map(escapeRegExp);
  // The markers come first so that redacting twice (provider, then sender) leaves them whole even
  // when a value is a piece of one (`act` in `[redacted]`).
  return new RegExp([MARKERS, ...sorted].join('|'), 'gi');
}

/** The ways a value comes back inside a provider's text: as is, URL-encoded once or twice, JSON-escaped. */
function spellingsOf(value: string): string[] {
  const rfc3986 = (text: string) =>
    encodeURIComponent(text).replace(
      /[!'()*]/g,
      (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  const json = JSON.stringify(value).slice(1, -1);
  const asciiJson = json.replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return [
    value,
    encodeURIComponent(value),
    rfc3986(value),
    rfc3986(rfc3986(value)),
    encodeURIComponent(encodeURIComponent(value)),
    new URLSearchParams({ v: value }).toString().slice(2),
    json,
    asciiJson,
  ].filter((spelling) => spelling.length >= MIN_SECRET_LENGTH);
}

const MARKERS = [REDACTED, ECHO_REMOVED].map((marker) => escapeRegExp(marker)).join('|');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isRecipient(digits: string, redaction: Redaction): { national: string } | undefined {
  return redaction.recipients.find(
    ({ countryCode, national }) =>
      digits === national ||
      digits === `${countryCode}${national}` ||
      digits === `0${national}` ||
      digits === `00${countryCode}${national}` ||
      digits === `011${countryCode}${national}`,
  );
}

/**
 * Masks number runs (digits joined by spaces, dashes, dots or brackets: `+86 138 0013 8000`,
 * `(415) 555-0100`). The recipient's own number, in any of its spellings, keeps its last four
 * digits (none when its national number is shorter than seven); any other run of seven or more
 * digits is masked completely, so no digit that is not the phone's survives (a run that only
 * looks like a number may be a code glued to an encoding, as in `%2522482910`).
 */
export function maskNumbers(text: string, redaction: Redaction = NO_REDACTION_CONTEXT): string {
  return text.replace(NUMBER_RUN, (run) => {
    const digits = run.replace(/\D/g, '');
    const recipient = isRecipient(digits, redaction);
    if (recipient === undefined && digits.length < MASKED_RUN_DIGITS) return run;
    const keep = recipient !== undefined && recipient.national.length >= MASKED_RUN_DIGITS ? KEPT_TAIL : 0;
    let hidden = digits.length - keep;
    return run.replace(/\d/g, (digit) => {
      if (hidden <= 0) return digit;
      hidden -= 1;
      return '*';
    });
  });
}

/** Drops an echoed string to sign or canonical request, from where it starts to the end. */
export function cutSigningEcho(text: string): string {
  const match = SIGNING_ECHO.exec(text);
  if (match === null) return text;
  // Already cut (the marker itself reads "string to sign"): leave it be.
  if (text.startsWith(ECHO_REMOVED, match.index - 1)) return text;
  return `${text.slice(0, match.index)}${ECHO_REMOVED}`;
}

/** Every redaction, in order: the signing echo, the message's values, then numbers. */
export function redactText(text: string, redaction: Redaction = NO_REDACTION_CONTEXT): string {
  let out = cutSigningEcho(text);
  if (redaction.secrets !== undefined) {
    out = out.replace(redaction.secrets, (match) =>
      match === REDACTED || match === ECHO_REMOVED ? match : REDACTED,
    );
  }
  return maskNumbers(out, redaction);
}

/** The error with `message`, `providerMessage`, its stack and its attempts' errors redacted. */
export function redactError(error: SmsError, redaction: Redaction): SmsError {
  const attempts = error.attempts.map((attempt) => redactAttempt(attempt, redaction));
  return rewriteSmsError(error, (text) => redactText(text, redaction), attempts);
}

function redactAttempt(attempt: SmsAttempt, redaction: Redaction): SmsAttempt {
  if (attempt.error === undefined) return attempt;
  return attachRaw({ ...attempt, error: redactError(attempt.error, redaction) }, attempt.raw);
}

/** Runs one provider send and redacts what it throws against the message it was sending. */
export async function redacting<T>(request: RedactableRequest, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw error instanceof SmsError ? redactError(error, redactionFor(request)) : error;
  }
}

/** Like `redacting`, and redacts the error of every failed recipient in the batch answer too. */
export async function redactingBatch(
  request: RedactableRequest,
  send: () => Promise<SmsBatchProviderResult>,
): Promise<SmsBatchProviderResult> {
  const result = await redacting(request, send);
  if (result.items.some((item) => !item.ok)) {
    const redaction = redactionFor(request);
    result.items = result.items.map((item) =>
      item.ok ? item : { ...item, error: redactError(item.error, redaction) },
    );
  }
  return result;
}
