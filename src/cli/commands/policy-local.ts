/**
 * Local policy commands (no running sidecar needed), shared by both
 * executables: `evaluate`, `evaluate-firewall`, `show`, `domains`. Each reads a
 * policy directory (`--rego-dir`, default the configured one) with the same
 * loader and engine as the sidecar, so what they print is what it decides.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { compile } from '../../rego/index.js';
import { loadPolicyDirectory, PolicyLoadError } from '../../policy/directory.js';
import { PolicyEngine } from '../../policy/engine.js';
import { defaultPolicyDir } from '../../policy/paths.js';
import { PolicyEvaluationError, PolicyInputError, PolicyUnavailableError } from '../../policy/types.js';
import { isObject, objectGet, type Value } from '../../rego/value.js';

/** Where output goes; tests capture it. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** A failure the user can fix: printed as one `error: ...` line, exit 1. */
class CliError extends Error {}

function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected an integer');
  return Number(value);
}

function regoDirOption(): Option {
  return new Option('--rego-dir <dir>', 'policy directory (its rego/ subdirectory when that holds modules)').default(
    undefined,
    '$DEFENSECLAW_HOME/policies or ~/.defenseclaw/policies',
  );
}

function policyDirOf(opts: Record<string, unknown>): string {
  return (opts['regoDir'] as string | undefined) ?? defaultPolicyDir();
}

/** Loads and compiles the directory; a bad one is a CliError with the load/compile message. */
function openEngine(dir: string): PolicyEngine<false> {
  const engine = PolicyEngine.open(dir, { compile });
  const error = engine.lastLoadError();
  if (error !== null || engine.current() === null) throw new CliError(error ?? `policy: cannot load ${dir}`);
  return engine;
}

function printJSON(io: CliIO, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** Go's `%v` of a list: `[443 8443]`. */
function goList(value: Value | undefined): string {
  if (!Array.isArray(value)) return '[]';
  return '[' + value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ') + ']';
}

/** Runs one command body, turning user-facing failures into one error line and exit code 1. */
function run(io: CliIO, body: () => void): void {
  try {
    body();
  } catch (e) {
    const known =
      e instanceof CliError ||
      e instanceof PolicyLoadError ||
      e instanceof PolicyInputError ||
      e instanceof PolicyEvaluationError ||
      e instanceof PolicyUnavailableError;
    if (!known) throw e;
    io.stderr(`error: ${(e as Error).message.split('\n').join(' ')}\n`);
    process.exitCode = 1;
  }
}

export function registerPolicyLocal(policy: Command, io: CliIO = processIO): void {
  policy
    .command('evaluate')
    .description('evaluate the admission policy for a skill, MCP server or plugin (dry run)')
    .addOption(new Option('--target-type <type>', 'what is being admitted').choices(['skill', 'mcp', 'plugin']).default('skill'))
    .requiredOption('--target-name <name>', 'its name')
    .option('--severity <severity>', 'max severity of a scan (omit for a pre-scan decision)')
    .option('--findings <n>', 'number of findings of that scan', parseInteger, 0)
    .option('--path <path>', 'install path (provenance and path pins)', '/dry-run')
    .addOption(regoDirOption())
    .action((opts: Record<string, unknown>) =>
      run(io, () => {
        const engine = openEngine(policyDirOf(opts));
        const severity = opts['severity'] as string | undefined;
        const input: Record<string, unknown> = {
          target_type: opts['targetType'],
          target_name: opts['targetName'],
          path: opts['path'],
        };
        if (severity !== undefined && severity !== '') {
          input['scan_result'] = { max_severity: severity, total_findings: opts['findings'] };
        }
        const decision = engine.admission(input);
        if (decision.failure) io.stderr(`warning: ${decision.failure} (showing the fail-closed default)\n`);
        printJSON(io, decision.output);
      }),
    );

  policy
    .command('evaluate-firewall')
    .description('evaluate the firewall policy for a destination')
    .requiredOption('--destination <host>', 'destination host or address')
    .option('--port <port>', 'destination port', parseInteger, 443)
    .option('--protocol <protocol>', 'protocol', 'tcp')
    .option('--target-type <type>', 'type of the caller', 'skill')
    .addOption(regoDirOption())
    .action((opts: Record<string, unknown>) =>
      run(io, () => {
        const engine = openEngine(policyDirOf(opts));
        const decision = engine.firewall({
          target_type: opts['targetType'],
          destination: opts['destination'],
          port: opts['port'],
          protocol: opts['protocol'],
        });
        printJSON(io, decision.output);
      }),
    );

  policy
    .command('show')
    .description('print the effective data document (data.json with data-sandbox.json laid over it)')
    .addOption(regoDirOption())
    .action((opts: Record<string, unknown>) =>
      run(io, () => {
        printJSON(io, loadPolicyDirectory(policyDirOf(opts)).data);
      }),
    );

  policy
    .command('domains')
    .description('print the firewall policy: default action, ports, blocked destinations and allowed domains')
    .addOption(regoDirOption())
    .action((opts: Record<string, unknown>) =>
      run(io, () => {
        const data = loadPolicyDirectory(policyDirOf(opts)).data;
        const firewall = objectGet(data, 'firewall');
        const get = (key: string): Value | undefined => (firewall !== undefined && isObject(firewall) ? objectGet(firewall, key) : undefined);
        const list = (key: string): Value[] => {
          const v = get(key);
          return Array.isArray(v) ? v : [];
        };
        const defaultAction = get('default_action');
        const lines = [
          `Default action: ${typeof defaultAction === 'string' ? defaultAction : ''}`,
          `Allowed ports:  ${goList(get('allowed_ports'))}`,
          '',
          'Blocked destinations:',
          ...list('blocked_destinations').map((d) => `  - ${String(d)}`),
          '',
          'Allowed domains:',
          ...list('allowed_domains').map((d) => `  + ${String(d)}`),
        ];
        io.stdout(lines.join('\n') + '\n');
      }),
    );
}
