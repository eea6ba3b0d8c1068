import { parse as parseQueryString } from 'node:querystring';
import { type Clock, systemClock } from '@lingpai/auth-core';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { type Fault, FaultSwitches } from './faults.js';
import { type OauthSandbox, type OauthSandboxOptions, registerOauthSandbox } from './oauth/index.js';
import type { SandboxContext } from './sandbox-context.js';
import { SandboxError } from './sandbox-error.js';
import type { SandboxSmsOptions } from './sms/config.js';
import { registerSmsSandbox, type SandboxSms } from './sms/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received; signatures are computed over these bytes. */
    rawBody?: string;
  }
}

export interface SandboxOptions {
  clock?: Clock;
  /** Fastify logger; off by default. */
  logger?: boolean;
  /** Extra OAuth apps and users beside `SANDBOX_OAUTH_DEFAULTS`. */
  oauth?: OauthSandboxOptions;
  /** SMS accounts, keys, signs, templates and report settings over `SANDBOX_SMS_DEFAULTS`. */
  sms?: SandboxSmsOptions;
}

export interface Sandbox {
  app: FastifyInstance;
  context: SandboxContext;
  faults: FaultSwitches;
  /** OAuth side: token-fetch counts, token invalidation, mini-program codes. */
  oauth: OauthSandbox;
  /** SMS side: inbox (`messages`, `lastCode`), delivery-report switches, SMPP server. */
  sms: SandboxSms;
  /** Starts listening (default 127.0.0.1 on a free port) and returns the base URL. */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  close(): Promise<void>;
}

/** Builds the sandbox app without listening, so tests can use `app.inject` or `listen`. */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });
  const faults = new FaultSwitches();
  let baseUrl = '';
  const context: SandboxContext = {
    clock: options.clock ?? systemClock,
    faults,
    baseUrl: () => baseUrl,
  };

  // Keep the raw body: every provider signs the exact bytes it sends.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    request.rawBody = text;
    if (text.length === 0) return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      // Let the route answer in the platform's own error shape instead of Fastify's.
      done(null, undefined);
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request, body, done) => {
      request.rawBody = body as string;
      done(null, parseQueryString(body as string));
    },
  );
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, body);
  });

  app.get('/__sandbox/faults', async () => faults.list());
  // A refused target or fault answers 400 with the reason, like the programmatic API throws it.
  const refuse = (reply: FastifyReply, error: unknown) => {
    if (!(error instanceof SandboxError)) throw error;
    return reply.code(400).send({ error: error.code, message: error.message });
  };
  app.put<{ Params: { target: string }; Body: Fault }>(
    '/__sandbox/faults/:target',
    async (request, reply) => {
      try {
        faults.set(request.params.target, request.body);
      } catch (error) {
        return refuse(reply, error);
      }
      return { ok: true };
    },
  );
  app.delete<{ Params: { target: string } }>('/__sandbox/faults/:target', async (request, reply) => {
    try {
      faults.clear(request.params.target);
    } catch (error) {
      return refuse(reply, error);
    }
    return { ok: true };
  });
  app.delete('/__sandbox/faults', async () => {
    faults.clear();
    return { ok: true };
  });

  const sms = await registerSmsSandbox(app, context, options.sms);
  const oauth = await registerOauthSandbox(app, context, options.oauth);
  app.addHook('onClose', async () => faults.releaseHanging());

  return {
    app,
    context,
    faults,
    oauth,
    sms,
    async listen(listenOptions = {}) {
      const address = await app.listen({
        port: listenOptions.port ?? 0,
        host: listenOptions.host ?? '127.0.0.1',
      });
      baseUrl = address.replace('[::1]', 'localhost');
      return baseUrl;
    },
    close: () => app.close(),
  };
}
