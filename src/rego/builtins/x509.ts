/**
 * `crypto.x509.*` and `crypto.parse_private_keys`, as OPA's topdown/crypto.go.
 * Certificates are returned in Go's x509.Certificate JSON shape (x509-model.ts).
 * Chain verification follows Go's x509.Verify for the common path: the first
 * certificate is the root, the last the leaf, the others intermediates.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { BuiltinContext, BuiltinImpl, BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { builtinError, obj, str } from './operands.js';
import { decodeBase64 } from './go-base64.js';
import { DerError, readTlv } from './der.js';
import { decodeAllPem, decodePem } from './jwt-keys.js';
import { parseIP } from './net-ip.js';
import { EXT_KEY_USAGE_NAMES, parseCertificate, parseCertificateRequest, publicKeyJSON, type ParsedCertificate } from './x509-model.js';
import { isNumber, objectEntries, plainNumber, RegoNumber, RegoSet, type JsonObject, type Value } from '../value.js';

/** A failure reported as `<built-in>: <message>`. */
class X509Error extends Error {}

function stdBase64(s: string): Buffer {
  const d = decodeBase64(s, false, true);
  if (!d.ok) throw new X509Error(d.error);
  return d.bytes;
}

/** Concatenated DER certificates (Go's x509.ParseCertificates). */
function parseDerCertificates(der: Buffer): ParsedCertificate[] {
  const out: ParsedCertificate[] = [];
  let p = 0;
  while (p < der.length) {
    const [t, next] = readTlv(der, p);
    out.push(parseCertificate(Buffer.from(t.raw)));
    p = next;
  }
  return out;
}

function certsFromPem(text: string): ParsedCertificate[] {
  const blocks = decodeAllPem(text);
  for (const b of blocks) if (b.type !== 'CERTIFICATE') throw new X509Error(`PEM block type is '${b.type}', expected CERTIFICATE`);
  return parseDerCertificates(Buffer.concat(blocks.map((b) => b.der)));
}

/** OPA's getX509CertsFromString: PEM, or base64 of PEM or DER. */
function certsFromString(input: string): ParsedCertificate[] {
  if (input.startsWith('-----BEGIN')) return certsFromPem(input);
  const bytes = stdBase64(input);
  if (bytes.subarray(0, 10).toString('latin1') === '-----BEGIN') return certsFromPem(bytes.toString('latin1'));
  return parseDerCertificates(bytes);
}

// ---------------------------------------------------------------------------
// Chain verification

interface VerifyOptions {
  dnsName: string;
  nowMs: number;
  /** Requested ExtKeyUsage values; empty means ServerAuth (Go's default). */
  keyUsages: number[];
}

function validAt(c: ParsedCertificate, nowMs: number): boolean {
  return Date.parse(c.json['NotBefore'] as string) <= nowMs && nowMs <= Date.parse(c.json['NotAfter'] as string);
}

function signedBy(child: ParsedCertificate, parent: ParsedCertificate): boolean {
  if (!child.rawIssuer.equals(parent.rawSubject)) return false;
  try {
    return new X509Certificate(child.der).verify(new X509Certificate(parent.der).publicKey);
  } catch {
    return false;
  }
}

/** Go's VerifyHostname against DNS SANs (one-label wildcards) or IP SANs. */
function matchesHost(leaf: ParsedCertificate, host: string): boolean {
  const ip = parseIP(host.replace(/^\[|\]$/g, ''));
  if (ip) return ((leaf.json['IPAddresses'] as string[] | null) ?? []).some((a) => parseIP(a)?.every((b, i) => b === ip[i]));
  const want = host.toLowerCase().replace(/\.$/, '');
  return ((leaf.json['DNSNames'] as string[] | null) ?? []).some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === want) return true;
    if (!p.startsWith('*.')) return false;
    const dot = want.indexOf('.');
    return dot > 0 && want.slice(dot) === p.slice(1);
  });
}

