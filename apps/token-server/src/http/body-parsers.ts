import type { FastifyInstance } from 'fastify';
import { TokenServerError } from '../errors.js';

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
    return value;
  };
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, parseJson(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
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
