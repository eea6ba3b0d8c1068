// The load generator, in its own process: autocannon against one target, a warm-up run whose numbers
// are thrown away, then the measured run. Prints one `RESULT {json}` line.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { configOf, type ReadyMessage } from './protocol.js';

export interface LoadConfig {
  target: ReadyMessage;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** `refresh-token`: each request presents the next live refresh token; `device-id`: a fresh x-device-id. */
  vary?: 'refresh-token' | 'device-id';
}

export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  okPerSecond: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  /** Every response of the warm-up and the measured run (for the server's CPU per request). */
  total: number;
}

const config = configOf<LoadConfig>();
const { target } = config;

// Live refresh tokens: popped one per request, and each 200 pushes back the child it carries.
const pool = target.tokensFile ? readFileSync(target.tokensFile, 'utf8').split('\n').filter(Boolean) : [];
let counter = 0;

type Request = autocannon.Request;
const requests: Request[] | undefined =
  config.vary === 'refresh-token'
    ? [
        {
          method: target.method,
          path: target.path,
          setupRequest: (request: Request) => ({
            ...request,
            body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(pool.pop() ?? 'exhausted')}`,
          }),
          onResponse: (status: number, body: string) => {
            if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
          },
        },
      ]
    : config.vary === 'device-id'
      ? [
          {
            method: target.method,
            path: target.path,
            setupRequest: (request: Request) => {
              counter += 1;
              return { ...request, headers: { ...request.headers, 'x-device-id': `bench-${counter}` } };
            },
          },
        ]
      : undefined;

async function run(seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${target.port}${target.path}`,
    connections: config.connections,
    pipelining: 1,
    duration: seconds,
    method: target.method,
    headers: target.headers,
    ...(target.body === undefined ? {} : { body: target.body }),
    ...(requests ? { requests } : {}),
    timeout: 30,
  });
}

const statuses: Record<string, number> = {};
const warm = config.warmupSeconds > 0 ? await run(config.warmupSeconds) : undefined;
const result = await run(config.seconds);
for (const key of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) {
  const value = (result as unknown as Record<string, number>)[key];
  if (value) statuses[key] = value;
}
const output: LoadResult = {
  ok: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  seconds: result.duration,
  okPerSecond: result['2xx'] / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  statuses,
  total: (warm?.requests.total ?? 0) + result.requests.total,
};
process.stdout.write(`RESULT ${JSON.stringify(output)}\n`);
