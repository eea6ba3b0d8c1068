import { type BuildAppOptions, buildApp, type TokenServerApp } from './app.js';
import type { DatabaseOptions } from './config.js';
import type { Database } from './storage/database.js';
import { isDatabase, openDatabase } from './storage/open-database.js';

/** How long a stop waits for in-flight requests before forcing the exit (Kubernetes gives 30 s). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface StartServerOptions extends BuildAppOptions {
  host: string;
  /** 0 picks a free port (`url` says which). */
  port: number;
  /** Written into the embedded database's lock file, so a refused CLI command can say who holds it. */
  holder?: string;
}

export interface RunningServer {
  app: TokenServerApp;
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /**
   * Stops accepting connections, lets in-flight requests finish, then stops the services (the audit
   * log is flushed) and closes the database. Idempotent; resolves when everything is closed.
   */
  shutdown(): Promise<void>;
}

/**
 * Opens the database, builds the app and listens. The database is opened here rather than by
 * `buildApp` so it is closed last, after Fastify has drained and the services have flushed into it.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { host, port, holder = 'lingpai-token-server serve', ...appOptions } = options;
  const owned = !isDatabase(appOptions.database);
  const db: Database = isDatabase(appOptions.database)
    ? appOptions.database
    : await openDatabase(appOptions.database as DatabaseOptions | undefined, holder);
  let app: TokenServerApp;
  try {
    app = await buildApp({ ...appOptions, database: db });
  } catch (error) {
    if (owned) await db.close().catch(() => undefined);
    throw error;
  }
  let address: string;
  try {
    address = await app.listen({ host, port });
  } catch (error) {
    await app.close().catch(() => undefined);
    if (owned) await db.close().catch(() => undefined);
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      // Fastify stops listening and answers requests that arrive on kept-alive connections with 503;
      // a response finished during the drain leaves its connection idle, and Node's server.close
      // would wait for it until keepAliveTimeout (72 s). Closing idle connections as they appear
      // lets the drain end when the last in-flight request does.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
      if (owned) await db.close();
    })();
    return stopping;
  };
  return { app, url: address, shutdown };
}

export interface StopOptions {
  /** Bound on the drain; past it the stop is forced. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Listen for SIGTERM and SIGINT on this process (the bin does; in-process callers need not). */
  processSignals: boolean;
  /** Aborting it stops the server like SIGTERM does. */
  signal?: AbortSignal;
  /** One line per lifecycle event. */
  log(message: string): void;
  /** Ends the process on a forced stop. Default `process.exit` when `processSignals`, else nothing. */
  forceExit?: (code: number) => void;
}

/**
 * Runs until SIGTERM or SIGINT (or `signal`), then drains. Resolves with the exit code: 0 after a
 * clean stop, 1 when the stop was forced (a second signal, or requests still running after the
 * bound) or failed. A forced stop ends the process at once: nothing useful is left to wait for.
 */
export function runUntilStopped(server: RunningServer, options: StopOptions): Promise<number> {
  const timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const forceExit =
    options.forceExit ?? (options.processSignals ? (code: number) => process.exit(code) : () => undefined);
  return new Promise<number>((resolve) => {
    let stopping = false;
    let settled = false;
    let bound: NodeJS.Timeout | undefined;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(bound);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(code);
    };
    const force = (why: string) => {
      options.log(`forced exit: ${why}`);
      finish(1);
      forceExit(1);
    };
    const stop = (why: string) => {
      if (stopping) {
        force(`${why} received again while draining`);
        return;
      }
      stopping = true;
      options.log(
        `${why}: no longer accepting connections, draining in-flight requests (at most ${timeoutMs / 1_000} s)`,
      );
      // Not unref'd: this timer is what ends a drain that never finishes.
      bound = setTimeout(() => force(`requests still running after ${timeoutMs / 1_000} s`), timeoutMs);
      server.shutdown().then(
        () => {
          options.log('stopped');
          finish(0);
        },
        (error: unknown) => {
          options.log(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
          finish(1);
        },
      );
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onAbort = () => stop('stop requested');
    if (options.processSignals) {
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    }
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort);
  });
}
