// Token-server throughput against baselines measured in the same run (issue 8, "Benchmarks").
//
// Every target is a server in its own child process on 127.0.0.1, loaded by autocannon in another
// child process (support/load.ts), with the same connection count for all. Nothing is pinned to a
// core: on this 2-core machine the load generator, the server, PostgreSQL and Redis share them, and
// other work on the machine comes and goes, so only ratios within one run mean anything. To keep a
// ratio's two sides under the same conditions, the targets compared with each other form a group:
// their servers start together, each gets a warm-up slice that is not counted, then the group's
// targets are loaded one at a time in interleaved slices (a b c a b c …) — only one target is under
// load at any moment. req/s is the sum over a target's slices; p99 is its worst slice's. Targets:
// - bare: a Fastify route returning a small JSON;
// - hand-rolled minimum token endpoint (RS256, EdDSA): Fastify, Basic auth against a client Map,
//   async crypto.sign with a cached KeyObject, the audit row group-committed to PostgreSQL like ours;
// - oidc-provider 9 client_credentials, JWT (resource indicator, RS256) and opaque (in-memory adapter);
// - ours: client_credentials RS256/EdDSA on PostgreSQL (per-client counter in PostgreSQL, and again
//   in process memory: the hand-rolled minimum has no rate limit), refresh rotation on PostgreSQL,
//   the password grant against bare argon2id verifies, CloudBase's GET /auth/v1/token/introspect
//   against bare.
// Besides req/s and p99, each server reports its CPU per request (all threads, kernel included):
// on a shared machine it moves less than throughput does.
//
// Environment: LINGPAI_BENCH_SECONDS (measured seconds per target, 10), LINGPAI_BENCH_ROUNDS (slices
// they are cut into, 2), LINGPAI_BENCH_WARMUP (5), LINGPAI_BENCH_CONNECTIONS (32), LINGPAI_BENCH_ONLY
// (comma-separated target ids), LINGPAI_BENCH_EXTRA=1 adds PGlite, Redis-limit and password variants,
// DATABASE_URL (postgres://postgres@127.0.0.1:5432/test).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadCommand, SliceResult } from './support/load.js';
import type { OursConfig } from './support/ours-server.js';
import type { ReadyMessage } from './support/protocol.js';

const SECONDS = Number(process.env.LINGPAI_BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.LINGPAI_BENCH_WARMUP ?? 5);
const ROUNDS = Number(process.env.LINGPAI_BENCH_ROUNDS ?? 2);
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
  vary?: LoadCommand['vary'];
  /** The ids measured against each other: interleaved in one group. */
  group: number;
}

const ours = (config: OursConfig) => ({ script: 'ours-server.ts', config });
const pg = (mode: OursConfig['mode'], alg: OursConfig['alg'], limits: OursConfig['limits'] = 'database') =>
  ours({ mode, alg, backend: 'postgres', limits });
