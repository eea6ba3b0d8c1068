// `pnpm demo`: starts the sandbox (every platform lingpai talks to, imitated locally), runs the tour,
// then keeps the sandbox up so you can open its pages. `--once` exits after the tour.
import { createSandbox } from '@lingpai/sandbox';
import { runTour } from './tour.js';

const once = process.argv.includes('--once');
const port = Number(process.env.PORT ?? (once ? 0 : 4010));

const sandbox = await createSandbox();
const base = await sandbox.listen({ port });
console.log(`lingpai sandbox at ${base}\n`);
try {
  await runTour(sandbox, base, (line) => console.log(line));
} catch (error) {
  console.error('\nThe tour failed:', error);
  await sandbox.close();
  process.exit(1);
}

if (once) {
  await sandbox.close();
} else {
  console.log(`
Try it yourself (Ctrl-C to stop):
  WeChat login page  ${base}/wechat/connect/qrconnect?appid=wx5a1d0c0000000001&redirect_uri=${encodeURIComponent('http://127.0.0.1:3000/callback')}&response_type=code&scope=snsapi_login&state=x
  SMS inbox          ${base}/__sandbox/sms/messages
  Token fetch counts ${base}/__sandbox/oauth/stats`);
  const stop = async () => {
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
