import type { FastifyInstance } from 'fastify';
import type { SandboxSmsMessage, SmsInbox } from './inbox.js';

/** Where a person reads the SMS inbox in a browser (the JSON stays at `/__sandbox/sms/messages`). */
export const SMS_INBOX_PAGE_PATH = '/__sandbox/sms/inbox';

/** Seconds between the page's reloads: a code sent from another tab shows up without a click. */
const REFRESH_SECONDS = 3;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The code a person is looking for: the template's `code` parameter, else the first 4–8 digits. */
function codeOf(message: SandboxSmsMessage): string | undefined {
  const params = message.params;
  if (params !== undefined && !Array.isArray(params)) {
    const code = (params as Readonly<Record<string, string>>).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return /(?<!\d)\d{4,8}(?!\d)/.exec(message.text)?.[0];
}

function row(message: SandboxSmsMessage): string {
  const code = codeOf(message);
  return `<tr><td><time datetime="${escapeHtml(message.time)}">${escapeHtml(message.time.slice(11, 19))}</time></td>
<td>${escapeHtml(message.to)}</td><td>${escapeHtml(message.provider)}</td>
<td class="code">${code === undefined ? '' : escapeHtml(code)}</td><td>${escapeHtml(message.text)}</td></tr>`;
}

/**
 * Renders the inbox as a page: newest first, the code in its own column, reloading itself every few
 * seconds. Plain HTML with no script, so it works under any policy and reads well in any browser.
 */
export function renderInboxPage(messages: readonly SandboxSmsMessage[], to: string | undefined): string {
  const rows = [...messages].reverse().map(row).join('\n');
  const title = to === undefined ? 'SMS inbox' : `SMS inbox — ${to}`;
  const body =
    messages.length === 0
      ? '<p>No messages yet. Ask for a code and it appears here.</p>'
      : `<table><thead><tr><th>time (UTC)</th><th>to</th><th>via</th><th>code</th><th>text</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}.code{font:700 1.25rem ui-monospace,monospace;letter-spacing:.1em}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>Every SMS the sandbox's providers accepted, newest first (this page reloads every ${REFRESH_SECONDS} s; JSON: <a href="/__sandbox/sms/messages">/__sandbox/sms/messages</a>).</p>
${body}
</body></html>`;
}

/** `GET /__sandbox/sms/inbox[?to=&provider=]`: the inbox for people. */
export function registerInboxPage(app: FastifyInstance, inbox: SmsInbox): void {
  app.get<{ Querystring: { to?: string; provider?: string } }>(
    SMS_INBOX_PAGE_PATH,
    async (request, reply) => {
      const { to, provider } = request.query;
      const messages = inbox.list({ to, provider });
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(renderInboxPage(messages, to === undefined || to === '' ? undefined : to));
    },
  );
}
