#!/usr/bin/env node
/**
 * `defenseclaw-gateway`: runs the sidecar and talks to a running one.
 */
import { Command } from 'commander';
import { registerPolicyLocal } from './commands/policy-local.js';

const program = new Command('defenseclaw-gateway')
  .description('DefenseClaw gateway sidecar')
  .showHelpAfterError();

const policy = program.command('policy').description('policy operations');
registerPolicyLocal(policy);

await program.parseAsync(process.argv);
