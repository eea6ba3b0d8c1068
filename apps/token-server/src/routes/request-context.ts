import type { FastifyRequest } from 'fastify';
import { TokenServerError } from '../errors.js';

/** `x-device-id`: opaque to us, but bounded and printable. '' when absent. */
export function deviceIdOf(request: FastifyRequest): string {
  const value = request.headers['x-device-id'];
  if (value === undefined) return '';
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw new TokenServerError('invalid_request', 'x-device-id must be 1–128 printable ASCII characters');
  }
  return value;
}

export function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Drops empty strings: RFC 6749 §3.1 "parameters sent without a value MUST be treated as if omitted". */
export function cleanParams(body: unknown): Record<string, string | undefined> {
  // No prototype: a parameter named `__proto__`, `constructor` or `toString` is just a parameter,
  // never the object's prototype or a shadowed method a lookup could trip over.
  const out: Record<string, string | undefined> = Object.create(null);
  if (typeof body !== 'object' || body === null) return out;
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  return out;
}

/** The Bearer token of the Authorization header, or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = headerOf(request, 'authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim());
  return match?.[1];
}

/**
 * A `preValidation` hook for POST routes whose parameters are all optional: a request with no body
 * at all (curl -X POST, an SDK posting nothing) reads as `{}` instead of failing the body schema.
 */
export async function absentBodyAsEmpty(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}
