import type { Command } from 'commander';

/** Not yet written. */
export function registerEval(_policy: Command): void {}
