import { attachRaw } from '../attempt.js';
import type { SmsRequest } from '../message.js';
import type { SmsProvider, SmsProviderCapabilities, SmsProviderResult } from '../provider.js';
import { renderContent, resolveTemplateId } from '../template.js';

export interface ConsoleProviderOptions {
  name?: string;
  /** Where lines go. Default `console.log`. */
  log?: (line: string) => void;
}

/**
 * Prints each message instead of sending it: the demo default, so a newcomer sees the code in the
 * terminal without any SMS account.
 */
export function createConsoleProvider(options: ConsoleProviderOptions = {}): SmsProvider {
  const name = options.name ?? 'console';
  const log = options.log ?? ((line: string) => console.log(line));
  const capabilities: SmsProviderCapabilities = { template: true, content: true };
  let sequence = 0;
  const provider: SmsProvider = {
    name,
    kind: 'console',
    capabilities,
    async send(request: SmsRequest): Promise<SmsProviderResult> {
      sequence += 1;
      const template = request.template;
      const source = template?.content ?? request.content;
      const parts = [`[sms:${name}] to ${request.to.e164}`];
      if (request.signName !== undefined) parts.push(`【${request.signName}】`);
      if (source !== undefined) parts.push(renderContent(source, template?.params));
      else if (template !== undefined) {
        parts.push(`template ${resolveTemplateId(template, provider, request.to) ?? '(none)'}`);
        if (template.params !== undefined) parts.push(JSON.stringify(template.params));
      }
      const line = parts.join(' ');
      log(line);
      const messageId = `console-${sequence}`;
      return attachRaw({ provider: name, messageId, to: request.to.e164, status: 'sent' as const }, line);
    },
  };
  return provider;
}
