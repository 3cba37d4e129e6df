#!/usr/bin/env node
/**
 * `defenseclaw`: policy authoring — validate, test and evaluate Rego policy
 * directories locally, without a running sidecar; build and inspect bundles.
 */
import { Command } from 'commander';
import { registerValidate } from './commands/validate.js';
import { registerTest } from './commands/test.js';
import { registerEval } from './commands/eval.js';
import { registerPolicyLocal } from './commands/policy-local.js';
import { registerBundleCommands } from './commands/bundle.js';
import { registerFmt } from './commands/fmt.js';
import { registerCheck } from './commands/check.js';
import { registerBench } from './commands/bench.js';

const program = new Command('defenseclaw')
  .description('DefenseClaw policy tools: validate, test, evaluate and format Rego policies');
// Usage errors (unknown flag, missing argument) stay one `error: …` line, exit 1: no help dump.

const policy = program.command('policy').description('author and check Rego policies');
registerValidate(policy);
registerTest(policy);
registerEval(policy);
registerPolicyLocal(policy);
registerBundleCommands(policy);
registerFmt(policy);
registerCheck(policy);
registerBench(policy);

await program.parseAsync(process.argv);
