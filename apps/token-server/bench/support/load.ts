// The load generator, in its own process: on each command, autocannon against one target for a
// slice of time (support/commands.ts). Warm-up slices are run the same way and thrown away by the
// orchestrator.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { serveCommands } from './commands.js';
import type { ReadyMessage } from './protocol.js';

export interface LoadCommand {
  /** Names the target, so its refresh-token pool lives across slices. */
  id: string;
  target: ReadyMessage;
  connections: number;
  seconds: number;
  /**
   * `refresh-token`: each request presents the next live refresh token; `account`: each connection
   * signs in as an account of its own.
   */
  vary?: 'refresh-token' | 'account';
}

export interface SliceResult {
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  /** CPU the process measuring in-process (argon2) spent on the slice, in µs. */
  cpuMicros?: number;
}

// Live refresh tokens per target: popped one per request, and each 200 pushes back the child it carries.
const pools = new Map<string, string[]>();
let counter = 0;
let accountsTaken = 0;

function requestsFor(command: LoadCommand): autocannon.Request[] | undefined {
  const { target } = command;
  if (command.vary === 'refresh-token') {
    let pool = pools.get(command.id);
    if (!pool) {
      pool = target.tokensFile ? readFileSync(target.tokensFile, 'utf8').split('\n').filter(Boolean) : [];
      pools.set(command.id, pool);
    }
    const live = pool;
    return [
      {
        method: target.method,
        path: target.path,
        setupRequest: (request) => ({
          ...request,
          body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(live.pop() ?? 'exhausted')}`,
        }),
        onResponse: (status, body) => {
          if (status === 200) live.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
        },
      },
    ];
  }
  if (command.vary === 'account') {
    const accounts = target.accounts;
    if (!accounts) throw new Error('the password target announced no accounts');
    return [
      {
        method: target.method,
        path: target.path,
        // autocannon's context is per connection: each connection keeps one account, so one account
        // never has two sign-ins in flight. A fresh x-device-id each time, so each sign-in starts a
        // family without ending another in flight.
        setupRequest: (request, context) => {
          counter += 1;
          if (context.username === undefined)
            context.username = accounts.usernames[accountsTaken++ % accounts.usernames.length];
          return {
            ...request,
            headers: { ...request.headers, 'x-device-id': `bench-${counter}` },
            body: new URLSearchParams({
              grant_type: 'password',
              username: String(context.username),
              password: accounts.password,
            }).toString(),
          };
        },
      },
    ];
  }
  return undefined;
}

serveCommands<LoadCommand>(async (command) => {
  const { target } = command;
  const requests = requestsFor(command);
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}${target.path}`,
    connections: command.connections,
    pipelining: 1,
    duration: command.seconds,
    method: target.method,
    headers: target.headers,
    ...(target.body === undefined ? {} : { body: target.body }),
    ...(requests ? { requests } : {}),
    timeout: 30,
  });
  const statuses: Record<string, number> = {};
  for (const key of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) {
    const value = (result as unknown as Record<string, number>)[key];
    if (value) statuses[key] = value;
  }
  const slice: SliceResult = {
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
  };
  return slice;
});