/** Go's checkChainForKeyUsage: every certificate with EKUs must allow one of the requested usages. */
function chainAllowsUsage(chain: ParsedCertificate[], wanted: number[]): boolean {
  if (wanted.includes(0)) return true; // ExtKeyUsageAny requested
  let usages = wanted.slice();
  for (let i = chain.length - 1; i >= 0; i--) {
    const c = chain[i]!.json;
    const known = (c['ExtKeyUsage'] as number[] | null) ?? [];
    const unknown = (c['UnknownExtKeyUsage'] as Value[] | null) ?? [];
    if (known.length === 0 && unknown.length === 0) continue;
    if (known.includes(0)) continue;
    usages = usages.filter((u) => known.includes(u));
    if (usages.length === 0) return false;
  }
  return true;
}

/** A verified chain leaf → root, or an error message. */
function verifyChain(certs: ParsedCertificate[], o: VerifyOptions): ParsedCertificate[] | string {
  if (certs.length < 2) return 'must have at least two certificates';
  const root = certs[0]!;
  const intermediates = certs.slice(1, -1);
  const leaf = certs[certs.length - 1]!;
  if (o.dnsName && !matchesHost(leaf, o.dnsName)) return `x509: certificate is not valid for ${o.dnsName}`;
  const isCA = (c: ParsedCertificate) => c.json['BasicConstraintsValid'] === true && c.json['IsCA'] === true;
  const build = (chain: ParsedCertificate[]): ParsedCertificate[] | null => {
    const current = chain[chain.length - 1]!;
    if (!validAt(current, o.nowMs)) return null;
    if (root.der.equals(current.der)) return chain;
    if (signedBy(current, root) && validAt(root, o.nowMs)) return [...chain, root];
    for (const parent of intermediates) {
      if (chain.includes(parent) || !isCA(parent) || !signedBy(current, parent)) continue;
      const found = build([...chain, parent]);
      if (found) return found;
    }
    return null;
  };
  const chain = build([leaf]);
  if (!chain) return 'x509: certificate signed by unknown authority';
  if (!chainAllowsUsage(chain, o.keyUsages.length ? o.keyUsages : [1])) return 'x509: certificate specifies an incompatible key usage';
  return chain;
}

function verifyOptions(options: JsonObject, nowNs: bigint): VerifyOptions {
  const o: VerifyOptions = { dnsName: '', nowMs: Number(nowNs / 1_000_000n), keyUsages: [] };
  for (const [k, v] of objectEntries(options)) {
    switch (k) {
      case 'DNSName':
        if (typeof v !== 'string') throw new X509Error("'DNSName' should be a string");
        o.dnsName = v.replace(/^"+|"+$/g, '');
        break;
      case 'CurrentTime':
        if (!isNumber(v)) throw new X509Error("'CurrentTime' should be a number");
        // Number.Int64 reads integer text only (`1e18` is not).
        if (v instanceof RegoNumber || !Number.isInteger(Number(v)) || BigInt(v) < -(2n ** 63n) || BigInt(v) >= 2n ** 63n) {
          throw new X509Error("'CurrentTime' should be a valid int64 number");
        }
        o.nowMs = Number(BigInt(plainNumber(v)) / 1_000_000n);
        break;
      case 'MaxConstraintComparisons':
        if (!isNumber(v)) throw new X509Error("'MaxConstraintComparisons' should be a number");
        break; // name constraints are not checked, so the limit has nothing to bound
      case 'KeyUsages': {
        if (!Array.isArray(v) && !(v instanceof RegoSet)) throw new X509Error("'KeyUsages' should be an Array or Set");
        const invalid: string[] = [];
        for (const u of Array.isArray(v) ? v : v.sorted()) {
          if (typeof u !== 'string') continue;
          const name = u.replace(/^"+|"+$/g, '');
          const i = EXT_KEY_USAGE_NAMES.indexOf(name);
          if (i < 0) invalid.push(name);
          else o.keyUsages.push(i);
        }
        if (invalid.length) throw new X509Error(`invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`);
        break;
      }
      default:
        throw new X509Error('invalid key option');
    }
  }
  return o;
}

/**
 * crypto.go extendCertificates: Go's certificate JSON plus URIStrings, the URIs as
 * strings (null when there are none: the field has no omitempty).
 */
function extendedJSON(c: ParsedCertificate): Value {
  return { ...c.json, URIStrings: c.uriStrings.length ? c.uriStrings : null };
}

/**
 * The certificates are parsed first (a failure is `[false, []]`), then the options
 * are read (a bad option is an error), then the chain is verified. Only
 * parse_and_verify_certificates extends the certificates with URIStrings.
 */
