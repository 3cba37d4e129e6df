#!/usr/bin/env node
// Builds the operator console (src/gateway/ui/web/) into dist/ui/: the page, and its
// TypeScript and CSS bundled by esbuild with their npm libraries (jsdiff, uPlot) into
// local assets, so the page loads nothing from any other host. Runs at `npm install`
// (the `prepare` script) and `npm run build`; the sidecar serves dist/ui/ as built.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(ROOT, 'src/gateway/ui/web');

/** Builds into `outDir` (default dist/ui); returns the size of each asset in bytes. */
export async function buildUi(outDir = join(ROOT, 'dist/ui')) {
  rmSync(outDir, { recursive: true, force: true });
  const assets = join(outDir, 'assets');
  mkdirSync(assets, { recursive: true });
  await build({
    entryPoints: { main: join(WEB, 'main.ts'), style: join(WEB, 'style.css') },
    outdir: assets,
    bundle: true,
    // Views that need jsdiff or uPlot load them on first use.
    splitting: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'none',
    chunkNames: '[name]-[hash]',
    logLevel: 'warning',
  });
  copyFileSync(join(WEB, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(WEB, 'icon.svg'), join(assets, 'icon.svg'));
  // The bundled libraries' licenses travel with them.
  const notices = ['diff', 'uplot'].map((pkg) => `${pkg}\n${'='.repeat(pkg.length)}\n\n${readFileSync(join(ROOT, 'node_modules', pkg, 'LICENSE'), 'utf8').trim()}\n`);
  writeFileSync(join(assets, 'third-party-licenses.txt'), notices.join('\n'));
  const sizes = {};
  for (const name of readdirSync(assets)) sizes[name] = statSync(join(assets, name)).size;
  return sizes;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = await buildUi(process.argv[2]);
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  process.stdout.write(`console built: dist/ui (${Object.keys(sizes).length} assets, ${(total / 1024).toFixed(1)} KiB)\n`);
}
