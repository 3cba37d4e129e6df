/**
 * Automatic reload: watch the policy directory and, once changes have been
 * quiet for `debounceMs`, call `onSettled` once. Editors that write a temporary
 * file and rename it, bursts of edits to several files, a file deleted and
 * recreated: all end in one call after the last event. If a reload is still
 * running when the directory settles again, one more call follows it (never two
 * at once, never a lost change).
 *
 * The watch itself can be lost: chokidar reports the directory as removed when
 * it becomes unreadable for a moment (`chmod 000`) or is replaced, and then
 * watches nothing, silently. The watcher notices (that event, a watch error, or
 * a periodic check that the directory is still watched), reports the loss,
 * and re-establishes the watch with back-off; once back it reloads once, since
 * changes made meanwhile went unseen.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';

export type WatcherState = 'watching' | 'restarting' | 'stopped';

export interface WatcherStatus {
  state: WatcherState;
  /** Times the watch was re-established after being lost. */
  restarts: number;
  /** When the state last changed (ISO 8601). */
  since: string;
  /** Why the watch was last lost (or could not be re-established). */
  error?: string;
}

export interface PolicyWatcherOptions {
  debounceMs: number;
  /** Runs the reload; its promise is awaited before another can start. */
  onSettled: () => Promise<unknown>;
  /** Reports unexpected watcher errors. */
  onError?: (err: unknown) => void;
  /** Told when the watch is lost, and when it is re-established. */
  onStateChange?: (status: WatcherStatus) => void;
  /** First delay before re-establishing a lost watch, doubled after each failed attempt (default 250 ms). */
  retryMs?: number;
  /** Longest delay between attempts (default 30 s). */
  maxRetryMs?: number;
  /** How often the watcher checks that it still watches the directory (default 5 s). */
  checkIntervalMs?: number;
}

/** Files whose changes matter: modules and data. Editor swap and backup files are ignored. */
export function isPolicyFile(path: string): boolean {
  const base = path.split(/[\\/]/).pop() ?? '';
  if (base.startsWith('.') || base.endsWith('~')) return false;
  return base.endsWith('.rego') || base.endsWith('.json');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Closes a chokidar watcher for good. chokidar's `close()` removes every
 * listener, yet a directory scan still in flight can emit `error` afterwards
 * (EACCES on a directory that just became unreadable): with no listener left,
 * that error would crash the process. A listener added after `close()` stays.
 */
function closeWatcher(w: FSWatcher): Promise<void> {
  const closing = w.close();
  w.on('error', () => {});
  return closing.catch(() => undefined);
}

export class PolicyWatcher {
  readonly dir: string;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private pending = false;
  private state: WatcherState = 'stopped';
  private since = new Date();
  private restarts = 0;
  private lastError: string | undefined;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private checkTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    dir: string,
    private readonly opts: PolicyWatcherOptions,
  ) {
    this.dir = resolve(dir);
    this.retryDelay = opts.retryMs ?? 250;
  }

  /**
   * Starts watching; resolves once the initial scan is done (no call for
   * existing files). A directory that cannot be watched yet is retried in the
   * background (state `restarting`).
   */
  async start(): Promise<void> {
    this.closed = false;
    try {
      await this.open();
      this.setState('watching');
    } catch (err) {
      this.lose(`cannot watch the policy directory: ${message(err)}`);
    }
    this.checkTimer = setInterval(() => this.check(), this.opts.checkIntervalMs ?? 5_000).unref();
  }

  status(): WatcherStatus {
    const s: WatcherStatus = { state: this.state, restarts: this.restarts, since: this.since.toISOString() };
    if (this.lastError !== undefined) s.error = this.lastError;
    return s;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of [this.timer, this.retryTimer]) if (t) clearTimeout(t);
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.timer = this.retryTimer = this.checkTimer = null;
    const w = this.watcher;
    this.watcher = null;
    if (w) await closeWatcher(w);
    this.state = 'stopped';
    await this.running;
  }

  /** Opens a chokidar watch on the directory; throws if the directory cannot be read or watched. */
  private async open(): Promise<void> {
    // chokidar reports an unreadable directory as "ready" with nothing watched: look first.
    readdirSync(this.dir);
    const w = chokidar.watch(this.dir, {
      ignoreInitial: true,
      depth: 1,
      // Our own debounce decides when to reload; chokidar only reports events.
      awaitWriteFinish: false,
    });
    this.watcher = w;
    w.on('all', (event, path) => {
      if (w !== this.watcher) return;
      if (event === 'unlinkDir' && resolve(path) === this.dir) this.lose('the policy directory disappeared or became unreadable');
      else if (isPolicyFile(path)) this.schedule();
    });
    w.on('error', (err) => {
      if (w !== this.watcher) return;
      this.opts.onError?.(err);
      this.lose(`watch error: ${message(err)}`);
    });
    await new Promise<void>((done) => w.once('ready', () => done()));
    if (w !== this.watcher) throw new Error(this.closed ? 'watcher closed' : (this.lastError ?? 'watch lost while starting'));
    if (!this.watchesRoot(w)) {
      this.watcher = null;
      await closeWatcher(w);
      throw new Error('the policy directory could not be watched');
    }
  }

  private watchesRoot(w: FSWatcher): boolean {
    return Object.prototype.hasOwnProperty.call(w.getWatched(), this.dir);
  }

  private setState(state: WatcherState): void {
    this.state = state;
    this.since = new Date();
    this.opts.onStateChange?.(this.status());
  }

  /** The watch is gone: report it once and start re-establishing it. */
  private lose(reason: string): void {
    if (this.closed || this.state === 'restarting') return;
    this.lastError = reason;
    const w = this.watcher;
    this.watcher = null;
    if (w) void closeWatcher(w);
    this.retryDelay = this.opts.retryMs ?? 250;
    this.setState('restarting');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.retryTimer = setTimeout(() => void this.retry(), this.retryDelay);
    this.retryTimer.unref();
  }

  private async retry(): Promise<void> {
    this.retryTimer = null;
    if (this.closed) return;
    try {
      await this.open();
    } catch (err) {
      if (this.closed) return;
      this.lastError = `cannot watch the policy directory: ${message(err)}`;
      this.retryDelay = Math.min(this.retryDelay * 2, this.opts.maxRetryMs ?? 30_000);
      this.scheduleRetry();
      return;
    }
    if (this.closed) return;
    this.restarts++;
    this.setState('watching');
    // Whatever changed while the watch was down went unseen: look once.
    this.schedule();
  }

  private check(): void {
    if (this.state === 'watching' && this.watcher !== null && !this.watchesRoot(this.watcher)) {
      this.lose('the policy directory is no longer watched');
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, this.opts.debounceMs);
  }

  private fire(): void {
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = this.opts
      .onSettled()
      .then(
        () => undefined,
        (err) => this.opts.onError?.(err),
      )
      .finally(() => {
        this.running = null;
        if (this.pending) {
          this.pending = false;
          this.fire();
        }
      });
  }
}
