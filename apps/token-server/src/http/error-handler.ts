import { StoreFullError } from '@lingpai/auth-core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { StorageUnavailableError, TokenServerError } from '../errors.js';
import { pgErrorCode } from '../storage/database.js';

/**
 * SQLSTATEs that mean "PostgreSQL cannot store these characters": a NUL (`\u0000`, which JSON and
 * percent-encoding both carry) in a text parameter is 22021, in a jsonb value 22P05. The input is the
 * caller's fault, so it is a 400 — not a 500 that pages someone, on every route at once.
 */
const UNSTORABLE_TEXT_SQLSTATES = new Set(['22021', '22P05']);

function send(reply: FastifyReply, error: TokenServerError): FastifyReply {
  reply.code(error.status ?? 500);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  reply.header('cache-control', 'no-store');
  return reply.type('application/json').serializer(JSON.stringify).send(error.body());
}

/** Fastify's own errors (parse, size, media type, validation, 404) mapped onto the error table. */
export function toTokenServerError(error: unknown): TokenServerError {
  if (error instanceof TokenServerError) return error;
  if (error instanceof StorageUnavailableError) {
    return new TokenServerError(
      'temporarily_unavailable',
      'the service is temporarily unavailable; retry shortly',
      { retryAfter: 1, cause: error },
    );
  }
  if (error instanceof StoreFullError) {
    // The in-memory limit store refuses new keys rather than evict live counters (a flood must not
    // wipe lockouts): the service is saturated, not broken, and entries expire within a window.
    return new TokenServerError('temporarily_unavailable', 'the service is busy; retry shortly', {
      retryAfter: 30,
      cause: error,
    });
  }
  const sqlState = pgErrorCode(error);
  if (sqlState !== undefined && UNSTORABLE_TEXT_SQLSTATES.has(sqlState)) {
    return new TokenServerError('invalid_request', 'the request contains characters that cannot be stored', {
      cause: error,
    });
  }
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown };
  if (fastifyError.validation) {
    return new TokenServerError(
      'invalid_request',
      `invalid parameters: ${(fastifyError.message ?? '').slice(0, 300)}`,
    );
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TokenServerError('payload_too_large', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TokenServerError(
        'unsupported_media_type',
        'send application/json or application/x-www-form-urlencoded',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new TokenServerError('invalid_request', 'the body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (status === 404) return new TokenServerError('not_found', 'no such endpoint');
  if (status === 405) return new TokenServerError('method_not_allowed', 'method not allowed');
  if (status === 413) return new TokenServerError('payload_too_large', 'the request body is too large');
  if (status === 415) return new TokenServerError('unsupported_media_type', 'unsupported content type');
  if (status !== undefined && status >= 400 && status < 500)
    return new TokenServerError('invalid_request', 'the request could not be read');
  return new TokenServerError('server_error', 'an unexpected error occurred', { cause: error });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = toTokenServerError(error);
    if (mapped.code === 'server_error') request.log.error({ err: error }, 'unhandled error');
    else if (mapped.code === 'temporarily_unavailable')
      request.log.warn({ err: error }, 'storage unavailable');
    return send(reply, mapped);
  });
  app.setNotFoundHandler((_request, reply) =>
    send(reply, new TokenServerError('not_found', 'no such endpoint')),
  );
}
