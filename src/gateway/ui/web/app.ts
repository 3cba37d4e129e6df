/** What the views share with the shell. */
import type { LifecycleEvent, StreamState } from './events.js';
import type { MetricsSampler } from './metrics.js';

export interface View {
  id: string;
  title: string;
  el: HTMLElement;
  /** Called each time the view is shown, and when the policy changed while it is shown. */
  show(): void | Promise<void>;
  hide?(): void;
}

export interface App {
  /** `policy` (after a reload, rollback or any policy lifecycle event), `event` (every lifecycle event), `stream`. */
  bus: EventTarget;
  sampler: MetricsSampler;
  /** The lifecycle events received since sign-in, newest first (bounded). */
  events: LifecycleEvent[];
  streamState: StreamState;
  /** Switches to a view (by id), optionally handing it a value (a revision to roll back to). */
  go(view: string, arg?: string): void;
  /** Tells the shell the policy changed (refreshes the header and the view shown). */
  policyChanged(): void;
}

/** The `arg` handed by `go()` to a view, read once. */
export const handOver = new Map<string, string>();
