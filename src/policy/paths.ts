/**
 * Default locations, as the original: the data directory is `$DEFENSECLAW_HOME`
 * or `~/.defenseclaw`, and the policy directory is `<data dir>/policies`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['DEFENSECLAW_HOME'];
  return home && home.trim() !== '' ? home : join(homedir(), '.defenseclaw');
}

export function defaultPolicyDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultDataDir(env), 'policies');
}
