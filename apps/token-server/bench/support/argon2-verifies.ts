// Bare argon2id verifies: the same `argon2` package and parameters as the password grant, with
// `concurrency` verifications always in flight (as many as the HTTP targets' connections), no
// server, no HTTP. Runs slices on command like the load generator (support/commands.ts).
import argon2 from 'argon2';
import { DEFAULT_ARGON2 } from '../../src/config.js';
import { serveCommands } from './commands.js';
import type { SliceResult } from './load.js';

const PASSWORD = 'Bench-Password-123!';
const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...DEFAULT_ARGON2 });

serveCommands<{ concurrency: number; seconds: number }>(async ({ concurrency, seconds }) => {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1_000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        if (!(await argon2.verify(hash, PASSWORD))) throw new Error('verify failed');
        // Like autocannon, count what completed within the slice.
        if (performance.now() <= end) latencies.push(performance.now() - t);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const slice: SliceResult = {
    ok: latencies.length,
    failed: 0,
    seconds,
    p50: at(0.5),
    p99: at(0.99),
    statuses: {},
    cpuMicros: used.user + used.system,
  };
  return slice;
});
