/**
 * Automatic reload: watch the policy directory and, once changes have been
 * quiet for `debounceMs`, call `onSettled` once. Editors that write a temporary
 * file and rename it, bursts of edits to several files, a file deleted and
 * recreated: all end in one call after the last event. If a reload is still
 * running when the directory settles again, one more call follows it (never two
 * at once, never a lost change).
 */
import chokidar, { type FSWatcher } from 'chokidar';

export interface PolicyWatcherOptions {
  debounceMs: number;
  /** Runs the reload; its promise is awaited before another can start. */
  onSettled: () => Promise<unknown>;
  /** Reports unexpected watcher errors (the watcher keeps running). */
  onError?: (err: unknown) => void;
}

/** Files whose changes matter: modules and data. Editor swap and backup files are ignored. */
export function isPolicyFile(path: string): boolean {
  const base = path.split(/[\\/]/).pop() ?? '';
  if (base.startsWith('.') || base.endsWith('~')) return false;
  return base.endsWith('.rego') || base.endsWith('.json');
}

export class PolicyWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private pending = false;

  constructor(
    readonly dir: string,
    private readonly opts: PolicyWatcherOptions,
  ) {}

  /** Starts watching; resolves once the initial scan is done (no call for existing files). */
  async start(): Promise<void> {
    const w = chokidar.watch(this.dir, {
      ignoreInitial: true,
      depth: 1,
      // Our own debounce decides when to reload; chokidar only reports events.
      awaitWriteFinish: false,
    });
    this.watcher = w;
    w.on('all', (_event, path) => {
      if (isPolicyFile(path)) this.schedule();
    });
    w.on('error', (err) => this.opts.onError?.(err));
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  private schedule(): void {
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

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.watcher?.close();
    this.watcher = null;
    await this.running;
  }
}
