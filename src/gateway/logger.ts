/** The sidecar's logger: pino to stderr (stdout carries the start-up banner), level from `DEFENSECLAW_LOG_LEVEL`. */
import pino from 'pino';

export type { Logger } from 'pino';

export function createLogger(env: NodeJS.ProcessEnv = process.env): pino.Logger {
  const level = env['DEFENSECLAW_LOG_LEVEL'] || 'info';
  return pino({ name: 'defenseclaw-gateway', level }, pino.destination(2));
}
