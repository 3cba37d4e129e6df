/**
 * `defenseclaw policy build DIR -o bundle.tar.gz [--revision R] [--signing-key K
 * --signing-alg ALG --verification-key-id ID --claims-file F] [--ignore GLOB]`:
 * the policy directory, compiled (a broken policy builds nothing), as an OPA
 * bundle (`src/bundle/build.ts` has the layout).
 *
 * `defenseclaw policy inspect bundle.tar.gz [--verification-key K ...] [--format json]`:
 * what a bundle holds (manifest, files, packages, data roots) and its
 * signature: verified with the given key, or, without a key, whether the
 * files still match the digests the signature lists.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { readTarGz } from '../../bundle/archive.js';
import { buildBundle } from '../../bundle/build.js';
import { readBundle, SIGNATURES_FILE, type LoadedBundle } from '../../bundle/bundle.js';
import { DEFAULT_BUNDLE_SIZE_LIMIT_BYTES } from '../../bundle/config.js';
import { fileDigest } from '../../bundle/hash.js';
import { DEFAULT_SIGNING_ALGORITHM, parseSignaturesFile, SIGNING_ALGORITHMS, type VerificationConfig } from '../../bundle/signature.js';
import { defaultPolicyDir } from '../../policy/paths.js';
import { loadPolicyDirectory } from '../../policy/directory.js';
import { compileInputs } from '../../policy/snapshot.js';
import { formatErrors, RegoError, RegoErrors } from '../../rego/errors.js';
import { compile, parseModule } from '../../rego/index.js';

export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
}

const consoleIO: CommandIO = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** A PEM file, or (HMAC) the secret itself, as OPA's `--signing-key` / `--verification-key`. */
function keyMaterial(value: string, algorithm: string): string {
  if (!algorithm.startsWith('HS') || existsSync(value)) return readFileSync(value, 'utf8');
  return value;
}

export interface BuildCommandOptions {
  output: string;
  revision?: string;
  signingKey?: string;
  signingAlg: string;
  verificationKeyId: string;
  claimsFile?: string;
  ignore: string[];
}

/** Returns the exit code. */
export async function runBuild(dir: string, opts: BuildCommandOptions, io: CommandIO): Promise<number> {
  try {
    const loaded = loadPolicyDirectory(dir);
    compile(...compileInputs(loaded));
    const signing = opts.signingKey
      ? {
          algorithm: opts.signingAlg,
          key: keyMaterial(opts.signingKey, opts.signingAlg),
          keyId: opts.verificationKeyId,
          ...(opts.claimsFile ? { claims: JSON.parse(readFileSync(opts.claimsFile, 'utf8')) as Record<string, unknown> } : {}),
        }
      : undefined;
    const built = await buildBundle(dir, { ...(opts.revision !== undefined ? { revision: opts.revision } : {}), ignore: opts.ignore, ...(signing ? { signing } : {}) });
    writeFileSync(opts.output, built.archive);
    io.out(`wrote ${opts.output} (${built.archive.length} bytes, revision ${JSON.stringify(built.revision)}, ${built.files.length} files${signing ? ', signed' : ''})`);
    return 0;
  } catch (e) {
    const errors = e instanceof RegoErrors ? e.errors : e instanceof RegoError ? [e] : null;
    if (errors) io.err(formatErrors(errors));
    else io.err(`error: ${(e as Error).message.split('\n').join(' ')}`);
    return 1;
  }
}

export interface InspectCommandOptions {
  format: 'pretty' | 'json';
  verificationKey?: string;
  verificationKeyId: string;
  signingAlg: string;
  scope?: string;
}

interface SignatureReport {
  status: 'unsigned' | 'verified' | 'unverified' | 'invalid';
  detail: string;
  key_id?: string;
}

/** Returns the exit code: 1 for an unreadable bundle or an invalid signature. */
export async function runInspect(file: string, opts: InspectCommandOptions, io: CommandIO): Promise<number> {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    io.err(`error: cannot read ${file}: ${(e as Error).message}`);
    return 1;
  }
  const limits = { sizeLimitBytes: Math.max(DEFAULT_BUNDLE_SIZE_LIMIT_BYTES, raw.length) };
  let bundle: LoadedBundle;
  let signature: SignatureReport;
  try {
    bundle = await readBundle(raw, { name: file, verification: null, ...limits, skipVerification: true });
    signature = await inspectSignature(raw, file, opts, limits.sizeLimitBytes);
  } catch (e) {
    io.err(`error: ${file}: ${(e as Error).message}`);
    return 1;
  }
  const files = bundle.files.map((f) => ({ path: '/' + f.path, size: f.content.length, kind: fileKind(f.path, f.content, bundle) }));
  const report = {
    file,
    size: raw.length,
    manifest: { revision: bundle.manifest.revision, roots: bundle.manifest.roots, rego_version: bundle.manifest.regoVersion ?? null, ...(bundle.manifest.metadata ? { metadata: bundle.manifest.metadata } : {}) },
    signature,
    files,
    data_keys: Object.keys(bundle.data).sort(),
  };
  if (opts.format === 'json') io.out(JSON.stringify(report, null, 2));
  else {
    io.out(`bundle:    ${file} (${raw.length} bytes)`);
    io.out(`revision:  ${JSON.stringify(bundle.manifest.revision)}${bundle.hasManifest ? '' : ' (no .manifest)'}`);
    io.out(`roots:     ${JSON.stringify(bundle.manifest.roots)}`);
    io.out(`signature: ${signature.status}: ${signature.detail}`);
    io.out('files:');
    const width = Math.max(...files.map((f) => f.path.length));
    for (const f of files) io.out(`  ${f.path.padEnd(width)}  ${String(f.size).padStart(8)} B  ${f.kind}`);
    io.out(`data:      ${report.data_keys.length > 0 ? report.data_keys.map((k) => `data.${k}`).join(', ') : '(none)'}`);
  }
  return signature.status === 'invalid' ? 1 : 0;
}

