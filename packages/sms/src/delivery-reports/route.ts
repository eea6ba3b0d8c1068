// A ready-made Fastify route for delivery reports, typed structurally so @lingpai/sms does not
// depend on Fastify. It registers in its own encapsulated context with string body parsers, so the
// parser sees the exact bytes (Twilio signs them) whatever parsers the app has.
import type { DeliveryReport } from '../delivery-report.js';
import { DeliveryReportError } from './errors.js';
import {
  type DeliveryReportProvider,
  type ParseDeliveryReportOptions,
  parseDeliveryReport,
} from './parse-delivery-report.js';

/** The request fields the route reads (a FastifyRequest has them). */
export interface RouteRequestLike {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
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
    handler: (request: RouteRequestLike, reply: RouteReplyLike) => Promise<unknown>;
  }): unknown;
}

export interface DeliveryReportRouteOptions extends ParseDeliveryReportOptions {
  /** e.g. `/sms/reports/aliyun`. */
  path: string;
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

/**
 * Registers `POST <path>` (or `methods`) that parses the provider's delivery report, hands the
 * normalized reports to `onReport`, and answers exactly what the provider expects.
 */
export function deliveryReportRoute(app: RouteAppLike, options: DeliveryReportRouteOptions): void {
  app.register(async (instance) => {
    for (const type of BODY_TYPES) {
      if (instance.hasContentTypeParser(type)) instance.removeContentTypeParser(type);
      instance.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => done(null, body));
    }
    instance.route({
      method: options.methods ?? ['POST'],
      url: options.path,
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
            },
            options,
          );
        } catch (error) {
          if (!(error instanceof DeliveryReportError)) throw error;
          options.onError?.(error);
          return reply
            .code(error.status ?? 400)
            .header('content-type', 'text/plain; charset=utf-8')
            .send(error.code);
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
