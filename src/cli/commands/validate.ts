import type { Command } from 'commander';

/** Not yet written. */
export function registerValidate(_policy: Command): void {}
