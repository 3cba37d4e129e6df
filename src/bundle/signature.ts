/**
 * Bundle signatures as OPA writes and checks them (`v1/bundle/verify.go`,
 * `sign.go`): `.signatures.json` holds exactly one JWT whose payload lists
 * every file of the bundle with its digest (`files: [{name, hash,
 * algorithm}]`), optionally a `scope`. The JWT is verified with `jose`
 * against the configured key; the key is chosen by the bundle's
 * `signing.keyid`, else the token's `kid` header, else its (deprecated)
 * `keyid` claim. The scope must match exactly (configured on the bundle, else
 * on the key, else none).
 */
import { createPrivateKey, createPublicKey, createSecretKey, X509Certificate, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { BundleError } from './errors.js';
import { DEFAULT_HASH_ALGORITHM, fileDigest } from './hash.js';

export const SIGNING_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'] as const;
export const DEFAULT_SIGNING_ALGORITHM = 'RS256';

/** An entry of OPA's `keys` configuration. */
export interface KeyConfig {
  algorithm: string;
  /** PEM public key or certificate (RSA, ECDSA), or the HMAC secret. */
  key: string;
  scope?: string;
}

/** A bundle's `signing` configuration, resolved against `keys`. */
export interface VerificationConfig {
  /** `signing.keyid` (may be empty: the token then names its key). */
  keyId: string;
  /** `signing.scope` (empty: the key's scope, else none). */
  scope: string;
  /** `signing.exclude_files`: glob patterns of files not checked. */
  excludeFiles: readonly string[];
  keys: ReadonlyMap<string, KeyConfig>;
}

export interface SignedFile {
  name: string;
  hash: string;
  algorithm: string;
}

export interface VerifiedSignature {
  keyId: string;
  scope: string;
  /** The files the signature covers, by name (no leading `/`). */
  files: Map<string, SignedFile>;
  issuer?: string;
  issuedAt?: number;
}

interface SignaturesFile {
  plugin?: string;
  signatures?: string[];
}

/** Parses `.signatures.json`. */
export function parseSignaturesFile(content: Buffer): string[] {
  let doc: SignaturesFile;
  try {
    doc = JSON.parse(content.toString('utf8')) as SignaturesFile;
  } catch (err) {
    throw new BundleError(`.signatures.json is not JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BundleError('.signatures.json must hold a JSON object');
  if (doc.plugin !== undefined && doc.plugin !== '') throw new BundleError(`.signatures.json: signature plugin ${JSON.stringify(doc.plugin)} is not supported`);
  const tokens = doc.signatures ?? [];
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) throw new BundleError('.signatures.json: signatures must be a list of JWTs');
  return tokens;
}

/** Verifies the one JWT of `.signatures.json`; returns the files it covers. Throws `BundleError`. */
export async function verifySignatures(tokens: readonly string[], config: VerificationConfig): Promise<VerifiedSignature> {
  if (tokens.length === 0) throw new BundleError('.signatures.json: missing JWT (expected exactly one)');
  if (tokens.length > 1) throw new BundleError('.signatures.json: multiple JWTs not supported (expected exactly one)');
  const token = tokens[0]!;
  const parts = token.split('.');
  if (parts.length !== 3) throw new BundleError('.signatures.json: the signature is not a compact JWT');
  const header = decodePart(parts[0]!, 'headers');
  const claims = decodePart(parts[1]!, 'payload');
  const keyId = config.keyId || stringField(header, 'kid') || stringField(claims, 'keyid');
  if (keyId === '') throw new BundleError('verification key ID is empty');
  const keyConfig = config.keys.get(keyId);
  if (keyConfig === undefined) throw new BundleError(`verification key corresponding to ID ${keyId} not found`);
  const key = verificationKey(keyConfig);
  try {
    await compactVerify(token, key, { algorithms: [keyConfig.algorithm] });
  } catch (err) {
    throw new BundleError(`bundle signature verification failed: ${(err as Error).message}`);
  }
  const scope = config.scope || keyConfig.scope || '';
  if (stringField(claims, 'scope') !== scope) throw new BundleError('scope mismatch');
  const files = new Map<string, SignedFile>();
  const listed = claims['files'];
  if (!Array.isArray(listed)) throw new BundleError('bundle signature lists no files');
  for (const f of listed as unknown[]) {
    const file = f as Partial<SignedFile> | null;
    if (typeof file !== 'object' || file === null || typeof file.name !== 'string' || typeof file.hash !== 'string') {
      throw new BundleError('bundle signature has a malformed files entry');
    }
    files.set(file.name, { name: file.name, hash: file.hash, algorithm: typeof file.algorithm === 'string' ? file.algorithm : '' });
  }
  const result: VerifiedSignature = { keyId, scope, files };
  const iss = stringField(claims, 'iss');
  if (iss !== '') result.issuer = iss;
  if (typeof claims['iat'] === 'number') result.issuedAt = claims['iat'];
  return result;
}

/** Checks one file against the signature and strikes it off the list (OPA's `VerifyBundleFile`). */
export function verifyFile(path: string, content: Buffer, signature: VerifiedSignature): void {
  const file = signature.files.get(path);
  if (file === undefined) throw new BundleError(`file ${path} not included in bundle signature`);
  if (file.algorithm === '') throw new BundleError(`no hashing algorithm provided for file ${path}`);
  let actual: string;
  try {
    actual = fileDigest(path, content, file.algorithm);
  } catch (err) {
    throw new BundleError(`${path}: ${(err as Error).message}`);
  }
  if (actual !== file.hash.toLowerCase()) throw new BundleError(`${path}: digest mismatch (want: ${file.hash}, got: ${actual})`);
  signature.files.delete(path);
}

/** Files the signature lists that the bundle does not have (after every file was verified). */
export function unmatchedFiles(signature: VerifiedSignature): void {
  if (signature.files.size > 0) {
    throw new BundleError(`file(s) [${[...signature.files.keys()].sort().join(' ')}] specified in bundle signatures but not found in the target bundle`);
  }
}

/** `filepath.Match` for `exclude_files`: `*` and `?` never cross `/`; `[...]` classes; `\` escapes. */
export function globMatch(pattern: string, name: string): boolean {
  const match = (pi: number, ni: number): boolean => {
    while (pi < pattern.length) {
      const c = pattern[pi]!;
      if (c === '*') {
        for (let k = ni; k <= name.length; k++) {
          if (match(pi + 1, k)) return true;
          if (name[k] === '/') break;
        }
        return false;
      }
      if (ni >= name.length || name[ni] === '/' && c !== '/') return false;
      if (c === '?') {
        pi++;
        ni++;
        continue;
      }
      if (c === '[') {
        const end = pattern.indexOf(']', pi + 2);
        if (end < 0) return false;
        let body = pattern.slice(pi + 1, end);
        const negate = body.startsWith('^');
        if (negate) body = body.slice(1);
        let hit = false;
        for (let k = 0; k < body.length; k++) {
          if (body[k + 1] === '-' && k + 2 < body.length) {
            if (name[ni]! >= body[k]! && name[ni]! <= body[k + 2]!) hit = true;
            k += 2;
          } else if (body[k] === name[ni]) hit = true;
        }
        if (hit === negate) return false;
        pi = end + 1;
        ni++;
        continue;
      }
      const literal = c === '\\' && pi + 1 < pattern.length ? pattern[++pi]! : c;
      if (literal !== name[ni]) return false;
      pi++;
      ni++;
    }
    return ni === name.length;
  };
  return match(0, 0);
}

export interface SigningOptions {
  algorithm: string;
  /** PEM private key (RSA, ECDSA) or HMAC secret. */
  key: string;
  /** The `kid` header and, without claims, the `keyid` claim (as `opa build --verification-key-id`). */
  keyId?: string;
  /** Extra claims (`opa build --claims-file`): `scope`, `iss`, `iat`... */
  claims?: Record<string, unknown>;
}

/** The `.signatures.json` content signing `files` (each hashed with SHA-256). */
export async function signFiles(files: readonly { path: string; content: Buffer }[], opts: SigningOptions): Promise<Buffer> {
  const listed = files.map((f) => ({ name: f.path, hash: fileDigest(f.path, f.content, DEFAULT_HASH_ALGORITHM), algorithm: DEFAULT_HASH_ALGORITHM }));
  const payload: Record<string, unknown> = { files: listed };
  if (opts.claims !== undefined) Object.assign(payload, opts.claims);
  else if (opts.keyId) payload['keyid'] = opts.keyId;
  const header: { alg: string; kid?: string } = { alg: opts.algorithm };
  if (opts.keyId) header.kid = opts.keyId;
  const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).sign(signingKey(opts.algorithm, opts.key));
  return Buffer.from(JSON.stringify({ signatures: [token] }, null, 1) + '\n');
}

function decodePart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (err) {
    throw new BundleError(`failed to parse JWT ${what}: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BundleError(`failed to parse JWT ${what}: not an object`);
  return value as Record<string, unknown>;
}

function stringField(obj: Record<string, unknown>, key: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : '';
}

function isHmac(algorithm: string): boolean {
  return algorithm.startsWith('HS');
}

/** The public (or secret) key of a key config. */
export function verificationKey(config: KeyConfig): KeyObject {
  try {
    if (isHmac(config.algorithm)) return createSecretKey(Buffer.from(config.key, 'utf8'));
    if (config.key.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(config.key).publicKey;
    return createPublicKey(config.key);
  } catch (err) {
    throw new BundleError(`verification key for ${config.algorithm} is not usable: ${(err as Error).message}`);
  }
}

function signingKey(algorithm: string, key: string): KeyObject {
  return isHmac(algorithm) ? createSecretKey(Buffer.from(key, 'utf8')) : createPrivateKey(key);
}
