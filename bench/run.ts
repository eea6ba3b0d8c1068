// Runs every benchmark script (packages/*/bench/*.bench.ts, apps/*/bench/*.bench.ts) one after the
// other, each in its own process so one bench's heap and sockets never skew the next.
// `pnpm bench` builds first; `pnpm bench sms` runs only the benches whose path contains "sms".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2];
const files: string[] = [];
for (const group of ['packages', 'apps']) {
  const groupDir = join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const name of readdirSync(groupDir).sort()) {
    const benchDir = join(groupDir, name, 'bench');
    if (!existsSync(benchDir)) continue;
    for (const file of readdirSync(benchDir).sort()) {
      if (file.endsWith('.bench.ts')) files.push(join(benchDir, file));
    }
  }
}
const selected = filter === undefined ? files : files.filter((file) => file.includes(filter));
let failed = 0;
for (const file of selected) {
  console.log(`\n=== ${file.slice(root.length)} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file], {
    stdio: 'inherit',
    env: { REDIS_URL: 'redis://127.0.0.1:6379', ...process.env },
  });
  if (result.status !== 0) failed += 1;
}
console.log(`\n${selected.length - failed} benches ran, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
