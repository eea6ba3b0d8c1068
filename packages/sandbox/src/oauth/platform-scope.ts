import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { randomHex } from './oauth-state.js';
import type { OauthPlatform } from './types.js';

/** Answers a platform's own quota / rate-limit error for the route being called. */
export type QuotaReply = (request: FastifyRequest, reply: FastifyReply) => FastifyReply;

/**
 * Registers one platform's routes under `/<platform>`, behind its fault switches: generic faults first
 * (latency, 5xx, reset, hang, malformed), then the platform's own quota error.
 */
export async function registerPlatform(
  app: FastifyInstance,
  context: SandboxContext,
  platform: OauthPlatform,
  quota: QuotaReply,
  routes: (scope: FastifyInstance) => void,
): Promise<void> {
  await app.register(
    async (scope) => {
      scope.addHook('preHandler', async (request, reply) => {
        if (await context.faults.apply(platform, request, reply)) return reply;
        if (context.faults.takeQuota(platform)) return quota(request, reply);
        return undefined;
      });
      routes(scope);
    },
    { prefix: `/${platform}` },
  );
}

/** Query and body parameters merged (body wins), first value of repeated keys; non-strings dropped. */
export function readParams(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of [request.query, request.body]) {
    if (source === null || typeof source !== 'object' || Array.isArray(source)) continue;
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string') out[key] = first;
      else if (typeof first === 'number' || typeof first === 'boolean') out[key] = String(first);
    }
  }
  return out;
}

/** The JSON body as an object (empty when absent or not JSON). */
export function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/** A Bearer (or GitHub's legacy `token`) credential from the Authorization header. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** WeChat-style request id suffix: `rid: 6530f0b1-0fd4c5bf-1f2a5d9c`. */
export function rid(): string {
  return `rid: ${randomHex(4)}-${randomHex(4)}-${randomHex(4)}`;
}

/** Seconds left until `expiresAt`, never below zero. */
export function secondsLeft(expiresAt: number, now: number): number {
  return Math.max(0, Math.floor((expiresAt - now) / 1000));
}
