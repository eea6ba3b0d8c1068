// A child that runs measurement slices on command: one JSON line on stdin per slice, one
// `RESULT {json}` line on stdout per answer. Keeping the process alive between slices lets the
// orchestrator interleave targets (a b c a b c …) without paying a process start per slice.
import { createInterface } from 'node:readline';

export function serveCommands<C>(run: (command: C) => Promise<unknown>): void {
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    queue = queue.then(async () => {
      const result = await run(JSON.parse(line) as C);
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    });
  });
  lines.on('close', () => void queue.then(() => process.exit(0)));
}