// Groups: 0 the Bearer route against bare; 1 RS256 issuance; 2 EdDSA issuance; 3 passwords.
const TARGETS: Target[] = [
  {
    id: 'bare',
    group: 0,
    label: 'bare Fastify route (GET, small JSON)',
    server: { script: 'bare-server.ts' },
  },
  {
    id: 'introspect',
    group: 0,
    label: 'ours GET /auth/v1/token/introspect (Bearer JWT, RS256)',
    server: pg('introspect', 'RS256'),
  },
  {
    id: 'hand-rs256',
    group: 1,
    label: 'hand-rolled minimum client_credentials RS256',
    server: { script: 'hand-rolled-server.ts', config: { alg: 'RS256' } },
  },
  {
    id: 'cc-rs256',
    group: 1,
    label: 'ours client_credentials RS256, PostgreSQL',
    server: pg('client_credentials', 'RS256'),
  },
  {
    id: 'refresh-rs256',
    group: 1,
    label: 'ours refresh rotation RS256, PostgreSQL',
    server: pg('refresh', 'RS256'),
    vary: 'refresh-token',
  },
  {
    id: 'oidc-jwt',
    group: 1,
    label: 'oidc-provider client_credentials JWT (RS256)',
    server: { script: 'oidc-provider-server.ts', config: { format: 'jwt' } },
  },
  {
    id: 'hand-eddsa',
    group: 2,
    label: 'hand-rolled minimum client_credentials EdDSA',
    server: { script: 'hand-rolled-server.ts', config: { alg: 'EdDSA' } },
  },
  {
    id: 'cc-eddsa',
    group: 2,
    label: 'ours client_credentials EdDSA, PostgreSQL',
    server: pg('client_credentials', 'EdDSA'),
  },
  {
    id: 'oidc-opaque',
    group: 2,
    label: 'oidc-provider client_credentials opaque',
    server: { script: 'oidc-provider-server.ts', config: { format: 'opaque' } },
  },
  // The hand-rolled minimum has no rate limit at all; these show ours with its per-client counter
  // in process memory (one instance), next to the PostgreSQL counter a fleet without Redis uses.
  {
    id: 'cc-rs256-memory',
    group: 1,
    label: 'ours client_credentials RS256, PostgreSQL + in-process limits',
    server: pg('client_credentials', 'RS256', 'memory'),
  },
  {
    id: 'cc-eddsa-memory',
    group: 2,
    label: 'ours client_credentials EdDSA, PostgreSQL + in-process limits',
    server: pg('client_credentials', 'EdDSA', 'memory'),
  },
  { id: 'argon2', group: 3, label: `bare argon2id verifies (OWASP), ${CONNECTIONS} in flight` },
  {
    id: 'password',
    group: 3,
    label: 'ours password grant (argon2id OWASP), PostgreSQL',
    server: pg('password', 'RS256'),
    vary: 'account',
  },
];
if (EXTRA) {
  TARGETS.push(
    {
      id: 'cc-rs256-redis',
      group: 1,
      label: 'ours client_credentials RS256, PostgreSQL + Redis limits',
      server: pg('client_credentials', 'RS256', 'redis'),
    },
    {
      id: 'cc-eddsa-redis',
      group: 2,
      label: 'ours client_credentials EdDSA, PostgreSQL + Redis limits',
      server: pg('client_credentials', 'EdDSA', 'redis'),
    },
    {
      id: 'password-memory',
      group: 3,
      label: 'ours password grant, PostgreSQL + in-process limits',
      server: pg('password', 'RS256', 'memory'),
      vary: 'account',
    },
    {
      id: 'cc-rs256-pglite',
      group: 1,
      label: 'ours client_credentials RS256, PGlite',
      server: ours({ mode: 'client_credentials', alg: 'RS256', backend: 'pglite', limits: 'memory' }),
    },
    {
      id: 'cc-eddsa-pglite',
      group: 2,
      label: 'ours client_credentials EdDSA, PGlite',
      server: ours({ mode: 'client_credentials', alg: 'EdDSA', backend: 'pglite', limits: 'memory' }),
    },
  );
}

function child(script: string, config?: unknown): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', support(script), ...(config === undefined ? [] : [JSON.stringify(config)])],
    { cwd: APP_DIR, stdio: ['pipe', 'pipe', 'pipe'], env: process.env },
  );
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