function parseAndVerify(input: string, options: () => VerifyOptions, extended: boolean): Value {
  let certs: ParsedCertificate[];
  try {
    certs = certsFromString(input);
  } catch (e) {
    if (e instanceof X509Error || e instanceof DerError) return [false, []];
    throw e;
  }
  const chain = verifyChain(certs, options());
  return typeof chain === 'string' ? [false, []] : [true, chain.map((c) => (extended ? extendedJSON(c) : c.json))];
}

// ---------------------------------------------------------------------------
// Private keys

/** Go's JSON of a private key (rsa.PrivateKey, ecdsa.PrivateKey, ed25519.PrivateKey). */
function privateKeyJSON(key: KeyObject): Value {
  const jwk = key.export({ format: 'jwk' });
  const n = (s: string | undefined) => publicBig(s);
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return {
        N: n(jwk.n),
        E: n(jwk.e),
        D: n(jwk.d),
        Primes: [n(jwk.p), n(jwk.q)],
        Precomputed: { Dp: n(jwk.dp), Dq: n(jwk.dq), Qinv: n(jwk.qi), CRTValues: [] },
      };
    case 'ec':
      return { Curve: {}, X: n(jwk.x), Y: n(jwk.y), D: n(jwk.d) };
    case 'ed25519':
      return Buffer.concat([Buffer.from(jwk.d ?? '', 'base64url'), Buffer.from(jwk.x ?? '', 'base64url')]).toString('base64');
    default:
      return null;
  }
}

function publicBig(s: string | undefined): Value {
  const bytes = Buffer.from(s ?? '', 'base64url');
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const KEY_BLOCKS: Record<string, 'pkcs1' | 'pkcs8' | 'sec1'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
};

function privateKeyFromBlock(type: string, der: Buffer): KeyObject | null {
  const format = KEY_BLOCKS[type];
  if (!format) return null;
  try {
    return createPrivateKey({ key: der, format: 'der', type: format });
  } catch (e) {
    throw new X509Error(`x509: failed to parse private key: ${(e as Error).message}`);
  }
}

/**
 * crypto.go getPrivateKeysFromPEMData: text that is valid base64 is decoded first;
 * RSA PRIVATE KEY (PKCS #1), PRIVATE KEY (PKCS #8) and EC PRIVATE KEY (SEC 1)
 * blocks are parsed, blocks of any other type are skipped.
 */
function privateKeysFromPem(input: string): KeyObject[] {
  const decoded = decodeBase64(input, false, true);
  const text = decoded.ok ? decoded.bytes.toString('latin1') : input;
  const out: KeyObject[] = [];
  for (const block of decodeAllPem(text)) {
    const key = privateKeyFromBlock(block.type, block.der);
    if (key) out.push(key);
  }
  return out;
}

/** builtinCryptoParsePrivateKeys: the empty string is null, no key block an empty array. */
function parsePrivateKeys(input: string): Value {
  if (input === '') return null;
  return privateKeysFromPem(input).map(privateKeyJSON);
}

/** Go's %T of a parsed private key, for jwk.New's "invalid key type" error. */
const GO_KEY_TYPES: Record<string, string> = { ed25519: 'ed25519.PrivateKey', x25519: '*ecdh.PrivateKey' };

/**
 * builtinCryptoJWKFromPrivateKey (crypto.x509.parse_rsa_private_key): the first
 * private key of the PEM data (or of its base64) as a JWK, null when there is none.
 * OPA's jwk.New takes RSA and ECDSA keys only.
 */
function parseRsaPrivateKey(input: string): Value {
  if (input === '') throw new X509Error('input PEM data was empty');
  const text = input.startsWith('-----BEGIN') ? input : stdBase64(input).toString('latin1');
  const [key] = privateKeysFromPem(text);
  if (!key) return null;
  const type = key.asymmetricKeyType ?? '';
  if (type !== 'rsa' && type !== 'ec') throw new X509Error(`invalid key type ${GO_KEY_TYPES[type] ?? type}`);
  const jwk = key.export({ format: 'jwk' }) as Record<string, Value>;
  return { ...jwk };
}

