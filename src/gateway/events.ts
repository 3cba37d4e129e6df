/**
 * Gateway lifecycle events (the original's `emitLifecycle` shape): appended to
 * `<data_dir>/gateway.jsonl` and pushed to live subscribers (`GET /events`).
 * Writing the journal is best effort: a full disk must not fail a reload that
 * the audit store has already recorded.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export type LifecycleTransition = 'start' | 'stop' | 'ready' | 'degraded' | 'restored' | 'alert' | 'completed' | 'failed';

export interface LifecycleEvent {
  event_type: 'lifecycle';
  timestamp: string;
  lifecycle: {
    subsystem: string;
    transition: LifecycleTransition;
    details: Record<string, unknown>;
  };
}

/** `json` is the event's JSON text, serialised once for every listener. */
export type EventListener = (event: LifecycleEvent, json: string) => void;

export class LifecycleEvents {
  private readonly listeners = new Set<EventListener>();
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly journalFile: string,
    private readonly onWriteError: (err: Error) => void = () => {},
  ) {}

  emit(subsystem: string, transition: LifecycleTransition, details: Record<string, unknown>): LifecycleEvent {
    const event: LifecycleEvent = {
      event_type: 'lifecycle',
      timestamp: new Date().toISOString(),
      lifecycle: { subsystem, transition, details },
    };
    const json = JSON.stringify(event);
    const line = json + '\n';
    // Chained so lines land in emission order.
    this.writes = this.writes
      .then(async () => {
        await mkdir(dirname(this.journalFile), { recursive: true });
        await appendFile(this.journalFile, line, { mode: 0o600 });
      })
      .catch((err: Error) => this.onWriteError(err));
    for (const l of this.listeners) {
      try {
        l(event, json);
      } catch {
        // A broken subscriber must not affect the emitter or the others.
      }
    }
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every emitted event has been written (shutdown, tests). */
  flush(): Promise<void> {
    return this.writes;
  }
}