function fileKind(path: string, content: Buffer, bundle: LoadedBundle): string {
  if (path.endsWith('.rego')) {
    const m = bundle.modules.find((x) => x.path === path);
    try {
      return `package ${parseModule(path, content.toString('utf8'), { v0: m?.regoVersion === 0 }).package.path.join('.')}`;
    } catch (e) {
      return `policy (does not parse: ${(e as Error).message.split('\n')[0]})`;
    }
  }
  if (path === '.manifest') return 'manifest';
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'data.json' || base === 'data.yaml' || base === 'data.yml') {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')).split('/').join('.') : '';
    return dir === '' ? 'data' : `data.${dir}`;
  }
  return 'other (ignored)';
}

async function inspectSignature(raw: Buffer, file: string, opts: InspectCommandOptions, sizeLimitBytes: number): Promise<SignatureReport> {
  const entries = await readTarGz(raw, { sizeLimitBytes });
  const sigFile = entries.find((f) => f.path === SIGNATURES_FILE);
  if (sigFile === undefined) return { status: 'unsigned', detail: 'no .signatures.json' };
  if (opts.verificationKey !== undefined) {
    const keys = new Map([[opts.verificationKeyId, { algorithm: opts.signingAlg, key: keyMaterial(opts.verificationKey, opts.signingAlg), ...(opts.scope ? { scope: opts.scope } : {}) }]]);
    const verification: VerificationConfig = { keyId: opts.verificationKeyId, scope: opts.scope ?? '', excludeFiles: [], keys };
    try {
      const b = await readBundle(raw, { name: file, verification, sizeLimitBytes });
      return { status: 'verified', detail: `signature and every file digest verified with key ${opts.verificationKeyId} (${opts.signingAlg})`, key_id: b.signature?.keyId ?? opts.verificationKeyId };
    } catch (e) {
      return { status: 'invalid', detail: (e as Error).message };
    }
  }
  // No key: the signature cannot be checked, but its file list can.
  const tokens = parseSignaturesFile(sigFile.content);
  if (tokens.length !== 1) return { status: 'invalid', detail: `.signatures.json holds ${tokens.length} JWTs (expected exactly one)` };
  const payload = JSON.parse(Buffer.from(tokens[0]!.split('.')[1] ?? '', 'base64url').toString('utf8')) as { files?: { name: string; hash: string; algorithm: string }[] };
  const listed = new Map((payload.files ?? []).map((f) => [f.name, f]));
  for (const f of entries) {
    if (f === sigFile) continue;
    const want = listed.get(f.path);
    if (want === undefined) return { status: 'invalid', detail: `file ${f.path} not included in bundle signature` };
    if (fileDigest(f.path, f.content, want.algorithm) !== want.hash.toLowerCase()) return { status: 'invalid', detail: `${f.path}: digest mismatch` };
    listed.delete(f.path);
  }
  if (listed.size > 0) return { status: 'invalid', detail: `file(s) [${[...listed.keys()].join(' ')}] specified in bundle signatures but not found in the target bundle` };
  return { status: 'unverified', detail: 'file digests match the signature; give --verification-key to verify the signature itself' };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerBundleCommands(policy: Command, io: CommandIO = consoleIO): void {
  policy
    .command('build')
    .description('build an OPA bundle (.tar.gz) from a policy directory, optionally signed')
    .argument('[dir]', 'the policy directory (its rego/ subdirectory when present)')
    .requiredOption('-o, --output <file>', 'where to write the bundle', 'bundle.tar.gz')
    .option('-r, --revision <revision>', "the manifest's revision (default: the directory's .manifest, else empty)")
    .option('--signing-key <key>', 'PEM file of the private key (RSA, ECDSA), or the HMAC secret')
    .addOption(new Option('--signing-alg <alg>', 'signing algorithm').choices([...SIGNING_ALGORITHMS]).default(DEFAULT_SIGNING_ALGORITHM))
    .option('--verification-key-id <id>', "the signature's key id (kid)", 'default')
    .option('--claims-file <file>', 'JSON file of extra claims for the signature (scope, iss, ...)')
    .option('--ignore <glob>', 'leave out module files matching the pattern (repeatable, e.g. "*_test.rego")', collect, [])
    .action(async (dir: string | undefined, opts: BuildCommandOptions) => {
      process.exitCode = await runBuild(dir ?? defaultPolicyDir(), opts, io);
    });

  policy
    .command('inspect')
    .description("show a bundle's manifest, files and signature status")
    .argument('<bundle>', 'the bundle (.tar.gz)')
    .option('--verification-key <key>', 'PEM file of the public key (RSA, ECDSA), or the HMAC secret, to verify the signature')
    .option('--verification-key-id <id>', 'the key id the signature must name (unless the bundle signing config says otherwise)', 'default')
    .addOption(new Option('--signing-alg <alg>', 'signature algorithm').choices([...SIGNING_ALGORITHMS]).default(DEFAULT_SIGNING_ALGORITHM))
    .option('--scope <scope>', 'the scope the signature must carry')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (file: string, opts: InspectCommandOptions) => {
      process.exitCode = await runInspect(file, opts, io);
    });
}