/** OPA's getTLSx509KeyPairFromString + Go's tls.X509KeyPair. */
function parseKeyPair(certInput: string, keyInput: string): Value {
  const asPem = (input: string, type: string): string => {
    const bytes = input.startsWith('-----BEGIN') ? Buffer.from(input, 'latin1') : stdBase64(input);
    if (bytes.subarray(0, 10).toString('latin1') === '-----BEGIN') return bytes.toString('latin1');
    return `-----BEGIN ${type}-----\n${bytes.toString('base64')}\n-----END ${type}-----\n`;
  };
  const certBlocks = decodeAllPem(asPem(certInput, 'CERTIFICATE')).filter((b) => b.type === 'CERTIFICATE');
  if (certBlocks.length === 0) throw new X509Error('tls: failed to find any PEM data in certificate input');
  const keyBlock = decodeAllPem(asPem(keyInput, 'PRIVATE KEY')).find((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
  if (!keyBlock) throw new X509Error('tls: failed to find any PEM data in key input');
  const key = privateKeyFromBlock(keyBlock.type, keyBlock.der);
  if (!key) throw new X509Error('tls: failed to parse private key');
  const leaf = parseCertificate(certBlocks[0]!.der);
  const certPublic = new X509Certificate(leaf.der).publicKey;
  const keyPublic = publicKeyJSON(key);
  if (JSON.stringify(publicKeyJSON(certPublic), bigintText) !== JSON.stringify(keyPublic, bigintText)) {
    throw new X509Error('tls: private key does not match public key');
  }
  return {
    Certificate: certBlocks.map((b) => b.der.toString('base64')),
    PrivateKey: privateKeyJSON(key),
    SupportedSignatureAlgorithms: null,
    OCSPStaple: null,
    SignedCertificateTimestamps: null,
    Leaf: leaf.json,
  };
}

function bigintText(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

// ---------------------------------------------------------------------------
// Table

function named(name: string, f: (args: Value[], ctx: BuiltinContext) => Value): BuiltinImpl {
  return (args, ctx) => {
    try {
      return f(args, ctx);
    } catch (e) {
      if (e instanceof BuiltinError) throw e;
      if (e instanceof X509Error || e instanceof DerError) throw builtinError(name, e.message);
      throw e;
    }
  };
}

export const x509Builtins: BuiltinTable = {
  'crypto.x509.parse_certificates': named('crypto.x509.parse_certificates', (args) =>
    certsFromString(str('crypto.x509.parse_certificates', args, 1)).map(extendedJSON),
  ),
  'crypto.x509.parse_and_verify_certificates': named('crypto.x509.parse_and_verify_certificates', (args, ctx) =>
    parseAndVerify(str('crypto.x509.parse_and_verify_certificates', args, 1), () => ({ dnsName: '', nowMs: Number(ctx.nowNs / 1_000_000n), keyUsages: [] }), true),
  ),
  'crypto.x509.parse_and_verify_certificates_with_options': named('crypto.x509.parse_and_verify_certificates_with_options', (args, ctx) => {
    const name = 'crypto.x509.parse_and_verify_certificates_with_options';
    const input = str(name, args, 1);
    const options = obj(name, args, 2) as JsonObject;
    return parseAndVerify(input, () => verifyOptions(options, ctx.nowNs), false);
  }),
  'crypto.x509.parse_certificate_request': named('crypto.x509.parse_certificate_request', (args) => {
    const input = str('crypto.x509.parse_certificate_request', args, 1);
    const bytes = input.startsWith('-----BEGIN CERTIFICATE REQUEST-----') ? Buffer.from(input, 'latin1') : stdBase64(input);
    const block = decodePem(bytes.toString('latin1'));
    if (block && block.type !== 'CERTIFICATE REQUEST') throw new X509Error('invalid PEM-encoded certificate signing request');
    return parseCertificateRequest(block ? block.der : bytes);
  }),
  'crypto.x509.parse_keypair': named('crypto.x509.parse_keypair', (args) =>
    parseKeyPair(str('crypto.x509.parse_keypair', args, 1), str('crypto.x509.parse_keypair', args, 2)),
  ),
  'crypto.x509.parse_rsa_private_key': named('crypto.x509.parse_rsa_private_key', (args) => parseRsaPrivateKey(str('crypto.x509.parse_rsa_private_key', args, 1))),
  'crypto.parse_private_keys': named('crypto.parse_private_keys', (args) => parsePrivateKeys(str('crypto.parse_private_keys', args, 1))),
};
