import type { FastifyInstance } from 'fastify';
import { TokenServerError } from '../errors.js';
import { hasDuplicateKey } from './json-duplicate-keys.js';

/**
 * RFC 8259 §8.1: JSON is UTF-8, and form bodies are decoded as UTF-8 here. A body declared in any
 * other charset would be read as something other than what its sender meant (and than what a
 * charset-aware proxy in front of us inspected): refuse it rather than guess.
 */
function assertUtf8(contentType: string | undefined): void {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  if (match && !/^utf-?8$/i.test(match[1] ?? '')) {
    throw new TokenServerError('unsupported_media_type', 'send the body as UTF-8 (charset=utf-8)');
  }
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
        assertUtf8(request.headers['content-type']);
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
      try {
        assertUtf8(request.headers['content-type']);
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
      const out: Record<string, string | string[]> = Object.create(null);
      for (const [name, value] of new URLSearchParams(body as string)) {
        const existing = out[name];
        if (existing === undefined) out[name] = value;
        else out[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
      }
      done(null, { ...out });
    },
  );
}
