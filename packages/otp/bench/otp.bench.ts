// Verification-code and TOTP throughput, each against a baseline measured in the same run:
// - VerificationService.verify() on MemoryOtpStore and on RedisOtpStore. For memory the baseline is a
//   straight-line Map + HMAC + timingSafeEqual check; for Redis it is a bare GET on the same
//   connection (verify = one script either way; a right code adds two HMACs that name and tag the
//   token). RATIO = baseline ops/s ÷ task ops/s.
// - verifyTotp() (window [1,1] = 3 HMACs, constant-time compare over all) against a straight-line
//   node:crypto HOTP check of one step.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  generateSecret,
  MemoryOtpStore,
  type OtpStore,
  totp,
  type VerificationChannel,
  VerificationService,
  verifyTotp,
} from '@lingpai/otp';
import { createRedisClient, RedisOtpStore } from '@lingpai/redis';
import { Bench } from 'tinybench';

const SECRET = 'bench-secret-0123456789abcdef-0123456789';
const codes = new Map<string, string>();
const inbox: VerificationChannel = {
  recipientKind: 'email',
  async deliver(message) {
    codes.set(message.verificationId, message.code);
  },
};

function serviceOn(store: OtpStore): VerificationService {
  // Caps and cooldown off so the bench measures verify, not the limits refusing sends.
  return new VerificationService({
    secret: SECRET,
    store,
    channels: { email: inbox },
    cooldownSeconds: 0,
    maxAttempts: 1_000_000_000,
    limits: { perRecipient: [], perIp: [], global: [] },
  });
}

const unusedStore = new MemoryOtpStore({ maxEntries: 1 });
let sink = 0;
let counter = 0;
// Each task phase (warm-up, run) gets a fresh service and store, dropped afterwards: every right-code
// iteration leaves a used record behind (kept ~20 min so a late verify says "used"), and a heap full
// of them would slow the tasks measured after it (the Redis GET baseline among them).
function verifyTasks(bench: Bench, label: string, makeStore: () => OtpStore): void {
  let otp = serviceOn(makeStore());
  const fresh = () => {
    otp = serviceOn(makeStore());
  };
  const release = () => {
    otp = serviceOn(unusedStore);
    // `pnpm bench` runs with --expose-gc: collect now, not in the middle of the next task.
    (globalThis as { gc?: () => void }).gc?.();
  };
  let pending = { id: '', code: '' };
  bench.add(
    `${label}: verify, right code`,
    async () => {
      sink += (await otp.verify({ verificationId: pending.id, code: pending.code })).verificationToken.length;
    },
    {
      beforeAll: fresh,
      afterAll: release,
      beforeEach: async () => {
        counter += 1;
        const { verificationId } = await otp.send({ to: `user${counter}@example.com`, channel: 'email' });
        pending = { id: verificationId, code: codes.get(verificationId) ?? '' };
        codes.delete(verificationId);
      },
    },
  );
  let wrongId = '';
  bench.add(
    `${label}: verify, wrong code`,
    async () => {
      try {
        await otp.verify({ verificationId: wrongId, code: 'XXXXXX' });
      } catch {
        sink += 1;
      }
    },
    {
      afterAll: release,
      beforeAll: async () => {
        fresh();
        counter += 1;
        wrongId = (await otp.send({ to: `wrong${counter}@example.com`, channel: 'email' })).verificationId;
      },
    },
  );
}

const redisUrl = process.env.REDIS_URL;
const client = redisUrl === undefined ? undefined : createRedisClient(redisUrl);
const prefix = `bench:otp:${process.pid}:`;
const getKey = `${prefix}get-baseline`;

const bench = new Bench({ time: 2_000, warmupTime: 300 });

// The least an in-process verify can do: find the record, count the try, HMAC the input, compare in
// constant time, consume it and mint a random token. No limits, no sealing, no key derivation.
const hmacKey = randomBytes(32);
const BASELINE_CODE = '123456';
const records = new Map<string, { hash: Buffer; attempts: number }>();
let straightId = '';
bench.add(
  'memory: straight-line Map + HMAC verify (baseline)',
  () => {
    const record = records.get(straightId);
    if (record === undefined) throw new Error('baseline record missing');
    record.attempts += 1;
    const given = createHmac('sha256', hmacKey).update(`${straightId}\0${BASELINE_CODE}`).digest();
    if (!timingSafeEqual(given, record.hash)) throw new Error('baseline mismatch');
    records.delete(straightId);
    sink += randomBytes(32).toString('base64url').length;
  },
  {
    beforeEach: () => {
      straightId = randomBytes(16).toString('base64url');
      const hash = createHmac('sha256', hmacKey).update(`${straightId}\0${BASELINE_CODE}`).digest();
      records.set(straightId, { hash, attempts: 0 });
    },
  },
);
// Room for a fast machine's whole phase, where the default 100,000 would fail the bench closed.
verifyTasks(bench, 'memory', () => new MemoryOtpStore({ maxEntries: 2_000_000 }));
if (client !== undefined) {
  await client.set(getKey, 'x'.repeat(64), 'PX', 600_000);
  bench.add('redis: bare GET (baseline)', async () => {
    sink += (await client.get(getKey))?.length ?? 0;
  });
  verifyTasks(bench, 'redis', () => new RedisOtpStore({ client, keyPrefix: prefix }));
}

// TOTP.
const secret = generateSecret();
const token = totp(secret);
function straightLineHotp(key: Uint8Array, step: number, digits: number): string {
  const message = Buffer.alloc(8);
  message.writeUInt32BE(Math.floor(step / 2 ** 32), 0);
  message.writeUInt32BE(step >>> 0, 4);
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[19] ?? 0) & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
}
bench.add('totp: straight-line node:crypto HOTP, 1 step (baseline)', () => {
  const step = Math.floor(Date.now() / 30_000);
  const expected = Buffer.from(straightLineHotp(secret, step, 6));
  const given = Buffer.from(token);
  sink += given.length === expected.length && timingSafeEqual(given, expected) ? 1 : 0;
});
bench.add('totp: verifyTotp, window [1,1], no store', async () => {
  sink += (await verifyTotp({ secret, token, replayGuard: false })).valid ? 1 : 0;
});

await bench.run();

const opsOf = (name: string): number => {
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('throughput' in result) || result.throughput === undefined) {
    throw new Error(`no result for ${name}: ${String((result as { error?: unknown } | undefined)?.error)}`);
  }
  return result.throughput.mean;
};
const baselineFor = (name: string): string | undefined => {
  if (name.startsWith('memory:')) return 'memory: straight-line Map + HMAC verify (baseline)';
  if (name.startsWith('redis:')) return 'redis: bare GET (baseline)';
  if (name.startsWith('totp:')) return 'totp: straight-line node:crypto HOTP, 1 step (baseline)';
  return undefined;
};
const rows = bench.tasks.map((task) => {
  const base = baselineFor(task.name);
  return {
    task: task.name,
    'ops/s': Math.round(opsOf(task.name)),
    'µs/op': (1e6 / opsOf(task.name)).toFixed(1),
    RATIO: base === undefined ? '—' : (opsOf(base) / opsOf(task.name)).toFixed(2),
  };
});
console.table(rows);
console.log('| task | ops/s | µs/op | ratio vs baseline |');
console.log('| --- | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(`| ${row.task} | ${row['ops/s'].toLocaleString('en')} | ${row['µs/op']} | ${row.RATIO} |`);
}
if (client !== undefined) {
  const keys = await client.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  await client.quit();
} else {
  console.log('REDIS_URL not set: Redis rows skipped.');
}
if (sink === 0) console.log('(sink)');
