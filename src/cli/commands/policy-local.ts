import type { Command } from 'commander';

/** Not yet written. */
export function registerPolicyLocal(_policy: Command): void {}
