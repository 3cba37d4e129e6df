/**
 * What a policy reload needs from caches of decisions made under the previous
 * policy: an O(1) `invalidate()` (the LLM-judge `VerdictCache` in
 * `src/judge/cache.ts` bumps a generation counter). Any number can be attached.
 */
export interface Invalidatable {
  invalidate(): void;
}

/** Caches invalidated together after every successful reload. */
export class InvalidationHub implements Invalidatable {
  private readonly targets = new Set<Invalidatable>();

  attach(target: Invalidatable): () => void {
    this.targets.add(target);
    return () => this.targets.delete(target);
  }

  invalidate(): void {
    for (const t of this.targets) t.invalidate();
  }
}
