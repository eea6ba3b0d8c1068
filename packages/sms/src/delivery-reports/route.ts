// A ready-made Fastify route for delivery reports, typed structurally so @lingpai/sms does not
// depend on Fastify. It registers in its own encapsulated context with string body parsers, so the
// parser sees the exact bytes (Twilio signs them) whatever parsers the app has.
import type { DeliveryReport } from '../delivery-report.js';
import { createDeliveryReportAuthenticator, type DeliveryReportAuth } from './authenticate.js';
import { DeliveryReportError } from './errors.js';
import {
  type DeliveryReportProvider,
  type ParseDeliveryReportOptions,
  parseDeliveryReport,
} from './parse-delivery-report.js';
import { validateVonageOptions } from './vonage-signature.js';

/** The request fields the route reads (a FastifyRequest has them). */
export interface RouteRequestLike {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** The client address (Fastify resolves it, honouring `trustProxy`). */
  ip?: string;
}

/** The reply methods the route uses (a FastifyReply has them). */
export interface RouteReplyLike {
  code(statusCode: number): RouteReplyLike;
  header(name: string, value: string): RouteReplyLike;
  send(payload?: string): unknown;
}

type BodyParserDone = (error: Error | null, body?: unknown) => void;

/** The part of a Fastify instance the route uses. */
export interface RouteAppLike {
  register(plugin: (instance: RouteAppLike) => Promise<void>): unknown;
  hasContentTypeParser(contentType: string): boolean;
  removeContentTypeParser(contentType: string | string[]): unknown;
  addContentTypeParser(
    contentType: string,
    options: { parseAs: 'string' },
    parser: (request: unknown, body: string, done: BodyParserDone) => void,
  ): unknown;
  route(options: {
    method: string[];
    url: string;
    /** Runs before the body is read: where the route's `auth` refuses a caller. */
    onRequest: (request: RouteRequestLike, reply: RouteReplyLike) => Promise<unknown>;
    handler: (request: RouteRequestLike, reply: RouteReplyLike) => Promise<unknown>;
  }): unknown;
}

export interface DeliveryReportRouteOptions extends Omit<ParseDeliveryReportOptions, 'auth'> {
  /** e.g. `/sms/reports/aliyun`; with `auth.tokenIn: 'path'` the route listens on `<path>/:token`. */
  path: string;
  /**
   * Who may post: a route token and/or an address allow-list, checked before the body is read.
   * Required for every provider that does not sign its reports (all but Twilio, and Vonage with
   * `vonage` signature options); `'none'` only when something in front of the route (a gateway,
   * mutual TLS) already authenticates the caller.
   */
  auth?: DeliveryReportAuth | 'none';
  provider: DeliveryReportProvider;
  /** Called with the reports of each accepted request. A throw answers 500, so the provider retries. */
  onReport: (reports: DeliveryReport[]) => void | Promise<void>;
  /** Called with the reason a request was refused (forged signature, malformed body). */
  onError?: (error: DeliveryReportError) => void;
  /** Default `['POST']`; Mocean may `PUT`, Vonage may `GET`. */
  methods?: string[];
}

// '*' catches the rest (Mocean and Huawei gateways do not always send a content type the app parses).
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', '*'];

/** Providers whose reports carry a signature this package checks. */
function isSigned(options: DeliveryReportRouteOptions): boolean {
  return options.provider === 'twilio' || (options.provider === 'vonage' && options.vonage !== undefined);
}

/**
 * Registers `POST <path>` (or `methods`) that authenticates the caller (`auth`, before the body is
 * read), parses the provider's delivery report, hands the normalized reports to `onReport`, and
 * answers exactly what the provider expects. Throws `DLR_CONFIG_INVALID` at once when an unsigned
 * provider's route has no `auth`, or when `auth` or `vonage` is malformed.
 */
export function deliveryReportRoute(app: RouteAppLike, options: DeliveryReportRouteOptions): void {
  const { auth, ...parseOptions } = options;
  if (auth === undefined && !isSigned(options)) {
    throw new DeliveryReportError(
      'DLR_CONFIG_INVALID',
      `${options.provider} delivery reports are not signed: give the route \`auth: { token }\` (a secret in the callback URL) and/or \`auth: { allowIps }\`, or \`auth: 'none'\` when something in front of it authenticates the caller`,
    );
  }
  const authenticate =
    auth === undefined || auth === 'none' ? undefined : createDeliveryReportAuthenticator(auth);
  if (options.vonage !== undefined) validateVonageOptions(options.vonage);
  const url =
    typeof auth === 'object' && auth.tokenIn === 'path'
      ? `${options.path.replace(/\/+$/, '')}/:token`
      : options.path;
  const refuse = (reply: RouteReplyLike, error: DeliveryReportError) => {
    options.onError?.(error);
    return reply
      .code(error.status ?? 400)
      .header('content-type', 'text/plain; charset=utf-8')
      .send(error.code);
  };
  app.register(async (instance) => {
    for (const type of BODY_TYPES) {
      if (instance.hasContentTypeParser(type)) instance.removeContentTypeParser(type);
      instance.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => done(null, body));
    }
    instance.route({
      method: options.methods ?? ['POST'],
      url,
      onRequest: async (request, reply) => {
        if (authenticate === undefined) return;
        try {
          authenticate({
            method: request.method,
            url: request.url,
            headers: request.headers,
            ip: request.ip,
          });
        } catch (error) {
          if (!(error instanceof DeliveryReportError)) throw error;
          return refuse(reply, error);
        }
      },
      handler: async (request, reply) => {
        let parsed: ReturnType<typeof parseDeliveryReport>;
        try {
          parsed = parseDeliveryReport(
            options.provider,
            {
              method: request.method,
              url: request.url,
              headers: request.headers,
              body: typeof request.body === 'string' ? request.body : undefined,
              ...(request.ip === undefined ? {} : { ip: request.ip }),
            },
            parseOptions,
          );
        } catch (error) {
          if (!(error instanceof DeliveryReportError)) throw error;
          return refuse(reply, error);
        }
        await options.onReport(parsed.reports);
        let answer = reply.code(parsed.response.status);
        for (const [name, value] of Object.entries(parsed.response.headers))
          answer = answer.header(name, value);
        return answer.send(parsed.response.body);
      },
    });
  });
}
