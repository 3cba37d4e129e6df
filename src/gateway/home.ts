/**
 * First start: the data directory exists (0700) and holds a policy directory;
 * when the configured one is absent, the package's bundled `policies/` is
 * copied there so a fresh install serves the default policy.
 */
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayConfig } from './config.js';

/** The package's root directory (holds `package.json` and `policies/`), from source or `dist/`. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'defenseclaw') return dir;
      } catch {
        // Keep looking upwards.
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot locate the defenseclaw package root');
    dir = up;
  }
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function bundledPolicyDir(): string {
  return join(packageRoot(), 'policies');
}

/** Creates the data directory and seeds the policy directory; returns whether policies were copied. */
export function ensureHome(cfg: GatewayConfig, bundled: string = bundledPolicyDir()): { seededPolicies: boolean } {
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  if (cfg.policyDir === '' || existsSync(cfg.policyDir) || !existsSync(bundled)) return { seededPolicies: false };
  mkdirSync(dirname(cfg.policyDir), { recursive: true });
  cpSync(bundled, cfg.policyDir, { recursive: true, errorOnExist: false, force: false });
  return { seededPolicies: true };
}
