import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { registerAliyun } from './aliyun.js';
import { registerAwsSns } from './aws-sns.js';
import {
  resolveSmsConfig,
  type SandboxReportStatus,
  type SandboxSmsConfig,
  type SandboxSmsOptions,
} from './config.js';
import { PerNumberFlowControl } from './flow-control.js';
import { registerHuawei } from './huawei.js';
import { type InboxFilter, type SandboxSmsMessage, SmsInbox } from './inbox.js';
import { registerInboxPage } from './inbox-page.js';
import { registerMocean } from './mocean.js';
import { type PostedReport, ReportPoster } from './report-poster.js';
import { type SandboxSmppServer, type SandboxSmppServerOptions, startSmppServer } from './smpp-server.js';
import { NonceLog, type SmsContext } from './sms-context.js';
import { registerTencent } from './tencent.js';
import { registerTwilio } from './twilio.js';
import { registerVolcengine } from './volcengine.js';
import { registerVonage } from './vonage.js';

/** Providers whose report URL is an account setting rather than a per-message parameter. */
export type SandboxReportUrlProvider = 'aliyun' | 'tencent' | 'vonage';

const REPORT_STATUSES: readonly SandboxReportStatus[] = ['delivered', 'failed', 'expired', 'none'];
const REPORT_URL_PROVIDERS: readonly SandboxReportUrlProvider[] = ['aliyun', 'tencent', 'vonage'];

/** The SMS side of a running sandbox, for tests and the demo. */
export interface SandboxSms {
  /** The accounts, keys, signs and templates in force. */
  readonly config: SandboxSmsConfig;
  /** Messages accepted so far, oldest first; filter by recipient (E.164) and provider. */
  messages(filter?: InboxFilter): SandboxSmsMessage[];
  /** The newest message to `to`. */
  last(to: string): SandboxSmsMessage | undefined;
  /** The verification code in the newest message to `to` (its `code` param, else its first 4–8 digits). */
  lastCode(to: string): string | undefined;
  /** Empties the inbox, the report log and the flow-control counters. */
  clear(): void;
  /** What the next delivery reports say (`none` posts nothing). */
  setReportStatus(status: SandboxReportStatus): void;
  /** Sets (or with `undefined` removes) a provider's account-level report URL. */
  setReportUrl(provider: SandboxReportUrlProvider, url: string | undefined): void;
  /** Delivery reports posted so far, with the receiver's answers. */
  reports(): PostedReport[];
  /** Resolves once every scheduled delivery report has been posted. */
  reportsSettled(): Promise<void>;
  /** Starts an SMPP server (SMSC) feeding the same inbox; closed with the sandbox. */
  startSmpp(options?: SandboxSmppServerOptions): Promise<SandboxSmppServer>;
}

/** Registers every SMS provider imitation plus the inbox routes under `/__sandbox/sms`. */
export async function registerSmsSandbox(
  app: FastifyInstance,
  context: SandboxContext,
  options: SandboxSmsOptions = {},
): Promise<SandboxSms> {
  const config = resolveSmsConfig(options);
  const inbox = new SmsInbox();
  let reportStatus = config.reportStatus;
  const reportUrls = new Map<string, string>();
  for (const provider of REPORT_URL_PROVIDERS) {
    const url = config[provider].reportUrl;
    if (url !== undefined) reportUrls.set(provider, url);
  }
  const sms: SmsContext = {
    sandbox: context,
    config,
    inbox,
    flow: new PerNumberFlowControl(context.clock, () => config.perNumberPerMinute),
    reports: new ReportPoster(() => config.reportDelayMs),
    nonces: new NonceLog(),
    reportStatus: () => reportStatus,
    reportUrls,
    deliver(message) {
      const stored = { ...message, time: new Date(context.clock.now()).toISOString() };
      inbox.add(stored);
      return stored;
    },
  };

  registerAliyun(app, sms);
  registerTencent(app, sms);
  registerTwilio(app, sms);
  registerMocean(app, sms);
  registerHuawei(app, sms);
  registerVolcengine(app, sms);
  registerVonage(app, sms);
  registerAwsSns(app, sms);

  app.get<{ Querystring: { to?: string; provider?: string } }>(
    '/__sandbox/sms/messages',
    async (request) => ({
      messages: inbox.list({ to: request.query.to, provider: request.query.provider }),
    }),
  );
  registerInboxPage(app, inbox);
  app.delete('/__sandbox/sms/messages', async () => {
    inbox.clear();
    return { ok: true };
  });
  app.get<{ Querystring: { to: string } }>('/__sandbox/sms/code', async (request, reply) => {
    const code = inbox.lastCode(request.query.to ?? '');
    if (code === undefined) return reply.code(404).send({ error: 'no message to this number' });
    return { code };
  });
  app.get('/__sandbox/sms/reports', async () => ({ reportStatus, reports: sms.reports.log() }));
  app.put<{ Body: { status?: string; provider?: string; url?: string | null } }>(
    '/__sandbox/sms/reports',
    async (request, reply) => {
      const body = request.body ?? {};
      if (body.status !== undefined) {
        if (!REPORT_STATUSES.includes(body.status as SandboxReportStatus)) {
          return reply.code(400).send({ error: `status must be one of ${REPORT_STATUSES.join(', ')}` });
        }
        reportStatus = body.status as SandboxReportStatus;
      }
      if (body.provider !== undefined) {
        if (!REPORT_URL_PROVIDERS.includes(body.provider as SandboxReportUrlProvider)) {
          return reply
            .code(400)
            .send({ error: `provider must be one of ${REPORT_URL_PROVIDERS.join(', ')}` });
        }
        if (typeof body.url === 'string') reportUrls.set(body.provider, body.url);
        else reportUrls.delete(body.provider);
      }
      return { ok: true, reportStatus };
    },
  );

  const smppServers = new Set<SandboxSmppServer>();
  app.addHook('onClose', async () => {
    await Promise.all([...smppServers].map((server) => server.close()));
  });

  return {
    config,
    messages: (filter) => inbox.list(filter),
    last: (to) => inbox.last(to),
    lastCode: (to) => inbox.lastCode(to),
    clear() {
      inbox.clear();
      sms.reports.clear();
      sms.flow.clear();
    },
    setReportStatus(status) {
      reportStatus = status;
    },
    setReportUrl(provider, url) {
      if (url === undefined) reportUrls.delete(provider);
      else reportUrls.set(provider, url);
    },
    reports: () => sms.reports.log(),
    reportsSettled: () => sms.reports.settled(),
    async startSmpp(smppOptions) {
      const server = await startSmppServer(sms, smppOptions);
      smppServers.add(server);
      const close = server.close;
      return {
        ...server,
        close: async () => {
          smppServers.delete(server);
          await close();
        },
      };
    },
  };
}
