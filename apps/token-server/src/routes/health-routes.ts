import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { migrationStatus } from '../storage/migrations.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES } from './schemas.js';

/** Liveness (the process answers) and readiness (database reachable, schema at this code's head). */
export const healthRoutes: RoutePlugin = (app, services) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        tags: ['health'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }), ...ERROR_RESPONSES },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness',
        tags: ['health'],
        response: {
          200: Type.Object({ status: Type.Literal('ready'), schema: Type.String() }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => {
      const status = await migrationStatus(services.db);
      if (status.pending.length > 0 || status.unknown.length > 0) {
        throw new TokenServerError(
          'temporarily_unavailable',
          "the database schema is not at this server's version",
          { retryAfter: 5 },
        );
      }
      return { status: 'ready' as const, schema: status.applied.at(-1) ?? '' };
    },
  );
};
