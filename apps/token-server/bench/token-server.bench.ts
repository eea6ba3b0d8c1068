// Token-server throughput against baselines measured in the same run (issue 8, "Benchmarks").
//
// Every target is a server in its own child process on 127.0.0.1, loaded by autocannon in another
// child process (support/load.ts), one target after the other, each with the same connection count,
// a warm-up that is not counted and then the measured run. Nothing is pinned to a core: on this
// 2-core machine the load generator, the server, PostgreSQL and Redis share them, so only ratios
// within one run mean anything. Targets:
// - bare: a Fastify route returning a small JSON;
// - hand-rolled minimum token endpoint (RS256, EdDSA): Fastify, Basic auth against a client Map,
//   async crypto.sign with a cached KeyObject, the audit row group-committed to PostgreSQL like ours;
// - oidc-provider 9 client_credentials, JWT (resource indicator, RS256) and opaque (in-memory adapter);
// - ours: client_credentials RS256/EdDSA on PostgreSQL, refresh rotation on PostgreSQL, the password
//   grant against bare argon2id verifies, CloudBase's GET /auth/v1/token/introspect against bare.
//
// Environment: LINGPAI_BENCH_SECONDS (10), LINGPAI_BENCH_WARMUP (5), LINGPAI_BENCH_CONNECTIONS (32),
// LINGPAI_BENCH_ONLY (comma-separated target ids), LINGPAI_BENCH_EXTRA=1 adds PGlite and the
// rate-limit-store variants, DATABASE_URL (postgres://postgres@127.0.0.1:5432/test).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadConfig, LoadResult } from './support/load.js';
import type { OursConfig } from './support/ours-server.js';
import type { ReadyMessage } from './support/protocol.js';

const SECONDS = Number(process.env.LINGPAI_BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.LINGPAI_BENCH_WARMUP ?? 5);
const CONNECTIONS = Number(process.env.LINGPAI_BENCH_CONNECTIONS ?? 32);
const ONLY = process.env.LINGPAI_BENCH_ONLY?.split(',').filter(Boolean);
const EXTRA = process.env.LINGPAI_BENCH_EXTRA === '1';
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const support = (file: string) => fileURLToPath(new URL(`./support/${file}`, import.meta.url));

interface Target {
  id: string;
  label: string;
  /** A server script and its configuration; absent for the in-process argon2 baseline. */
  server?: { script: string; config?: unknown };
  vary?: LoadConfig['vary'];
}

const ours = (config: OursConfig) => ({ script: 'ours-server.ts', config });
const TARGETS: Target[] = [
  { id: 'bare', label: 'bare Fastify route (GET, small JSON)', server: { script: 'bare-server.ts' } },
  {
    id: 'hand-rs256',
    label: 'hand-rolled minimum client_credentials RS256',
    server: { script: 'hand-rolled-server.ts', config: { alg: 'RS256' } },
  },
  {
    id: 'hand-eddsa',
    label: 'hand-rolled minimum client_credentials EdDSA',
    server: { script: 'hand-rolled-server.ts', config: { alg: 'EdDSA' } },
  },
  {
    id: 'oidc-jwt',
    label: 'oidc-provider client_credentials JWT (RS256)',
    server: { script: 'oidc-provider-server.ts', config: { format: 'jwt' } },
  },
  {
    id: 'oidc-opaque',
    label: 'oidc-provider client_credentials opaque',
    server: { script: 'oidc-provider-server.ts', config: { format: 'opaque' } },
  },
  {
    id: 'cc-rs256',
    label: 'ours client_credentials RS256, PostgreSQL',
    server: ours({ mode: 'client_credentials', alg: 'RS256', backend: 'postgres', limits: 'database' }),
  },
  {
    id: 'cc-eddsa',
    label: 'ours client_credentials EdDSA, PostgreSQL',
    server: ours({ mode: 'client_credentials', alg: 'EdDSA', backend: 'postgres', limits: 'database' }),
  },
  {
    id: 'refresh-rs256',
    label: 'ours refresh rotation RS256, PostgreSQL',
    server: ours({ mode: 'refresh', alg: 'RS256', backend: 'postgres', limits: 'database' }),
    vary: 'refresh-token',
  },
  {
    id: 'password',
    label: 'ours password grant (argon2id OWASP), PostgreSQL',
    server: ours({ mode: 'password', alg: 'RS256', backend: 'postgres', limits: 'database' }),
    vary: 'device-id',
  },
  { id: 'argon2', label: `bare argon2id verifies (OWASP), ${CONNECTIONS} in flight` },
  {
    id: 'introspect',
    label: 'ours GET /auth/v1/token/introspect (Bearer JWT)',
    server: ours({ mode: 'introspect', alg: 'RS256', backend: 'postgres', limits: 'database' }),
  },
];
if (EXTRA) {
  TARGETS.push(
    {
      id: 'cc-rs256-redis',
      label: 'ours client_credentials RS256, PostgreSQL + Redis limits',
      server: ours({ mode: 'client_credentials', alg: 'RS256', backend: 'postgres', limits: 'redis' }),
    },
    {
      id: 'cc-eddsa-redis',
      label: 'ours client_credentials EdDSA, PostgreSQL + Redis limits',
      server: ours({ mode: 'client_credentials', alg: 'EdDSA', backend: 'postgres', limits: 'redis' }),
    },
    {
      id: 'cc-eddsa-memory',
      label: 'ours client_credentials EdDSA, PostgreSQL + in-memory limits',
      server: ours({ mode: 'client_credentials', alg: 'EdDSA', backend: 'postgres', limits: 'memory' }),
    },
    {
      id: 'cc-rs256-pglite',
      label: 'ours client_credentials RS256, PGlite',
      server: ours({ mode: 'client_credentials', alg: 'RS256', backend: 'pglite', limits: 'memory' }),
    },
    {
      id: 'cc-eddsa-pglite',
      label: 'ours client_credentials EdDSA, PGlite',
      server: ours({ mode: 'client_credentials', alg: 'EdDSA', backend: 'pglite', limits: 'memory' }),
    },
  );
}

