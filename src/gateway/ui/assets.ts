/**
 * The console's built assets (`dist/ui/`, written by `scripts/build-ui.mjs`
 * at `npm install` / `npm run build`): read once into memory, each with its
 * content type and an ETag. A request names an asset; it never names a path on
 * disk, so nothing outside the folder can be served.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { packageRoot } from '../home.js';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Asset names as the build writes them: one flat folder, no dot files. */
export const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export class ConsoleAssets {
  private loaded: { index: Asset; assets: Map<string, Asset> } | null = null;

  constructor(readonly dir: string = join(packageRoot(), 'dist', 'ui')) {}

  /** The page and its assets, or null when the console has not been built. */
  get(): { index: Asset; assets: Map<string, Asset> } | null {
    if (this.loaded !== null) return this.loaded;
    const indexPath = join(this.dir, 'index.html');
    const assetsDir = join(this.dir, 'assets');
    if (!existsSync(indexPath) || !existsSync(assetsDir)) return null;
    const assets = new Map<string, Asset>();
    for (const name of readdirSync(assetsDir)) {
      const type = TYPES[extname(name)];
      if (type === undefined || !ASSET_NAME.test(name)) continue;
      assets.set(name, asset(readFileSync(join(assetsDir, name)), type));
    }
    this.loaded = { index: asset(readFileSync(indexPath), TYPES['.html']!), assets };
    return this.loaded;
  }
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}
