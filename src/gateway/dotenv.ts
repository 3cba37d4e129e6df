/**
 * `.env` files: the sidecar keeps its generated token in `<data_dir>/.env`, and
 * both executables load it before resolving the token (as the original's
 * `loadDotEnvIntoOS`). Variables already in the environment win.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Parses `KEY=value` lines (`#` comments, optional `export `, single/double quotes). */
export function parseDotEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line;
    const eq = body.indexOf('=');
    if (eq <= 0) continue;
    const key = body.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    let value = body.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    out.set(key, value);
  }
  return out;
}

export function readDotEnv(file: string): Map<string, string> {
  try {
    return parseDotEnv(readFileSync(file, 'utf8'));
  } catch {
    return new Map();
  }
}

/** Loads each file's variables into `env` without overriding ones already set. */
export function loadDotEnvFiles(files: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  for (const file of files) {
    for (const [k, v] of readDotEnv(file)) {
      if (env[k] === undefined) env[k] = v;
    }
  }
}

/**
 * Sets `key=value` in the `.env` file, keeping its other lines, written
 * atomically (temp file + rename) with mode 0600 since it holds secrets.
 */
export function writeDotEnvVar(file: string, key: string, value: string): void {
  let lines: string[] = [];
  try {
    lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l !== '');
  } catch {
    // No file yet.
  }
  const kept = lines.filter((l) => !new RegExp(`^\\s*(export\\s+)?${key}\\s*=`).test(l));
  kept.push(`${key}=${value}`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(file), `.env.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(tmp, kept.join('\n') + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
