/** Delays shared by the bundle downloader and the decision-log uploader (OPA's `util/backoff.go`). */

/** OPA's `util.DefaultBackoff`: exponential (×1.6) from `baseMs`, capped at `maxMs`, ±20% jitter; 0 for no retries. */
export function backoffMs(baseMs: number, maxMs: number, retries: number): number {
  if (retries === 0) return 0;
  let delay = baseMs;
  for (let r = retries; delay < maxMs && r > 0; r--) delay *= 1.6;
  delay = Math.min(delay, maxMs);
  return Math.max(0, delay * (1 + 0.2 * (Math.random() * 2 - 1)));
}

/** A random delay in [min, max] seconds, in ms (OPA's polling jitter). */
export function jitteredDelayMs(minSeconds: number, maxSeconds: number): number {
  return (minSeconds + (maxSeconds - minSeconds) * Math.random()) * 1000;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
