/**
 * X.509 certificates and CSRs as the JSON of Go's `x509.Certificate` /
 * `x509.CertificateRequest`, which is what OPA's crypto.x509.* built-ins return:
 * Go field names, `[]byte` as standard base64, big integers as numbers, OIDs as
 * integer arrays, times as RFC 3339, nil slices as null.
 *
 * Covered: raw parts, signature and public key algorithms, public key, version,
 * serial number, issuer/subject (pkix.Name), validity, key usage, extensions,
 * extended key usage, basic constraints, key identifiers, authority info
 * access, SANs (DNS, email, IP, URI), CRL distribution points, policy
 * identifiers. Name constraints and policy mappings are left at Go's zero values.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { asString, asTime, bitString, children, DerError, integer, oidArcs, oidString, parseDer, unsigned, type Tlv } from './der.js';
import { ipString } from './net-ip.js';
import { normalizeBigInt, type JsonObject, type Value } from '../value.js';

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const big = (n: bigint): number | bigint => normalizeBigInt(n);
const b64urlBig = (s: string | undefined): number | bigint => big(unsigned(Buffer.from(s ?? '', 'base64url')));

const SIGNATURE_ALGORITHMS: Record<string, number> = {
  '1.2.840.113549.1.1.2': 1,
  '1.2.840.113549.1.1.4': 2,
  '1.2.840.113549.1.1.5': 3,
  '1.2.840.113549.1.1.11': 4,
  '1.2.840.113549.1.1.12': 5,
  '1.2.840.113549.1.1.13': 6,
  '1.2.840.10040.4.3': 7,
  '2.16.840.1.101.3.4.3.2': 8,
  '1.2.840.10045.4.1': 9,
  '1.2.840.10045.4.3.2': 10,
  '1.2.840.10045.4.3.3': 11,
  '1.2.840.10045.4.3.4': 12,
  '1.3.101.112': 16,
};
const RSA_PSS = '1.2.840.113549.1.1.10';
const PSS_HASH: Record<string, number> = { '2.16.840.1.101.3.4.2.1': 13, '2.16.840.1.101.3.4.2.2': 14, '2.16.840.1.101.3.4.2.3': 15 };

const PUBLIC_KEY_ALGORITHMS: Record<string, number> = {
  '1.2.840.113549.1.1.1': 1,
  '1.2.840.10040.4.1': 2,
  '1.2.840.10045.2.1': 3,
  '1.3.101.112': 4,
};

const EXT_KEY_USAGES: Record<string, number> = {
  '2.5.29.37.0': 0,
  '1.3.6.1.5.5.7.3.1': 1,
  '1.3.6.1.5.5.7.3.2': 2,
  '1.3.6.1.5.5.7.3.3': 3,
  '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5,
  '1.3.6.1.5.5.7.3.6': 6,
  '1.3.6.1.5.5.7.3.7': 7,
  '1.3.6.1.5.5.7.3.8': 8,
  '1.3.6.1.5.5.7.3.9': 9,
  '1.3.6.1.4.1.311.10.3.3': 10,
  '2.16.840.1.113730.4.1': 11,
  '1.3.6.1.4.1.311.2.1.22': 12,
  '1.3.6.1.4.1.311.61.1.1': 13,
};

/** Go's ExtKeyUsage names (for verification options). */
export const EXT_KEY_USAGE_NAMES = [
  'KeyUsageAny',
  'KeyUsageServerAuth',
  'KeyUsageClientAuth',
  'KeyUsageCodeSigning',
  'KeyUsageEmailProtection',
  'KeyUsageIPSECEndSystem',
  'KeyUsageIPSECTunnel',
  'KeyUsageIPSECUser',
  'KeyUsageTimeStamping',
  'KeyUsageOCSPSigning',
  'KeyUsageMicrosoftServerGatedCrypto',
  'KeyUsageNetscapeServerGatedCrypto',
  'KeyUsageMicrosoftCommercialCodeSigning',
  'KeyUsageMicrosoftKernelCodeSigning',
];

function expectSequence(t: Tlv | undefined, what: string): Tlv[] {
  if (!t || t.cls !== 0 || t.tag !== 16) throw new DerError(`x509: malformed ${what}`);
  return children(t);
}

