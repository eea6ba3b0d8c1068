// `pnpm demo`: the whole product on this machine — the sandbox (every platform, imitated), the token
// server on PGlite in memory with its login page, a demo user and a demo app — then waits for you to
// sign in. `pnpm demo --once` runs every sign-in headless through @lingpai/auth-client and exits.
import { bannerLines, watchDeliveries } from './banner.js';
import { DemoError } from './demo-error.js';
import { readDemoSettings } from './demo-settings.js';
import { type RunningDemo, startDemo } from './start-demo.js';

const say = (line: string) => console.log(line);
const fail = (message: string) => process.stderr.write(`pnpm demo: ${message}\n`);

let settings: ReturnType<typeof readDemoSettings>;
try {
  settings = readDemoSettings(process.argv.slice(2), process.env);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
  process.exit(2);
}

let demo: RunningDemo;
try {
  demo = await startDemo(settings);
} catch (error) {
  fail(
    error instanceof DemoError
      ? error.message
      : `could not start: ${error instanceof Error ? error.stack : error}`,
  );
  process.exit(1);
}

if (settings.once) {
  let ok = false;
  try {
    say(
      'lingpai demo --once: every sign-in of the login page, headless, over HTTP through @lingpai/auth-client',
    );
    say(`  token server ${demo.issuer} · sandbox ${demo.sandboxUrl} · PGlite in memory`);
    say('');
    // Loaded only here: the interactive demo needs neither the client nor the tour.
    const [{ runSignInFlows }, { runTour }] = await Promise.all([
      import('./sign-in-flows.js'),
      import('./tour.js'),
    ]);
    await runSignInFlows(demo, say);
    say('');
    say('The packages underneath, on the same sandbox:');
    await runTour(demo.sandbox, demo.sandboxUrl, (line) => say(`  ${line}`));
    say('');
    say('Everything worked. Run `pnpm demo` (without --once) to click through the login page yourself.');
    ok = true;
  } catch (error) {
    fail(
      error instanceof DemoError
        ? `--once failed at ${error.message}`
        : `--once failed: ${error instanceof Error ? error.stack : error}`,
    );
  } finally {
    await demo.close();
  }
  process.exitCode = ok ? 0 : 1;
} else {
  for (const line of bannerLines(demo)) say(line);
  // Watching starts with the banner, before anything is awaited: a code asked for the moment the
  // URLs appear must be printed too.
  const stopWatching = watchDeliveries(demo, say);
  // Started without the root script (which builds it), the page may be missing: say so up front.
  const page = await fetch(demo.urls.loginPage).catch(() => undefined);
  await page?.body?.cancel();
  if (page?.status !== 200) {
    fail(
      'the login page is not built yet: run `pnpm demo` from the repository root (it builds it first), or `pnpm --filter @lingpai/login-page build` — this server picks it up without a restart',
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    stopWatching();
    say(`\n${signal}: stopping the token server, the sandbox and the mail server…`);
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        fail(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
