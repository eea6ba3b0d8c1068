import { createSandbox, type Sandbox } from '@lingpai/sandbox';

export interface RunningSandbox {
  sandbox: Sandbox;
  url: string;
  /** Messages in the sandbox inbox, read over HTTP as a user would. */
  inbox(filter?: { to?: string; provider?: string }): Promise<InboxMessage[]>;
}

export interface InboxMessage {
  provider: string;
  messageId: string;
  to: string;
  text?: string;
  sign?: string;
  templateId?: string;
  params?: Record<string, string> | string[];
  from?: string;
}

export async function startSandbox(): Promise<RunningSandbox> {
  const sandbox = await createSandbox();
  const url = await sandbox.listen();
  return {
    sandbox,
    url,
    async inbox(filter = {}) {
      const query = new URLSearchParams(
        Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      const response = await fetch(`${url}/__sandbox/sms/messages?${query}`);
      const body = (await response.json()) as { messages: InboxMessage[] };
      return body.messages;
    },
  };
}

let counter = 0;
/** A fresh valid mainland mobile number per call (the sandbox limits sends per number per minute). */
export function cnNumber(): string {
  counter += 1;
  return `+86138${String(10_000_000 + counter).slice(-8)}`;
}

/** A fresh valid US number per call. */
export function usNumber(): string {
  counter += 1;
  return `+1201555${String(1000 + (counter % 9000)).padStart(4, '0')}`;
}
