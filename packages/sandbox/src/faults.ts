import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAUTH_PLATFORMS } from './oauth/types.js';
import { SandboxError } from './sandbox-error.js';

/** The SMS imitations faults apply to (`smpp` is the SMSC's `submit_sm`). */
export const SMS_FAULT_TARGETS = [
  'aliyun',
  'tencent',
  'twilio',
  'mocean',
  'huawei',
  'volcengine',
  'vonage',
  'aws-sns',
  'smpp',
] as const;

/** Every target `FaultSwitches` accepts: the SMS providers and the OAuth platforms. */
export const FAULT_TARGETS: readonly string[] = [...SMS_FAULT_TARGETS, ...OAUTH_PLATFORMS];

const FAULT_FIELDS = ['latencyMs', 'status', 'reset', 'hang', 'malformed', 'quota', 'times'] as const;

/**
 * A fault injected into one sandbox target (a provider such as `aliyun`, or a platform such as
 * `wechat`). Every field is independent; a request meets them in the order declared here.
 */
export interface Fault {
  /** Delay before answering, in milliseconds. */
  latencyMs?: number;
  /** Answer with this 5xx status and an HTML body, as a gateway in front of the platform would. */
  status?: number;
  /** Destroy the socket without answering (the client sees a connection reset). */
  reset?: boolean;
  /** Never answer; the client's own timeout decides. */
  hang?: boolean;
  /** Answer 200 with a body that is not valid JSON. */
  malformed?: boolean;
  /** The platform's own quota / flow-control / balance error, in its own shape (each target decides). */
  quota?: boolean;
  /** Apply only to the next N requests, then clear itself. Default: until cleared. */
  times?: number;
}

/** Per-target fault switches, shared by the SMS and OAuth sides of the sandbox. */
export class FaultSwitches {
  readonly #faults = new Map<string, Fault>();
  readonly #hanging = new Set<FastifyReply>();

  /**
   * Sets the fault for `target`, replacing any other. Throws `SandboxError('SANDBOX_CONFIG_INVALID')`
   * for a target that no imitation reads (`'aliyn'`, `'sms'`) or a malformed fault: either would
   * leave the test running against a healthy imitation while it believes a fault is set.
   */
  set(target: string, fault: Fault): void {
    checkTarget(target);
    this.#faults.set(target, checkFault(target, fault));
  }

  get(target: string): Fault | undefined {
    return this.#faults.get(target);
  }

  clear(target?: string): void {
    if (target === undefined) this.#faults.clear();
    else {
      checkTarget(target);
      this.#faults.delete(target);
    }
  }

  list(): Record<string, Fault> {
    return Object.fromEntries(this.#faults);
  }

  /**
   * Applies the generic faults for `target`. Returns true when the reply has been taken over
   * (the route must not answer); returns false to let the route answer normally. A `quota` fault
   * is left for the route, which knows the platform's error shape: read it with `takeQuota`.
   */
  async apply(target: string, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const fault = this.#faults.get(target);
    if (fault === undefined) return false;
    const takesOver = fault.reset || fault.hang || fault.status !== undefined || fault.malformed;
    // A quota fault that lets the route answer is counted once, by the route's `takeQuota`.
    if (takesOver || fault.quota !== true) this.#consume(target, fault);
    if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault.reset) {
      request.raw.socket.destroy();
      reply.hijack();
      return true;
    }
    if (fault.hang) {
      reply.hijack();
      this.#hanging.add(reply);
      return true;
    }
    if (fault.status !== undefined) {
      await reply
        .code(fault.status)
        .type('text/html')
        .send(`<html><body><h1>${fault.status}</h1>sandbox fault</body></html>`);
      return true;
    }
    if (fault.malformed) {
      await reply.code(200).type('application/json').send('{"truncated": ');
      return true;
    }
    return false;
  }

  /**
   * For targets that are not HTTP routes (the SMPP server): the fault to apply to one request,
   * counting one use, or undefined when none is set.
   */
  take(target: string): Fault | undefined {
    const fault = this.#faults.get(target);
    if (fault === undefined) return undefined;
    const copy = { ...fault };
    this.#consume(target, fault);
    return copy;
  }

  /** True (and counts one use) when a quota fault is set for `target`. */
  takeQuota(target: string): boolean {
    const fault = this.#faults.get(target);
    if (fault?.quota !== true) return false;
    this.#consume(target, fault);
    return true;
  }

  /** Ends every hung request by destroying its socket; called when the sandbox closes. */
  releaseHanging(): void {
    for (const reply of this.#hanging) reply.raw.destroy();
    this.#hanging.clear();
  }

  #consume(target: string, fault: Fault): void {
    if (fault.times === undefined) return;
    fault.times -= 1;
    if (fault.times <= 0) this.#faults.delete(target);
  }
}

function invalid(message: string): SandboxError {
  return new SandboxError('SANDBOX_CONFIG_INVALID', message, { status: 400 });
}

function checkTarget(target: string): void {
  if (!FAULT_TARGETS.includes(target)) {
    throw invalid(`Unknown fault target ${JSON.stringify(target)}: use one of ${FAULT_TARGETS.join(', ')}`);
  }
}

function checkFault(target: string, fault: Fault): Fault {
  if (typeof fault !== 'object' || fault === null || Array.isArray(fault)) {
    throw invalid(`The fault for ${target} must be an object such as { status: 503, times: 1 }`);
  }
  for (const key of Object.keys(fault)) {
    if (!(FAULT_FIELDS as readonly string[]).includes(key)) {
      throw invalid(`Unknown fault field ${JSON.stringify(key)}: use ${FAULT_FIELDS.join(', ')}`);
    }
  }
  const { latencyMs, status, times } = fault;
  if (
    latencyMs !== undefined &&
    !(typeof latencyMs === 'number' && Number.isFinite(latencyMs) && latencyMs >= 0)
  ) {
    throw invalid('`latencyMs` must be a number of milliseconds >= 0');
  }
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
    throw invalid('`status` must be an HTTP error status from 400 to 599');
  }
  if (times !== undefined && !(Number.isInteger(times) && times >= 1)) {
    throw invalid('`times` must be an integer >= 1 (leave it out for "until cleared")');
  }
  for (const key of ['reset', 'hang', 'malformed', 'quota'] as const) {
    if (fault[key] !== undefined && typeof fault[key] !== 'boolean')
      throw invalid(`\`${key}\` must be true or false`);
  }
  return { ...fault };
}
