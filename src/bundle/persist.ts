/**
 * The last activated bundle on disk (`bundles[_].persist`), so that a sidecar
 * restarted while the server is down starts with it. Layout, as OPA's:
 * `<persistence_directory>/bundles/<name>/bundle.tar.gz`, plus `meta.json`
 * (ETag, revision, when). A save writes a fresh directory next to the old one
 * and renames it into place; a crash leaves either the old copy or the new,
 * never a mix. The bundle name is percent-encoded (no `/`, no `..`), so the
 * directory always lies inside `bundles/`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectory } from '../policy/safe-write.js';

export interface PersistedMeta {
  etag: string;
  revision: string;
  saved_at: string;
}

export interface PersistedBundle {
  raw: Buffer;
  meta: PersistedMeta;
}

const ARCHIVE = 'bundle.tar.gz';
const META = 'meta.json';

/** A bundle name as one safe path segment. */
export function bundleDirName(name: string): string {
  return encodeURIComponent(name).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}

export class BundlePersistence {
  readonly dir: string;

  constructor(persistenceDir: string) {
    this.dir = join(persistenceDir, 'bundles');
  }

  private path(name: string): string {
    return join(this.dir, bundleDirName(name));
  }

  save(name: string, raw: Buffer, meta: PersistedMeta): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const target = this.path(name);
    const stamp = `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const fresh = `${target}.new-${stamp}`;
    mkdirSync(fresh, { mode: 0o700 });
    try {
      writeDurable(join(fresh, ARCHIVE), raw);
      writeDurable(join(fresh, META), Buffer.from(JSON.stringify(meta, null, 2) + '\n'));
      const old = `${target}.old-${stamp}`;
      if (existsSync(target)) renameSync(target, old);
      renameSync(fresh, target);
      fsyncDirectory(this.dir);
      rmSync(old, { recursive: true, force: true });
    } catch (err) {
      rmSync(fresh, { recursive: true, force: true });
      throw err;
    }
    this.sweep(name);
  }

  /** The persisted copy, or null. A crash between the two renames leaves an `.old-*` copy: it is used. */
  load(name: string): PersistedBundle | null {
    const target = this.path(name);
    const candidates = [target, ...this.leftovers(name, '.old-').map((n) => join(this.dir, n))];
    for (const dir of candidates) {
      try {
        const raw = readFileSync(join(dir, ARCHIVE));
        let meta: PersistedMeta = { etag: '', revision: '', saved_at: '' };
        try {
          meta = { ...meta, ...(JSON.parse(readFileSync(join(dir, META), 'utf8')) as Partial<PersistedMeta>) };
        } catch {
          // The archive alone is enough; without its ETag the first poll downloads again.
        }
        return { raw, meta };
      } catch {
        continue;
      }
    }
    return null;
  }

  private leftovers(name: string, marker: string): string[] {
    const prefix = bundleDirName(name) + marker;
    try {
      return readdirSync(this.dir)
        .filter((n) => n.startsWith(prefix))
        .sort()
        .reverse();
    } catch {
      return [];
    }
  }

  /** Removes what interrupted saves left behind. */
  private sweep(name: string): void {
    for (const n of [...this.leftovers(name, '.new-'), ...this.leftovers(name, '.old-')]) rmSync(join(this.dir, n), { recursive: true, force: true });
  }
}

function writeDurable(path: string, content: Buffer): void {
  writeFileSync(path, content, { mode: 0o600 });
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
