// Bare argon2id verifies: the same `argon2` package and parameters as the password grant, `concurrency`
// verifications always in flight (as many as the HTTP targets' connections), no server, no HTTP.
import argon2 from 'argon2';
import { DEFAULT_ARGON2 } from '../../src/config.js';
import type { LoadResult } from './load.js';
import { configOf } from './protocol.js';

const { concurrency, warmupSeconds, seconds } = configOf<{
  concurrency: number;
  warmupSeconds: number;
  seconds: number;
}>();
const PASSWORD = 'Bench-Password-123!';
const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...DEFAULT_ARGON2 });

async function run(durationSeconds: number): Promise<{ latencies: number[]; elapsed: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + durationSeconds * 1_000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        if (!(await argon2.verify(hash, PASSWORD))) throw new Error('verify failed');
        if (performance.now() <= end) latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, elapsed: (performance.now() - started) / 1_000 };
}

if (warmupSeconds > 0) await run(warmupSeconds);
const { latencies } = await run(seconds);
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
const output: LoadResult = {
  ok: latencies.length,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  seconds,
  okPerSecond: latencies.length / seconds,
  p50: at(0.5),
  p99: at(0.99),
  statuses: {},
  total: 0,
};
process.stdout.write(`RESULT ${JSON.stringify(output)}\n`);