function signatureAlgorithm(alg: Tlv): number {
  const parts = children(alg);
  const oid = oidString(parts[0]!);
  if (oid === RSA_PSS) {
    // RSASSA-PSS-params: [0] hashAlgorithm
    const params = parts[1] ? children(parts[1]) : [];
    const hash = params.find((p) => p.cls === 2 && p.tag === 0);
    const hashOid = hash ? oidString(children(children(hash)[0]!)[0]!) : '';
    return PSS_HASH[hashOid] ?? 0;
  }
  return SIGNATURE_ALGORITHMS[oid] ?? 0;
}

/** The Go JSON of a public key (rsa.PublicKey, ecdsa.PublicKey, ed25519.PublicKey). */
export function publicKeyJSON(key: KeyObject): Value {
  const jwk = key.export({ format: 'jwk' });
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { N: b64urlBig(jwk.n), E: b64urlBig(jwk.e) };
    case 'ec':
      return { Curve: {}, X: b64urlBig(jwk.x), Y: b64urlBig(jwk.y) };
    case 'ed25519':
      return b64(Buffer.from(jwk.x ?? '', 'base64url'));
    default:
      return null;
  }
}

function spki(t: Tlv): { algorithm: number; key: Value } {
  const [alg] = expectSequence(t, 'public key info');
  const algorithm = PUBLIC_KEY_ALGORITHMS[oidString(children(alg!)[0]!)] ?? 0;
  let key: Value = null;
  if (algorithm !== 0) {
    try {
      key = publicKeyJSON(createPublicKey({ key: t.raw, format: 'der', type: 'spki' }));
    } catch {
      throw new DerError('x509: failed to parse public key');
    }
  }
  return { algorithm, key };
}

const NAME_FIELDS: Record<number, string> = {
  3: 'CommonName',
  5: 'SerialNumber',
  6: 'Country',
  7: 'Locality',
  8: 'Province',
  9: 'StreetAddress',
  10: 'Organization',
  11: 'OrganizationalUnit',
  17: 'PostalCode',
};

/** pkix.Name filled from an RDN sequence, as Go's FillFromRDNSequence. */
function pkixName(t: Tlv): JsonObject {
  const out: Record<string, Value> = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: '',
    CommonName: '',
    Names: null,
    ExtraNames: null,
  };
  const names: Value[] = [];
  for (const rdn of children(t)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      const arcs = oidArcs(type!);
      const text = asString(value!);
      names.push({ Type: arcs, Value: text });
      if (arcs.length === 4 && arcs[0] === 2 && arcs[1] === 5 && arcs[2] === 4) {
        const field = NAME_FIELDS[arcs[3]!];
        if (field === 'CommonName' || field === 'SerialNumber') out[field] = text;
        else if (field) out[field] = [...((out[field] as Value[] | null) ?? []), text];
      }
    }
  }
  if (names.length > 0) out['Names'] = names;
  return out;
}

interface GeneralNames {
  dns: string[];
  email: string[];
  ip: string[];
  uri: string[];
}

function generalNames(items: Tlv[], into: GeneralNames): void {
  for (const g of items) {
    if (g.cls !== 2) continue;
    if (g.tag === 1) into.email.push(g.content.toString('latin1'));
    else if (g.tag === 2) into.dns.push(g.content.toString('latin1'));
    else if (g.tag === 6) into.uri.push(g.content.toString('latin1'));
    else if (g.tag === 7 && (g.content.length === 4 || g.content.length === 16)) into.ip.push(ipString(new Uint8Array(g.content)));
  }
}

