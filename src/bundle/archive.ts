/**
 * Bundle archives: gzip'd tarballs read into memory and written from it.
 * Nothing here touches the disk: an entry's name is only ever a key, so no
 * archive can write outside a folder.
 *
 * Reading refuses, whole: a corrupt gzip or tar stream, an archive or a file
 * over the size limit (the gzip is inflated with a ceiling, against bombs), too
 * many entries, links and special files, duplicate paths, and any name that is
 * not a plain relative path (`..` or `.` segments, `//`, backslashes, drive
 * letters, control characters). One leading `/` is accepted and dropped: it is
 * how `opa build` writes every entry (`/data.json`), rooted at the bundle.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { BundleError } from './errors.js';

export interface ArchiveFile {
  /** Path relative to the bundle root, `/`-separated, no leading `/`. */
  path: string;
  content: Buffer;
}

export interface ArchiveLimits {
  /** Upper bound for every file and for the inflated archive as a whole. */
  sizeLimitBytes: number;
  /** Upper bound for the number of entries (directories included). */
  maxEntries?: number;
}

export const DEFAULT_MAX_ENTRIES = 10_000;

/** Reads a `.tar.gz` whole. Throws `BundleError` for anything not a clean archive of regular files. */
export async function readTarGz(archive: Buffer, limits: ArchiveLimits): Promise<ArchiveFile[]> {
  const limit = limits.sizeLimitBytes;
  if (archive.length > limit) throw new BundleError(`archive is ${archive.length} bytes, over the size limit (${limit} bytes)`);
  let tar: Buffer;
  try {
    // The tar stream of all files is at most `limit` plus headers: 512 bytes per entry and padding.
    tar = gunzipSync(archive, { maxOutputLength: limit + 1024 * ((limits.maxEntries ?? DEFAULT_MAX_ENTRIES) + 2) });
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BundleError(`archive inflates beyond the size limit (${limit} bytes)`);
    }
    throw new BundleError(`not a gzip archive: ${(err as Error).message}`);
  }
  return readTar(tar, limits);
}

async function readTar(tar: Buffer, limits: ArchiveLimits): Promise<ArchiveFile[]> {
  const limit = limits.sizeLimitBytes;
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const files: ArchiveFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  let entries = 0;
  const extract = tarExtract();
  extract.end(tar);
  try {
    for await (const entry of extract) {
      const { header } = entry;
      if (++entries > maxEntries) throw new BundleError(`archive has more than ${maxEntries} entries`);
      const path = entryPath(header.name);
      if (header.type === 'directory') {
        entry.resume();
        continue;
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        throw new BundleError(`archive entry ${JSON.stringify(header.name)} is a ${header.type ?? 'special file'}; only regular files are allowed`);
      }
      const size = header.size ?? 0;
      if (size > limit) throw new BundleError(`bundle file ${path} is ${size} bytes, over the size limit (${limit} bytes)`);
      total += size;
      if (total > limit) throw new BundleError(`archive files add up to more than the size limit (${limit} bytes)`);
      if (seen.has(path)) throw new BundleError(`archive has ${path} twice`);
      seen.add(path);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files.push({ path, content: Buffer.concat(chunks) });
    }
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`corrupt tar archive: ${(err as Error).message}`);
  }
  if (entries === 0) throw new BundleError('archive is empty');
  return files;
}

/** The entry's path relative to the bundle root, or a `BundleError` naming what is wrong with it. */
export function entryPath(name: string): string {
  const bad = (why: string): BundleError => new BundleError(`archive entry ${JSON.stringify(name)} refused: ${why}`);
  if (name === '') throw bad('empty name');
  if (/[\u0000-\u001f\u007f]/.test(name)) throw bad('control character in the name');
  if (name.includes('\\')) throw bad('backslash in the name');
  if (/^[A-Za-z]:/.test(name)) throw bad('absolute path');
  let p = name.startsWith('/') ? name.slice(1) : name.startsWith('./') ? name.slice(2) : name;
  if (p.startsWith('/')) throw bad('absolute path');
  if (p.endsWith('/')) p = p.slice(0, -1);
  if (p === '' || p === '.') return '.';
  for (const segment of p.split('/')) {
    if (segment === '..') throw bad('".." in the path');
    if (segment === '' || segment === '.') throw bad('empty or "." path segment');
  }
  return p;
}

/** Writes files as `opa build` does: `/`-rooted names, regular files, gzip'd. */
export async function writeTarGz(files: readonly ArchiveFile[], mtime = new Date()): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const f of files) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ name: '/' + f.path, size: f.content.length, mode: 0o644, mtime, type: 'file' }, f.content, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}
