import type { FastifyInstance } from 'fastify';
import { TokenServerError } from '../errors.js';
import { hasDuplicateKey } from './json-duplicate-keys.js';

type BodyCharset = 'utf8' | 'latin1';

/**
 * The charset a body is read in. JSON is UTF-8 only (RFC 8259 §8.1). A form is UTF-8 unless it says
 * ISO-8859-1 (Apache HttpClient's default for `UrlEncodedFormEntity`, among others): its escapes are
 * then latin-1 bytes, so `D%E9mo` is `Démo` — read as UTF-8 it would be `D\uFFFDmo` and a password
 * with an accent would never match. Any other charset would be read as something its sender did not
 * mean (and a charset-aware proxy in front of us did not inspect): 415 rather than a guess.
 */
function bodyCharset(contentType: string | undefined, form: boolean): BodyCharset {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  const name = (match?.[1] ?? 'utf-8').toLowerCase();
  if (/^utf-?8$/.test(name)) return 'utf8';
  if (form && /^(iso-?8859-1|latin-?1|us-ascii)$/.test(name)) return 'latin1';
  throw new TokenServerError(
    'unsupported_media_type',
    form ? 'send the form as UTF-8 or ISO-8859-1' : 'send JSON as UTF-8 (charset=utf-8)',
  );
}

/** `application/x-www-form-urlencoded` pairs whose percent-escapes are latin-1 bytes. */
function latin1FormPairs(body: string): Array<[string, string]> {
  const decode = (part: string) =>
    part
      .replace(/\+/g, ' ')
      .replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return body
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1
        ? [decode(pair), '']
        : [decode(pair.slice(0, equals)), decode(pair.slice(equals + 1))];
    });
}

/**
 * Bodies the server reads: JSON (`application/json`, and `text/plain` because CloudBase's official
 * client `JSON.stringify`s bodies without a Content-Type, so fetch labels them text/plain) and
 * `application/x-www-form-urlencoded` (RFC 6749 clients). A parameter given twice in a form becomes
 * an array, which every route's schema refuses: RFC 6749 §3.2 "parameters MUST NOT be included more
 * than once".
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const parseJson = (body: string): unknown => {
    if (body.trim() === '') return {};
    let value: unknown;
    try {
      value = JSON.parse(body, (key, item: unknown) => {
        // Prototype poisoning: refuse rather than strip (secure-json-parse's "error" mode).
        if (key === '__proto__' || key === 'constructor') throw new SyntaxError('forbidden key');
        return item;
      });
    } catch {
      throw new TokenServerError('invalid_request', 'the body is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TokenServerError('invalid_request', 'the body must be a JSON object');
    }
    if (hasDuplicateKey(body)) {
      throw new TokenServerError('invalid_request', 'a parameter is given more than once (RFC 6749 §3.2)');
    }
    return value;
  };
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'string' },
    (request, body, done) => {
      try {
        bodyCharset(request.headers['content-type'], false);
        done(null, parseJson(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request, body, done) => {
      let charset: BodyCharset;
      try {
        charset = bodyCharset(request.headers['content-type'], true);
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
      const pairs =
        charset === 'utf8' ? new URLSearchParams(body as string) : latin1FormPairs(body as string);
      const out: Record<string, string | string[]> = Object.create(null);
      for (const [name, value] of pairs) {
        const existing = out[name];
        if (existing === undefined) out[name] = value;
        else out[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
      }
      done(null, { ...out });
    },
  );
}
