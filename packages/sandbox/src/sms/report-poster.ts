import type { SandboxSmsProvider } from './inbox.js';

/** A delivery report the sandbox is about to post, already in the provider's own format. */
export interface OutgoingReport {
  provider: SandboxSmsProvider;
  messageId: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  method?: 'POST' | 'PUT' | 'GET';
}

/** What happened to a posted report: the receiver's answer, or the network error. */
export interface PostedReport extends OutgoingReport {
  responseStatus?: number;
  responseBody?: string;
  error?: string;
}

/**
 * Posts delivery reports after the send has been answered, as the platforms do, and keeps a log.
 * `settled()` lets a test wait until every scheduled report has reached its receiver.
 */
export class ReportPoster {
  readonly #pending = new Set<Promise<void>>();
  readonly #log: PostedReport[] = [];
  readonly #delayMs: () => number;

  constructor(delayMs: () => number) {
    this.#delayMs = delayMs;
  }

  /** Posts `reports` one after another (a provider's successive status callbacks arrive in order). */
  schedule(...reports: OutgoingReport[]): void {
    const delay = this.#delayMs();
    const task = new Promise<void>((resolve) => setTimeout(resolve, delay))
      .then(async () => {
        for (const report of reports) await this.#post(report);
      })
      .finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  log(): PostedReport[] {
    return [...this.#log];
  }

  clear(): void {
    this.#log.length = 0;
  }

  async #post(report: OutgoingReport): Promise<void> {
    const method = report.method ?? 'POST';
    try {
      const response = await fetch(report.url, {
        method,
        headers: report.headers,
        body: method === 'GET' ? undefined : report.body,
        signal: AbortSignal.timeout(10_000),
      });
      this.#log.push({ ...report, responseStatus: response.status, responseBody: await response.text() });
    } catch (error) {
      this.#log.push({ ...report, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `2017-01-01 00:00:00` in Beijing time (UTC+8), the format Aliyun and Tencent reports use. */
export function beijingTime(epochMs: number): string {
  const date = new Date(epochMs + 8 * 3_600_000);
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

/** `2018-10-25 12:10:29` in UTC (Vonage `message-timestamp`). */
export function utcSpaced(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** `yyMMddHHmm` in UTC (Vonage `scts`, SMPP receipt dates). */
export function utcCompact(epochMs: number): string {
  const date = new Date(epochMs);
  return (
    pad(date.getUTCFullYear() % 100) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes())
  );
}
