import type { Command } from 'commander';

/** Not yet written. */
export function registerTest(_policy: Command): void {}
