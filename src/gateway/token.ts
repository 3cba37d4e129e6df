/**
 * The gateway token: every route but `GET /health` needs it. Resolution order
 * (the original's `ResolvedToken`): the env var named by `gateway.token_env`,
 * then `DEFENSECLAW_GATEWAY_TOKEN`, then `gateway.token`. The sidecar generates
 * one on first start and keeps it in `<data_dir>/.env`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { GatewayConfig } from './config.js';
import { loadDotEnvFiles, writeDotEnvVar } from './dotenv.js';
import { defaultDataDir } from '../policy/paths.js';

export const TOKEN_ENV_VAR = 'DEFENSECLAW_GATEWAY_TOKEN';

export interface ResolvedToken {
  token: string;
  /** Where it came from, for the start-up banner (never the token itself). */
  source: string;
}

/** `.env` files loaded before resolution: the default data dir's and the configured one's. */
export function dotEnvFiles(cfg: GatewayConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const files = [join(defaultDataDir(env), '.env'), join(cfg.dataDir, '.env')];
  return [...new Set(files)];
}

/** Loads the `.env` files into `env`, then resolves the token (null when none is configured). */
export function resolveToken(cfg: GatewayConfig, env: NodeJS.ProcessEnv = process.env): ResolvedToken | null {
  const files = dotEnvFiles(cfg, env);
  const before = new Set(Object.keys(env));
  loadDotEnvFiles(files, env);
  const describe = (name: string): string =>
    before.has(name) ? `environment variable ${name}` : `${name} in ${files.join(' or ')}`;
  const named = cfg.gateway.tokenEnv.trim();
  if (named !== '' && nonBlank(env[named])) return { token: env[named]!.trim(), source: describe(named) };
  if (nonBlank(env[TOKEN_ENV_VAR])) return { token: env[TOKEN_ENV_VAR]!.trim(), source: describe(TOKEN_ENV_VAR) };
  if (nonBlank(cfg.gateway.token)) return { token: cfg.gateway.token.trim(), source: `gateway.token in ${cfg.configPath}` };
  return null;
}

/** Resolves the token, generating and persisting one (32 random bytes, hex) when none exists. */
export function ensureToken(cfg: GatewayConfig, env: NodeJS.ProcessEnv = process.env): ResolvedToken & { generated: boolean } {
  const found = resolveToken(cfg, env);
  if (found) return { ...found, generated: false };
  const token = randomBytes(32).toString('hex');
  const file = join(cfg.dataDir, '.env');
  writeDotEnvVar(file, TOKEN_ENV_VAR, token);
  env[TOKEN_ENV_VAR] = token;
  return { token, source: `${file} (${TOKEN_ENV_VAR}, generated)`, generated: true };
}

function nonBlank(s: string | undefined): boolean {
  return s !== undefined && s.trim() !== '';
}