/** Go's url.URL JSON for a parsed URI. */
function urlJSON(s: string): Value {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$/.exec(s);
  const opaque = m && m[2] === undefined;
  return {
    Scheme: m ? m[1]!.toLowerCase() : '',
    Opaque: opaque ? m![4]! : '',
    User: null,
    Host: m?.[3] ?? '',
    Path: m && !opaque ? decodeURIComponentSafe(m[4]!) : m ? '' : s,
    RawPath: '',
    OmitHost: false,
    ForceQuery: false,
    RawQuery: m?.[6] ?? '',
    Fragment: m?.[8] !== undefined ? decodeURIComponentSafe(m[8]) : '',
    RawFragment: '',
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Fields derived from extensions (shared by certificates and CSRs). */
/** Fills the extension fields of `out`; returns the URI names as written (for OPA's URIStrings). */
function extensionFields(exts: Tlv[], out: Record<string, Value>, isCertificate: boolean): string[] {
  const names: GeneralNames = { dns: [], email: [], ip: [], uri: [] };
  const list: Value[] = [];
  for (const ext of exts) {
    const parts = children(ext);
    const id = parts[0]!;
    const critical = parts.length === 3 && parts[1]!.tag === 1 && parts[1]!.content[0] !== 0;
    const value = parts[parts.length - 1]!.content;
    list.push({ Id: oidArcs(id), Critical: critical, Value: b64(value) });
    const oid = oidString(id);
    const inner = (): Tlv => parseDer(Buffer.from(value));
    if (oid === '2.5.29.17') generalNames(children(inner()), names);
    if (!isCertificate) continue;
    switch (oid) {
      case '2.5.29.15': {
        const { bytes, bitLength } = bitString(inner());
        let usage = 0;
        for (let i = 0; i < Math.min(bitLength, 9); i++) if (bytes[i >> 3]! & (0x80 >> (i & 7))) usage |= 1 << i;
        out['KeyUsage'] = usage;
        break;
      }
      case '2.5.29.19': {
        const seq = children(inner());
        let i = 0;
        out['BasicConstraintsValid'] = true;
        out['IsCA'] = false;
        if (seq[i]?.tag === 1) out['IsCA'] = seq[i++]!.content[0] !== 0;
        if (seq[i]?.tag === 2) {
          const n = Number(integer(seq[i]!));
          out['MaxPathLen'] = n;
          out['MaxPathLenZero'] = n === 0;
        } else out['MaxPathLen'] = -1;
        break;
      }
      case '2.5.29.14':
        out['SubjectKeyId'] = b64(inner().content);
        break;
      case '2.5.29.35': {
        const kid = children(inner()).find((c) => c.cls === 2 && c.tag === 0);
        if (kid) out['AuthorityKeyId'] = b64(kid.content);
        break;
      }
      case '2.5.29.37': {
        const known: number[] = [];
        const unknown: Value[] = [];
        for (const o of children(inner())) {
          const u = EXT_KEY_USAGES[oidString(o)];
          if (u === undefined) unknown.push(oidArcs(o));
          else known.push(u);
        }
        if (known.length) out['ExtKeyUsage'] = known;
        if (unknown.length) out['UnknownExtKeyUsage'] = unknown;
        break;
      }
      case '1.3.6.1.5.5.7.1.1': {
        const ocsp: string[] = [];
        const issuers: string[] = [];
        for (const ad of children(inner())) {
          const [method, location] = children(ad);
          if (location?.cls !== 2 || location.tag !== 6) continue;
          const m = oidString(method!);
          if (m === '1.3.6.1.5.5.7.48.1') ocsp.push(location.content.toString('latin1'));
          if (m === '1.3.6.1.5.5.7.48.2') issuers.push(location.content.toString('latin1'));
        }
        if (ocsp.length) out['OCSPServer'] = ocsp;
        if (issuers.length) out['IssuingCertificateURL'] = issuers;
        break;
      }
      case '2.5.29.31': {
        const points: string[] = [];
        for (const dp of children(inner())) {
          const name = children(dp).find((c) => c.cls === 2 && c.tag === 0);
          const full = name && children(name).find((c) => c.cls === 2 && c.tag === 0);
          if (full) for (const g of children(full)) if (g.cls === 2 && g.tag === 6) points.push(g.content.toString('latin1'));
        }
        if (points.length) out['CRLDistributionPoints'] = points;
        break;
      }
      case '2.5.29.32': {
        const ids = children(inner()).map((p) => oidArcs(children(p)[0]!));
        if (ids.length) {
          out['PolicyIdentifiers'] = ids;
          out['Policies'] = ids.map((a) => a.join('.'));
        }
        break;
      }
    }
  }
  out['Extensions'] = list.length ? list : null;
  out['DNSNames'] = names.dns.length ? names.dns : null;
  out['EmailAddresses'] = names.email.length ? names.email : null;
  out['IPAddresses'] = names.ip.length ? names.ip : null;
  out['URIs'] = names.uri.length ? names.uri.map(urlJSON) : null;
  return names.uri;
}

export interface ParsedCertificate {
  der: Buffer;
  /** Go's JSON of the x509.Certificate. */
  json: JsonObject;
  /** The URI names as strings (OPA's extendedCert adds them as URIStrings). */
  uriStrings: string[];
  rawSubject: Buffer;
  rawIssuer: Buffer;
}

/** Parses one DER certificate into Go's x509.Certificate JSON. Throws DerError. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  const cert = parseDer(der);
  const [tbs, sigAlg, sig] = expectSequence(cert, 'certificate');
  const fields = expectSequence(tbs, 'tbs certificate');
  let i = 0;
  let version = 0;
  if (fields[i]?.cls === 2 && fields[i]!.tag === 0) version = Number(integer(children(fields[i++]!)[0]!));
  const serial = fields[i++]!;
  i++; // tbs signature algorithm (must equal the outer one)
  const issuer = fields[i++]!;
  const validity = expectSequence(fields[i++], 'validity');
  const subject = fields[i++]!;
  const keyInfo = fields[i++]!;
  if (!serial || !issuer || !subject || !keyInfo || validity.length !== 2 || !sigAlg || !sig) throw new DerError('x509: malformed certificate');
  const key = spki(keyInfo);
  const exts = fields.slice(i).find((f) => f.cls === 2 && f.tag === 3);
  const out: Record<string, Value> = {
    Raw: b64(der),
    RawTBSCertificate: b64(tbs!.raw),
    RawSubjectPublicKeyInfo: b64(keyInfo.raw),
    RawSubject: b64(subject.raw),
    RawIssuer: b64(issuer.raw),
    Signature: b64(bitString(sig).bytes),
    SignatureAlgorithm: signatureAlgorithm(sigAlg),
    PublicKeyAlgorithm: key.algorithm,
    PublicKey: key.key,
    Version: version + 1,
    SerialNumber: big(integer(serial)),
    Issuer: pkixName(issuer),
    Subject: pkixName(subject),
    NotBefore: asTime(validity[0]!),
    NotAfter: asTime(validity[1]!),
    KeyUsage: 0,
    Extensions: null,
    ExtraExtensions: null,
    UnhandledCriticalExtensions: null,
    ExtKeyUsage: null,
    UnknownExtKeyUsage: null,
    BasicConstraintsValid: false,
    IsCA: false,
    MaxPathLen: 0,
    MaxPathLenZero: false,
    SubjectKeyId: null,
    AuthorityKeyId: null,
    OCSPServer: null,
    IssuingCertificateURL: null,
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
    PermittedDNSDomainsCritical: false,
    PermittedDNSDomains: null,
    ExcludedDNSDomains: null,
    PermittedIPRanges: null,
    ExcludedIPRanges: null,
    PermittedEmailAddresses: null,
    ExcludedEmailAddresses: null,
    PermittedURIDomains: null,
    ExcludedURIDomains: null,
    CRLDistributionPoints: null,
    PolicyIdentifiers: null,
    Policies: null,
  };
  const uriStrings = extensionFields(exts ? expectSequence(children(exts)[0], 'extensions') : [], out, true);
  return { der, json: out, uriStrings, rawSubject: subject.raw, rawIssuer: issuer.raw };
}

/** Parses a DER certificate request into Go's x509.CertificateRequest JSON. Throws DerError. */
export function parseCertificateRequest(der: Buffer): JsonObject {
  const csr = parseDer(der);
  const [info, sigAlg, sig] = expectSequence(csr, 'certificate request');
  const [version, subject, keyInfo, attributes] = expectSequence(info, 'certificate request info');
  if (!version || !subject || !keyInfo || !sigAlg || !sig) throw new DerError('x509: malformed certificate request');
  const key = spki(keyInfo);
  const out: Record<string, Value> = {
    Raw: b64(der),
    RawTBSCertificateRequest: b64(info!.raw),
    RawSubjectPublicKeyInfo: b64(keyInfo.raw),
    RawSubject: b64(subject.raw),
    Version: Number(integer(version)),
    Signature: b64(bitString(sig).bytes),
    SignatureAlgorithm: signatureAlgorithm(sigAlg),
    PublicKeyAlgorithm: key.algorithm,
    PublicKey: key.key,
    Subject: pkixName(subject),
    Attributes: null,
    Extensions: null,
    ExtraExtensions: null,
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
  };
  // Extensions come in the extensionRequest attribute (PKCS#9, 1.2.840.113549.1.9.14).
  const exts: Tlv[] = [];
  for (const attr of attributes ? children(attributes) : []) {
    const [type, values] = children(attr);
    if (oidString(type!) !== '1.2.840.113549.1.9.14') continue;
    for (const v of children(values!)) exts.push(...children(v));
  }
  extensionFields(exts, out, false);
  return out;
}
