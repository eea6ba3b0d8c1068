import type { Clock } from '@lingpai/auth-core';
import type { Database } from '../storage/database.js';

export interface AuditEvent {
  kind: string;
  clientId?: string;
  sub?: string;
  ip?: string;
  detail?: Record<string, unknown>;
}

/**
 * Audit rows written by group commit: callers wait until their row is durable, but while one INSERT
 * is in flight every new row queues for the next, so under load one statement carries many rows.
 */
export class AuditLog {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #maxBatch: number;
  #queue: Array<{ event: AuditEvent; at: Date; done: (error?: unknown) => void }> = [];
  #flushing: Promise<void> | undefined;

  constructor(db: Database, clock: Clock, maxBatch = 256) {
    this.#db = db;
    this.#clock = clock;
    this.#maxBatch = maxBatch;
  }

  /** Resolves when the row is committed. */
  record(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({
        event,
        at: new Date(this.#clock.now()),
        done: (error) => (error ? reject(error) : resolve()),
      });
      if (!this.#flushing) this.#flushing = this.#drain();
    });
  }

  async #drain(): Promise<void> {
    // Let the current tick's requests join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      const params: unknown[] = [];
      const rows = batch.map(({ event, at }, index) => {
        params.push(
          at,
          event.kind,
          event.clientId ?? null,
          event.sub ?? null,
          event.ip ?? null,
          JSON.stringify(event.detail ?? {}),
        );
        const base = index * 6;
        return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6})`;
      });
      try {
        await this.#db.query(
          `INSERT INTO audit_events (at, kind, client_id, sub, ip, detail) VALUES ${rows.join(', ')}`,
          params,
        );
        for (const item of batch) item.done();
      } catch (error) {
        for (const item of batch) item.done(error);
      }
    }
    this.#flushing = undefined;
  }

  /** Waits for queued rows (shutdown). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }
}
