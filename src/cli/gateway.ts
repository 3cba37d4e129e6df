#!/usr/bin/env node
/**
 * `defenseclaw-gateway`: runs the sidecar (`run`, the default) and talks to a
 * running one (`policy reload`, `status`). Local policy commands come from
 * `registerPolicyLocal`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerPolicyLocal } from './commands/policy-local.js';
import { runSidecar } from '../gateway/sidecar.js';
import { ClientError, getHealth, getPolicyHistory, postReload, postRollback, resolveTarget } from '../gateway/client.js';
import { ConfigError } from '../gateway/config.js';
import { checkedConsoleUrl, isLoopbackUrl, openInBrowser } from '../gateway/ui/link.js';

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('must be an integer between 0 and 65535');
  return n;
}

/** A revision as `policy history` lists it; checked here so a typo is not reported as a missing revision. */
function parseRevision(v: string): string {
  if (!/^[0-9a-f]{4,64}$/.test(v.trim())) throw new InvalidArgumentError('must be 4 to 64 lower-case hex digits, as listed by policy history');
  return v.trim();
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

/** Operator-facing failures print one line and exit 1; anything else is a bug and keeps its stack. */
async function guarded(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ClientError || err instanceof ConfigError || (err as Error).name === 'SidecarError' || (err as Error).name === 'AuditStoreError') {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const formatOption = (): Option => new Option('--format <format>', 'output format').choices(['json', 'text']).default('json');

const program = new Command('defenseclaw-gateway')
  .description('DefenseClaw gateway sidecar');
// Usage errors (unknown flag, missing argument) stay one `error: …` line, exit 1: no help dump.

program
  .command('run', { isDefault: true })
  .description('run the sidecar in the foreground (the default command)')
  .option('--bind <address>', 'address to listen on (default: gateway.api_bind or 127.0.0.1)')
  .option('--port <port>', 'port to listen on, 0 for any free port (default: gateway.api_port or 18970)', parsePort)
  .option('--policy-dir <dir>', 'policy directory to serve (default: policy_dir or <data_dir>/policies)')
  .action(async (opts: { bind?: string; port?: number; policyDir?: string }) => {
    await guarded(() => runSidecar({ bind: opts.bind, port: opts.port, policyDir: opts.policyDir }));
  });

const policy = program.command('policy').description('policy operations');
registerPolicyLocal(policy);

/** The options every command that talks to the sidecar takes. */
function sidecarOptions(cmd: Command, timeoutSeconds: number): Command {
  return cmd
    .option('--timeout <seconds>', 'request timeout in seconds', parseSeconds, timeoutSeconds)
    .option('--bind <address>', 'sidecar address (default: from the config)')
    .option('--port <port>', 'sidecar port (default: from the config)', parsePort);
}

interface SidecarOpts {
  timeout: number;
  bind?: string;
  port?: number;
  format: string;
}

const print = (text: string): void => {
  process.stdout.write(text + '\n');
};

sidecarOptions(policy.command('reload').description('ask the running sidecar to reload its policy directory (or to download its bundle now)'), 10)
  .option('--dry-run', 'compile the directory and report what would change, without applying it')
  .addOption(formatOption())
  .action(async (opts: SidecarOpts & { dryRun?: boolean }) => {
    await guarded(async () => {
      const target = resolveTarget({ bind: opts.bind, port: opts.port });
      const r = await postReload(target, opts.timeout * 1000, { dryRun: opts.dryRun === true });
      if (opts.format !== 'text') return print(JSON.stringify(r.body, null, 2));
      if (opts.dryRun) {
        const d = r.body as { revision: string; current_revision: string | null; would_change: boolean; modules: { added: string[]; removed: string[]; changed: string[] } };
        const m = d.modules;
        return print(
          d.would_change
            ? `dry run: revision ${d.revision} would replace ${d.current_revision ?? 'none'} (added: ${m.added.join(', ') || '-'}; removed: ${m.removed.join(', ') || '-'}; changed: ${m.changed.join(', ') || '-'})`
            : `dry run: revision ${d.revision} is already serving, nothing would change`,
        );
      }
      const b = r.body as { revision?: string; previous_revision?: string | null; modules?: number; duration_ms?: number; unchanged?: boolean; bundle?: string };
      const from = b.bundle !== undefined ? ` from bundle ${b.bundle}` : '';
      print(`policy ${b.unchanged ? 'unchanged' : 'reloaded'}${from}: revision ${b.revision} (previous ${b.previous_revision ?? 'none'}), ${b.modules} modules, ${b.duration_ms} ms`);
    });
  });

sidecarOptions(policy.command('history').description('list the policy revisions the running sidecar has applied'), 10)
  .addOption(formatOption().default('text'))
  .action(async (opts: SidecarOpts) => {
    await guarded(async () => {
      const r = await getPolicyHistory(resolveTarget({ bind: opts.bind, port: opts.port }), opts.timeout * 1000);
      if (opts.format === 'json') return print(JSON.stringify(r.body, null, 2));
      const h = r.body as { entries: { revision: string; applied_at: string; source: string; modules: number; current: boolean }[] };
      const rows = h.entries.map((e) => `${e.current ? '*' : ' '} ${e.revision}  ${e.applied_at}  ${e.source.padEnd(8)}  ${e.modules}`);
      print(['  REVISION      APPLIED AT                SOURCE    MODULES', ...rows].join('\n'));
    });
  });

sidecarOptions(policy.command('rollback').argument('<revision>', 'revision to restore (as listed by policy history)', parseRevision), 10)
  .description("write an applied revision's files back into the policy directory and reload them")
  .addOption(formatOption())
  .action(async (revision: string, opts: SidecarOpts) => {
    await guarded(async () => {
      const r = await postRollback(resolveTarget({ bind: opts.bind, port: opts.port }), revision, opts.timeout * 1000);
      if (opts.format !== 'text') return print(JSON.stringify(r.body, null, 2));
      const b = r.body as { revision: string; replaced_revision: string };
      print(`policy rolled back to revision ${b.revision} (replaced files kept as revision ${b.replaced_revision})`);
    });
  });

sidecarOptions(program.command('ui'), 5)
  .description('print the URL of the operator console (GET /ui), signed in with the gateway token; --open opens it')
  .option('--open', 'open the URL in the default browser')
  .addOption(formatOption().default('text'))
  .action(async (opts: SidecarOpts & { open?: boolean }) => {
    await guarded(async () => {
      const url = await checkedConsoleUrl(resolveTarget({ bind: opts.bind, port: opts.port }), opts.timeout * 1000);
      if (!isLoopbackUrl(url)) process.stderr.write('warning: the sidecar is not on a loopback address; this link carries the gateway token, keep it to yourself\n');
      const opened = opts.open ? await openInBrowser(url) : false;
      if (opts.open && !opened) process.stderr.write('could not start a browser: open the URL below yourself\n');
      print(opts.format === 'json' ? JSON.stringify({ url, opened }, null, 2) : url);
    });
  });

program
  .command('status')
  .description("show the running sidecar's health, policy revision and uptime")
  .option('--timeout <seconds>', 'request timeout in seconds', parseSeconds, 5)
  .option('--bind <address>', 'sidecar address (default: from the config)')
  .option('--port <port>', 'sidecar port (default: from the config)', parsePort)
  .addOption(formatOption().default('text'))
  .action(async (opts: { timeout: number; bind?: string; port?: number; format: string }) => {
    await guarded(async () => {
      const target = resolveTarget({ bind: opts.bind, port: opts.port });
      const r = await getHealth(target, opts.timeout * 1000);
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(r.body, null, 2) + '\n');
        return;
      }
      const h = r.body as {
        status: string;
        uptime_s: number;
        version: string;
        policy: { revision: string | null; loaded_at: string | null; policy_dir?: string; modules: number; error?: string; missing_domains?: string[] };
        watcher?: { state: string; error?: string };
        audit?: { status: string; error?: string };
      };
      // Without a token the sidecar does not say where its policy lives.
      const from = h.policy.policy_dir !== undefined ? ` from ${h.policy.policy_dir}` : '';
      const lines = [
        `sidecar:  ${h.status} at ${target.baseUrl} (version ${h.version})`,
        `uptime:   ${h.uptime_s}s`,
        h.policy.revision !== null ? `policy:   revision ${h.policy.revision}, ${h.policy.modules} modules, loaded ${h.policy.loaded_at}${from}` : `policy:   NOT LOADED${from}`,
      ];
      if (h.policy.error) lines.push(`error:    ${h.policy.error}`);
      if (h.policy.missing_domains?.length) lines.push(`missing:  ${h.policy.missing_domains.join(', ')} (fail-closed defaults)`);
      if (h.watcher) lines.push(`watcher:  ${h.watcher.state}${h.watcher.error && h.watcher.state !== 'watching' ? ` (${h.watcher.error})` : ''}`);
      if (h.audit) lines.push(`audit:    ${h.audit.status}${h.audit.error ? ` (${h.audit.error})` : ''}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
  });

await program.parseAsync(process.argv);
