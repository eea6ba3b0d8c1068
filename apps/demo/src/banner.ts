import type { SandboxSmsMessage } from '@lingpai/sandbox';
import { DEMO_CLIENT_ID, DEMO_USER, SANDBOX_PERSON } from './demo-accounts.js';
import type { RunningDemo } from './start-demo.js';

/** The code in one message: its template's `code` parameter, else its first run of 4–8 digits. */
function codeOf(message: SandboxSmsMessage): string | undefined {
  const params = message.params;
  if (params !== undefined && !Array.isArray(params)) {
    const code = (params as Readonly<Record<string, string>>).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return /(?<!\d)\d{4,8}(?!\d)/.exec(message.text)?.[0];
}

/** What a newcomer reads after `pnpm demo`: where to go, who to be, what to click. */
export function bannerLines(demo: RunningDemo): string[] {
  const { urls } = demo;
  return [
    'lingpai demo: the token server and its login page, with a sandbox of every platform, on this machine',
    '(PGlite in memory, memory stores: nothing to install, nothing kept after Ctrl-C)',
    '',
    `  Login page   ${urls.loginPage}`,
    `  SMS inbox    ${urls.smsInbox}   (codes sent by SMS land here, and below)`,
    `  Demo user    phone ${DEMO_USER.phoneNumber} · username ${DEMO_USER.username} · password ${DEMO_USER.password}`,
    `               email ${DEMO_USER.email} (emailed codes are printed below)`,
    `  Sandbox      ${demo.sandboxUrl}   (WeChat, GitHub, Aliyun, Tencent … imitated)`,
    '',
    'Open the login page and sign in one of three ways:',
    `  • SMS code   tab "SMS code" → phone ${DEMO_USER.phoneNumber} → "Send code" → the code from the SMS inbox → "Sign in"`,
    `  • Password   tab "Password" → ${DEMO_USER.username} (or the phone, or the email) and ${DEMO_USER.password} → "Sign in"`,
    `  • WeChat     "Continue with WeChat" → where the QR code would be, the sandbox's WeChat page: pick a person (e.g. ${SANDBOX_PERSON.wechat}) → "Allow"`,
    '               (a new account is made on a first WeChat login; "Continue with GitHub" works the same way)',
    `  (tab "Email code" works too: ${DEMO_USER.email}, the code is printed below)`,
    'You land on "Your account": who you are, your sessions (sign out one device or all), and the tokens decoded.',
    '',
    `Headless, the same flows through @lingpai/auth-client: pnpm demo --once   (demo app client: ${DEMO_CLIENT_ID})`,
    'Ctrl-C stops everything.',
    '',
    'Codes as they are delivered:',
  ];
}

/** Prints every SMS and email the demo's sandbox and SMTP server receive, as they arrive. */
export function watchDeliveries(demo: RunningDemo, print: (line: string) => void): () => void {
  let seen = demo.sandbox.sms.messages().length;
  const time = (date: Date) => date.toISOString().slice(11, 19);
  // The sandbox has no arrival event; a short unref'd poll of its in-process inbox is enough here.
  const timer = setInterval(() => {
    const messages = demo.sandbox.sms.messages();
    for (const message of messages.slice(seen)) {
      const code = codeOf(message);
      print(
        `  ${time(new Date(message.time))}  SMS to ${message.to} via ${message.provider}: ${message.text}${code === undefined ? '' : `   → code ${code}`}`,
      );
    }
    seen = messages.length;
  }, 300);
  timer.unref();
  const unsubscribe = demo.mail.onMail((mail) =>
    print(
      `  ${time(mail.time)}  email to ${mail.to.join(', ')}: ${mail.subject}${mail.code === undefined ? '' : `   → code ${mail.code}`}`,
    ),
  );
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