/** A child answering slice commands (support/commands.ts). */
class Runner {
  readonly proc: ChildProcess;
  readonly #lines: Lines;
  constructor(script: string) {
    this.proc = child(script);
    this.#lines = new Lines(this.proc);
  }
  async slice(command: unknown, seconds: number): Promise<SliceResult> {
    this.proc.stdin?.write(`${JSON.stringify(command)}\n`);
    const line = await this.#lines.next(['RESULT'], seconds * 1_000 + 120_000);
    return JSON.parse(line.rest) as SliceResult;
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

interface Measured {
  ok: number;
  failed: number;
  seconds: number;
  okPerSecond: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  /** Every response, warm-up included (for the server's CPU per request). */
  total: number;
  /** Server CPU (µs) per response since it was ready (the argon2 loop: CPU per measured verify). */
  cpuPerRequest?: number;
}

interface Running {
  target: Target;
  server?: { proc: ChildProcess; lines: Lines; ready: ReadyMessage };
  slices: SliceResult[];
  total: number;
  skipped?: string;
  error?: string;
}

async function startTarget(target: Target): Promise<Running> {
  const running: Running = { target, slices: [], total: 0 };
  if (!target.server) return running;
  const proc = child(target.server.script, target.server.config ?? {});
  const lines = new Lines(proc);
  try {
    const ready = await lines.next(['READY', 'ABSENT'], 180_000);
    if (ready.prefix === 'ABSENT') running.skipped = ready.rest;
    else running.server = { proc, lines, ready: JSON.parse(ready.rest) as ReadyMessage };
  } catch (error) {
    running.error = error instanceof Error ? error.message : String(error);
    await stop(proc);
  }
  return running;
}

async function runGroup(targets: Target[]): Promise<Map<string, Measured>> {
  const running = await Promise.all(targets.map(startTarget));
  const live = running.filter((entry) => entry.target.server === undefined || entry.server !== undefined);
  const load = new Runner('load.ts');
  const argon2 = targets.some((target) => !target.server) ? new Runner('argon2-verifies.ts') : undefined;
  const slice = async (entry: Running, seconds: number) => {
    const result = entry.server
      ? await load.slice(
          {
            id: entry.target.id,
            target: entry.server.ready,
            connections: CONNECTIONS,
            seconds,
            ...(entry.target.vary ? { vary: entry.target.vary } : {}),
          } satisfies LoadCommand,
          seconds,
        )
      : await argon2!.slice({ concurrency: CONNECTIONS, seconds }, seconds);
    entry.total += result.ok + result.failed;
    return result;
  };
  const out = new Map<string, Measured>();
  try {
    for (const entry of live) if (WARMUP > 0) await slice(entry, WARMUP);
    for (let round = 0; round < ROUNDS; round++)
      for (const entry of live) entry.slices.push(await slice(entry, SECONDS / ROUNDS));
    for (const entry of live) {
      const ok = entry.slices.reduce((sum, s) => sum + s.ok, 0);
      const seconds = entry.slices.reduce((sum, s) => sum + s.seconds, 0);
      const statuses: Record<string, number> = {};
      for (const s of entry.slices)
        for (const [key, value] of Object.entries(s.statuses)) statuses[key] = (statuses[key] ?? 0) + value;
      const measured: Measured = {
        ok,
        failed: entry.slices.reduce((sum, s) => sum + s.failed, 0),
        seconds,
        okPerSecond: ok / seconds,
        p50: Math.max(...entry.slices.map((s) => s.p50)),
        p99: Math.max(...entry.slices.map((s) => s.p99)),
        statuses,
        total: entry.total,
      };
      const inProcessCpu = entry.slices.reduce((sum, s) => sum + (s.cpuMicros ?? 0), 0);
      if (!entry.server && inProcessCpu > 0) measured.cpuPerRequest = inProcessCpu / ok;
      if (entry.server) {
        entry.server.proc.kill('SIGTERM');
        const cpu = await entry.server.lines.next(['CPU'], 15_000).catch(() => undefined);
        if (cpu && entry.total > 0)
          measured.cpuPerRequest = (JSON.parse(cpu.rest) as { micros: number }).micros / entry.total;
      }
      out.set(entry.target.id, measured);
    }
  } finally {
    load.proc.stdin?.end();
    argon2?.proc.stdin?.end();
    await Promise.all([
      stop(load.proc),
      ...(argon2 ? [stop(argon2.proc)] : []),
      ...running.map((entry) => (entry.server ? stop(entry.server.proc) : Promise.resolve())),
    ]);
  }
  for (const entry of running) {
    if (entry.skipped) console.log(`  ${entry.target.id.padEnd(18)} skipped: ${entry.skipped}`);
    if (entry.error) {
      failures += 1;
      console.log(`  ${entry.target.id.padEnd(18)} FAILED: ${entry.error}`);
    }
  }
  return out;
}

const selected = ONLY ? TARGETS.filter((target) => ONLY.includes(target.id)) : TARGETS;
const groups = [...new Set(selected.map((target) => target.group))].sort();
console.log(
  `token server: ${selected.length} targets in ${groups.length} groups, ${CONNECTIONS} connections, ` +
    `${WARMUP} s warm-up + ${SECONDS} s each in ${ROUNDS} interleaved slices`,
);
let failures = 0;
const results = new Map<string, Measured>();
for (const group of groups) {
  try {
    const measured = await runGroup(selected.filter((target) => target.group === group));
    for (const [id, r] of measured) {
      results.set(id, r);
      console.log(
        `  ${id.padEnd(18)} ${r.okPerSecond.toFixed(0).padStart(7)} req/s  p99 ${String(r.p99).padStart(4)} ms` +
          (r.cpuPerRequest === undefined ? '' : `  server CPU ${r.cpuPerRequest.toFixed(0)} µs/req`) +
          (r.failed ? `  (${r.failed} failed: ${JSON.stringify(r.statuses)})` : ''),
      );
    }
  } catch (error) {
    failures += 1;
    console.log(`  group ${group} FAILED: ${error instanceof Error ? error.message : String(error)}`);
  }
}

console.log('\n| target | req/s | p99 ms | server CPU µs/req | failed |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const target of selected) {
  const r = results.get(target.id);
  if (!r) continue;
  console.log(
    `| ${target.label} | ${r.okPerSecond.toFixed(0)} | ${r.p99} | ${r.cpuPerRequest?.toFixed(0) ?? '–'} | ${r.failed} |`,
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
  {
    label: 'password grant, in-process limits ÷ bare argon2id verifies',
    of: 'password-memory',
    over: 'argon2',
  },
  { label: 'JWT introspection ÷ bare route', of: 'introspect', over: 'bare', target: 0.3 },
  {
    label: 'client_credentials RS256, in-process limits ÷ hand-rolled',
    of: 'cc-rs256-memory',
    over: 'hand-rs256',
  },
  { label: 'client_credentials RS256, Redis limits ÷ hand-rolled', of: 'cc-rs256-redis', over: 'hand-rs256' },
  { label: 'client_credentials EdDSA, Redis limits ÷ hand-rolled', of: 'cc-eddsa-redis', over: 'hand-eddsa' },
  {
    label: 'client_credentials EdDSA, in-process limits ÷ hand-rolled',
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
