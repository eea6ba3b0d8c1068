// 10,000 SMS through SmsSender to the sandbox's Tencent Cloud imitation (which checks every TC3
// signature) over loopback at concurrency 64, against a bare loop of the same signed requests
// (same signer, same keep-alive fetch, same server) in the same run. The sandbox runs in a worker
// thread so its CPU time does not land on the measured side.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { signTencentTc3 } from '@lingpai/auth-core';
import { createMemoryProvider, createTencentProvider, parsePhoneNumber, SmsSender } from '@lingpai/sms';
import { Bench } from 'tinybench';

const MESSAGES = 10_000;
const CONCURRENCY = 64;
const ROUNDS = 3;

interface Credentials {
  secretId: string;
  secretKey: string;
  smsSdkAppId: string;
}

// The sandbox runs in a worker thread (plain JS from its dist, so no TypeScript loader is needed there).
const SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { createSandbox } = await import(workerData.sandbox);
  const sandbox = await createSandbox({ sms: { perNumberPerMinute: 0 } });
  const url = await sandbox.listen();
  const { secretId, secretKey, smsSdkAppId } = sandbox.sms.config.tencent;
  parentPort.postMessage({ url, credentials: { secretId, secretKey, smsSdkAppId } });
  parentPort.on('message', async (message) => {
    if (message === 'clear') { sandbox.sms.clear(); parentPort.postMessage('cleared'); }
    if (message === 'close') { await sandbox.close(); process.exit(0); }
  });
})();
`;

await main();

function numberAt(index: number): string {
  return `+86138${String(index % 100_000_000).padStart(8, '0')}`;
}

/**
 * CPU milliseconds this thread has used (Linux: /proc/thread-self/stat, USER_HZ 100), or undefined.
 * On a shared machine throughput moves with other load; CPU per message on the client thread
 * (which is the one saturated here) moves much less.
 */
function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs `count` calls of `one(i)` with `CONCURRENCY` in flight; returns msgs/s, latencies and peak RSS. */
async function drive(count: number, one: (index: number) => Promise<void>, offset: number) {
  const latencies = new Float64Array(count);
  let next = 0;
  // RSS covers the whole process (the sandbox worker too); heapUsed is this (client) isolate only.
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 20);
  const cpuBefore = threadCpuMs();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        const t0 = performance.now();
        await one(offset + index);
        latencies[index] = performance.now() - t0;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const cpuAfter = threadCpuMs();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  latencies.sort();
  return {
    perSecond: (count / elapsed) * 1000,
    cpuUsPerMessage:
      cpuBefore === undefined || cpuAfter === undefined
        ? Number.NaN
        : ((cpuAfter - cpuBefore) * 1000) / count,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    peakRss,
    peakHeap,
  };
}

async function main(): Promise<void> {
  const worker = new Worker(SERVER, {
    eval: true,
    workerData: { sandbox: import.meta.resolve('@lingpai/sandbox') },
  });
  const { url, credentials } = await new Promise<{ url: string; credentials: Credentials }>((resolve) =>
    worker.once('message', resolve),
  );
  const clear = () =>
    new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.postMessage('clear');
    });

  const baseURL = `${url}/tencent`;
  const host = new URL(baseURL).host;
  const provider = createTencentProvider({ baseURL, ...credentials, signName: '令牌' });
  const sender = new SmsSender({ providers: [provider] });
  const template = { id: '1234', params: ['123456'] };

  // Baseline: the same request a hand-written client would make — sign, POST with a timeout, parse,
  // check Code. Its bytes on the wire are identical to the provider's (same signer options, headers,
  // body, URL; both use the global keep-alive dispatcher). The timeout is work any correct client
  // does (an SMS API that hangs must not hang the caller); without it the baseline skipped an
  // AbortController, a timer and a signal that undici has to follow on every request.
  const bare = async (index: number) => {
    const payload = JSON.stringify({
      PhoneNumberSet: [numberAt(index)],
      SmsSdkAppId: credentials.smsSdkAppId,
      TemplateId: '1234',
      TemplateParamSet: ['123456'],
      SignName: '令牌',
    });
    const signed = signTencentTc3(
      { host, service: 'sms', action: 'SendSms', version: '2021-01-11', region: 'ap-guangzhou', payload },
      credentials,
    );
    const { Host: _host, ...headers } = signed.headers;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    try {
      const response = await fetch(`${baseURL}/`, {
        method: 'POST',
        headers,
        body: payload,
        signal: controller.signal,
      });
      const body = JSON.parse(await response.text()) as {
        Response: { SendStatusSet?: { Code: string }[] };
      };
      if (body.Response.SendStatusSet?.[0]?.Code !== 'Ok') throw new Error('baseline send failed');
    } finally {
      clearTimeout(timer);
    }
  };
  const viaSender = async (index: number) => {
    await sender.send({ to: numberAt(index), template, signName: '令牌' });
  };

  // Warm up both paths (JIT, keep-alive connections).
  await drive(1000, bare, 0);
  await drive(1000, viaSender, 1000);
  await clear();

  const results = {
    bare: [] as Awaited<ReturnType<typeof drive>>[],
    sender: [] as Awaited<ReturnType<typeof drive>>[],
  };
  let offset = 10_000;
  for (let round = 0; round < ROUNDS; round += 1) {
    globalThis.gc?.();
    results.bare.push(await drive(MESSAGES, bare, offset));
    offset += MESSAGES;
    await clear();
    globalThis.gc?.();
    results.sender.push(await drive(MESSAGES, viaSender, offset));
    offset += MESSAGES;
    await clear();
  }
  const best = (list: Awaited<ReturnType<typeof drive>>[]) =>
    list.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const bareBest = best(results.bare);
  const senderBest = best(results.sender);
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  console.log(
    `${MESSAGES} messages, concurrency ${CONCURRENCY}, Tencent TC3 to the sandbox (signature checked), best of ${ROUNDS}`,
  );
  console.table({
    'bare signed fetch loop': {
      'msgs/s': Math.round(bareBest.perSecond),
      'p50 ms': bareBest.p50.toFixed(2),
      'p99 ms': bareBest.p99.toFixed(2),
      'client CPU µs/msg': median(results.bare.map((run) => run.cpuUsPerMessage)).toFixed(0),
      'peak client heap': mb(bareBest.peakHeap),
      'peak process RSS': mb(bareBest.peakRss),
    },
    'SmsSender + tencent provider': {
      'msgs/s': Math.round(senderBest.perSecond),
      'p50 ms': senderBest.p50.toFixed(2),
      'p99 ms': senderBest.p99.toFixed(2),
      'client CPU µs/msg': median(results.sender.map((run) => run.cpuUsPerMessage)).toFixed(0),
      'peak client heap': mb(senderBest.peakHeap),
      'peak process RSS': mb(senderBest.peakRss),
    },
  });
  const ratio = bareBest.perSecond / senderBest.perSecond;
  // Each round runs the two paths back to back, so a per-round ratio is less exposed to machine load.
  const perRound = results.bare.map(
    (bare, round) => bare.perSecond / (results.sender[round]?.perSecond ?? Number.NaN),
  );
  const cpuRatio =
    median(results.sender.map((run) => run.cpuUsPerMessage)) /
    median(results.bare.map((run) => run.cpuUsPerMessage));
  console.log(
    `RATIO (bare msgs/s ÷ SmsSender msgs/s): best-of ${ratio.toFixed(3)}×, median per round ${median(perRound).toFixed(3)}× (target ≤ 1.3×)`,
  );
  console.log(`RATIO (client CPU per message, SmsSender ÷ bare, median of rounds): ${cpuRatio.toFixed(3)}×`);

  // The sender's own cost per message, without HTTP: routing, breaker, attempts, phone parsing.
  const memory = createMemoryProvider({ limit: 10 });
  const memorySender = new SmsSender({ providers: [memory] });
  const parsed = parsePhoneNumber('+8613800138000');
  const bench = new Bench({ time: 1000 });
  let distinct = 0;
  bench
    // Validation against the full numbering plan is most of SmsSender's own cost. It runs hot here;
    // between real HTTP requests its caches are cold and it costs several times more.
    .add('parsePhoneNumber (distinct numbers, full validation)', () => {
      distinct += 1;
      parsePhoneNumber(numberAt(distinct));
    })
    .add('memory provider.send (pre-parsed number)', async () => {
      await memory.send({ to: parsed, template });
    })
    .add('SmsSender.send → memory provider (parse + route + breaker + attempts)', async () => {
      await memorySender.send({ to: '+8613800138000', template });
    });
  await bench.run();
  console.table(bench.table());
  const [, direct, routed] = bench.tasks.map((task) => task.result?.throughput?.mean ?? 0);
  if (direct && routed)
    console.log(`RATIO (direct ÷ via SmsSender, no HTTP): ${(direct / routed).toFixed(2)}×`);

  worker.postMessage('close');
  await new Promise((resolve) => worker.once('exit', resolve));
}