function child(script: string, config: unknown): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', support(script), JSON.stringify(config ?? {})], {
    cwd: APP_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
}

/** The child's stdout lines, awaitable by prefix; its stderr tail kept for error messages. */
class Lines {
  readonly #lines: string[] = [];
  readonly #waiters: Array<() => void> = [];
  #partial = '';
  #stderr = '';
  #exited: number | null | undefined;

  constructor(proc: ChildProcess) {
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4_000);
    });
    proc.stdout?.on('data', (chunk: Buffer) => {
      const parts = (this.#partial + chunk.toString()).split('\n');
      this.#partial = parts.pop() ?? '';
      this.#lines.push(...parts);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    proc.once('exit', (code) => {
      this.#exited = code;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** The first line starting with one of `prefixes` (prefix and the rest of the line). */
  async next(prefixes: string[], timeoutMs: number): Promise<{ prefix: string; rest: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const [index, line] of this.#lines.entries()) {
        const prefix = prefixes.find((candidate) => line.startsWith(`${candidate} `));
        if (prefix) {
          this.#lines.splice(0, index + 1);
          return { prefix, rest: line.slice(prefix.length + 1) };
        }
      }
      if (this.#exited !== undefined)
        throw new Error(`exited with ${this.#exited} before "${prefixes.join('/')}"\n${this.#stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${prefixes.join('/')}" in ${timeoutMs} ms\n${this.#stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

interface Measured extends LoadResult {
  /** Server CPU (µs) per response, warm-up included; undefined for the in-process argon2 loop. */
  cpuPerRequest?: number;
}
type Outcome = { result: Measured } | { skipped: string };

async function measure(target: Target): Promise<Outcome> {
  const budgetMs = (WARMUP + SECONDS) * 1_000 + 60_000;
  if (!target.server) {
    const proc = child('argon2-verifies.ts', {
      concurrency: CONNECTIONS,
      warmupSeconds: WARMUP,
      seconds: SECONDS,
    });
    const line = await new Lines(proc).next(['RESULT'], budgetMs);
    await stop(proc);
    return { result: JSON.parse(line.rest) as LoadResult };
  }
  const server = child(target.server.script, target.server.config);
  const serverLines = new Lines(server);
  try {
    const ready = await serverLines.next(['READY', 'ABSENT'], 180_000);
    if (ready.prefix === 'ABSENT') return { skipped: ready.rest };
    const load: LoadConfig = {
      target: JSON.parse(ready.rest) as ReadyMessage,
      connections: CONNECTIONS,
      warmupSeconds: WARMUP,
      seconds: SECONDS,
      ...(target.vary ? { vary: target.vary } : {}),
    };
    const loader = child('load.ts', load);
    const line = await new Lines(loader).next(['RESULT'], budgetMs);
    await stop(loader);
    const result = JSON.parse(line.rest) as Measured;
    server.kill('SIGTERM');
    const cpu = await serverLines.next(['CPU'], 15_000).catch(() => undefined);
    if (cpu && result.total > 0)
      result.cpuPerRequest = (JSON.parse(cpu.rest) as { micros: number }).micros / result.total;
    return { result };
  } finally {
    await stop(server);
  }
}

const selected = ONLY ? TARGETS.filter((target) => ONLY.includes(target.id)) : TARGETS;
console.log(
  `token server: ${selected.length} targets, ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${SECONDS} s each`,
);
const results = new Map<string, Measured>();
let failures = 0;
for (const target of selected) {
  try {
    const outcome = await measure(target);
    if ('skipped' in outcome) {
      console.log(`  ${target.id.padEnd(18)} skipped: ${outcome.skipped}`);
      continue;
    }
    const r = outcome.result;
    results.set(target.id, r);
    const bad = r.non2xx + r.errors + r.timeouts;
    console.log(
      `  ${target.id.padEnd(18)} ${r.okPerSecond.toFixed(0).padStart(7)} req/s  p99 ${String(r.p99).padStart(4)} ms  ${r.cpuPerRequest === undefined ? '' : `server CPU ${r.cpuPerRequest.toFixed(0)} µs/req`}${bad ? `  (${bad} failed: ${JSON.stringify(r.statuses)}, errors ${r.errors}, timeouts ${r.timeouts})` : ''}`,
    );
  } catch (error) {
    failures += 1;
    console.log(
      `  ${target.id.padEnd(18)} FAILED: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

console.log('\n| target | req/s | p50 ms | p99 ms | server CPU µs/req | failed |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const target of selected) {
  const r = results.get(target.id);
  if (!r) continue;
  console.log(
    `| ${target.label} | ${r.okPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.cpuPerRequest?.toFixed(0) ?? '–'} | ${r.non2xx + r.errors + r.timeouts} |`,
  );
}

const RATIOS: Array<{ label: string; of: string; over: string; target?: number }> = [
  { label: 'client_credentials RS256 ÷ hand-rolled RS256', of: 'cc-rs256', over: 'hand-rs256', target: 1.0 },
  { label: 'client_credentials EdDSA ÷ hand-rolled EdDSA', of: 'cc-eddsa', over: 'hand-eddsa', target: 1.0 },
  { label: 'client_credentials RS256 ÷ oidc-provider JWT', of: 'cc-rs256', over: 'oidc-jwt' },
  { label: 'client_credentials EdDSA ÷ oidc-provider opaque', of: 'cc-eddsa', over: 'oidc-opaque' },
  { label: 'client_credentials RS256 ÷ oidc-provider opaque', of: 'cc-rs256', over: 'oidc-opaque' },
  {
    label: 'refresh rotation RS256 (PostgreSQL) ÷ client_credentials RS256',
    of: 'refresh-rs256',
    over: 'cc-rs256',
    target: 0.8,
  },
  { label: 'password grant ÷ bare argon2id verifies', of: 'password', over: 'argon2', target: 0.9 },
  { label: 'JWT introspection ÷ bare route', of: 'introspect', over: 'bare', target: 0.3 },
  { label: 'client_credentials RS256, Redis limits ÷ hand-rolled', of: 'cc-rs256-redis', over: 'hand-rs256' },
  { label: 'client_credentials EdDSA, Redis limits ÷ hand-rolled', of: 'cc-eddsa-redis', over: 'hand-eddsa' },
  {
    label: 'client_credentials EdDSA, memory limits ÷ hand-rolled',
    of: 'cc-eddsa-memory',
    over: 'hand-eddsa',
  },
  { label: 'client_credentials RS256, PGlite ÷ hand-rolled', of: 'cc-rs256-pglite', over: 'hand-rs256' },
  { label: 'client_credentials EdDSA, PGlite ÷ hand-rolled', of: 'cc-eddsa-pglite', over: 'hand-eddsa' },
];
console.log('\n| ratio | value | target |');
console.log('| --- | ---: | --- |');
for (const ratio of RATIOS) {
  const of = results.get(ratio.of);
  const over = results.get(ratio.over);
  if (!of || !over || over.okPerSecond === 0) continue;
  const value = of.okPerSecond / over.okPerSecond;
  const verdict =
    ratio.target === undefined
      ? '(reported)'
      : `≥ ${ratio.target.toFixed(1)}× ${value >= ratio.target ? 'met' : 'NOT met'}`;
  console.log(`| ${ratio.label} | ${value.toFixed(2)}× | ${verdict} |`);
  console.log(`RATIO ${ratio.label}: ${value.toFixed(3)}×`);
}
process.exit(failures === 0 ? 0 : 1);
