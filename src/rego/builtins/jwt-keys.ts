/**
 * Keys for the JWT built-ins: PEM certificates / public keys and JWK / JWK Sets
 * (as OPA's getKeysFromCertOrJWK and its vendored jwk package), and the
 * signature algorithms (sign and verify).
 *
 * Why node:crypto and not `jose` at run time: every `jose` function that signs
 * or verifies (`compactVerify`, `jwtVerify`, `CompactSign`, `importJWK`,
 * `importX509`, …) is asynchronous — jose 5+ is written on WebCrypto, whose API
 * has no synchronous form — while a built-in must return its value
 * synchronously inside an evaluation. Node's `crypto.verify`/`crypto.sign` over
 * `KeyObject`s are the same OpenSSL primitives WebCrypto (and so jose) uses in
 * Node, synchronously. OPA's key handling also differs from jose's in ways a
 * policy can observe (a private JWK never verifies in `io.jwt.verify_*`, ECDSA
 * signatures are split in halves whatever their length, HMAC secrets of any
 * length are accepted), so the key rules below are OPA's. `jose` stays a
 * development dependency: the tests sign with jose and verify here, and the
 * other way round, for every algorithm.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  constants,
  KeyObject,
  X509Certificate,
  type JsonWebKey,
} from 'node:crypto';
import { decodeBase64UrlLenient } from './go-base64.js';

/** A key a token may be verified with: `alg`/`kid` come from a JWK, empty for PEM. */
export interface VerificationKey {
  alg: string;
  kid: string;
  /** Public key, or the raw bytes of a symmetric (`oct`) JWK. */
  key: KeyObject | Buffer;
  /** The JWK held a private key (its public half is `key`): OPA's verify_* refuse it, decode_verify uses it. */
  private: boolean;
}

/** A failure that the built-in reports as an error (message without the built-in's name). */
export class KeyError extends Error {}

interface PemBlock {
  type: string;
  der: Buffer;
  rest: string;
}

/** The first PEM block in `text` (Go's pem.Decode), or null when there is none. */
export function decodePem(text: string): PemBlock | null {
  const m = /-----BEGIN ([^-\r\n]*)-----\r?\n([\s\S]*?)-----END \1-----[^\S\r\n]*(?:\r?\n|$)/.exec(text);
  if (!m) return null;
  const body = m[2]!
    .split(/\r?\n/)
    .filter((line) => !line.includes(':')) // RFC 1421 headers (Proc-Type: ...) are skipped
    .join('');
  if (!/^[A-Za-z0-9+/=\s]*$/.test(body)) return null;
  return { type: m[1]!, der: Buffer.from(body.replace(/\s+/g, ''), 'base64'), rest: text.slice(m.index + m[0].length) };
}

/** Every PEM block of `text`, in order. */
export function decodeAllPem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let rest = text;
  for (let b = decodePem(rest); b; b = decodePem(rest)) {
    out.push(b);
    rest = b.rest;
  }
  return out;
}

/** A JWK as parsed JSON; only the members used here are typed. */
type Jwk = JsonWebKey & { kty?: string; alg?: string; kid?: string; k?: string };

/** Parses a JWK or JWK Set (`{"keys": [...]}`) text into its keys. */
export function parseJwks(text: string): Jwk[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new KeyError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new KeyError('failed to parse a JWK key (set): not a JSON object');
  const obj = parsed as Record<string, unknown>;
  const keys = Object.prototype.hasOwnProperty.call(obj, 'keys') ? obj['keys'] : [obj];
  if (!Array.isArray(keys)) throw new KeyError('failed to parse a JWK key (set): "keys" must be an array');
  for (const k of keys) {
    if (k === null || typeof k !== 'object' || Array.isArray(k) || typeof (k as Jwk).kty !== 'string') {
      throw new KeyError('failed to parse a JWK key (set): invalid key type from JSON ()');
    }
  }
  return keys as Jwk[];
}

/** The key material of a JWK: raw bytes for `oct`, else a public or private KeyObject. */
export function materializeJwk(jwk: Jwk, wantPrivate: boolean): KeyObject | Buffer {
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new KeyError('failed to materialize a symmetric JWK: missing "k"');
    const d = decodeBase64UrlLenient(jwk.k);
    if (!d.ok) throw new KeyError(`failed to materialize a symmetric JWK: ${d.error}`);
    return d.bytes;
  }
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') throw new KeyError(`invalid key type from JSON (${jwk.kty})`);
  try {
    if (wantPrivate) return createPrivateKey({ key: jwk, format: 'jwk' });
    // A private JWK also verifies: derive its public key.
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (e) {
    throw new KeyError(`failed to materialize a ${jwk.kty} JWK: ${(e as Error).message}`);
  }
}

/** OPA's getKeysFromCertOrJWK: a PEM certificate or public key, else a JWK / JWK Set. */
export function keysFromCertOrJwk(text: string): VerificationKey[] {
  const block = decodePem(text);
  if (block) {
    // Go's pem.Decode takes the END line and its line break; anything after it, even a blank line, is extra.
    if (block.rest !== '') throw new KeyError('extra data after a PEM certificate block');
    if (block.type === 'CERTIFICATE') {
      try {
        return [{ alg: '', kid: '', key: new X509Certificate(block.der).publicKey, private: false }];
      } catch (e) {
        throw new KeyError(`failed to parse a PEM certificate: ${(e as Error).message}`);
      }
    }
    if (block.type === 'PUBLIC KEY') {
      try {
        return [{ alg: '', kid: '', key: createPublicKey({ key: block.der, format: 'der', type: 'spki' }), private: false }];
      } catch (e) {
        throw new KeyError(`failed to parse a PEM public key: ${(e as Error).message}`);
      }
    }
    throw new KeyError('failed to extract a Key from the PEM certificate');
  }
  const keys: VerificationKey[] = [];
  for (const jwk of parseJwks(text)) {
    const alg = typeof jwk.alg === 'string' ? jwk.alg : '';
    const key = materializeJwk(jwk, false);
    // Keys naming an algorithm OPA does not know are skipped.
    if (alg !== '' && algorithm(alg) === undefined) continue;
    keys.push({ alg, kid: typeof jwk.kid === 'string' ? jwk.kid : '', key, private: jwk.kty !== 'oct' && typeof jwk.d === 'string' });
  }
  return keys;
}

// ---------------------------------------------------------------------------
// Algorithms

type Family = 'HS' | 'RS' | 'PS' | 'ES' | 'EdDSA';

interface Algorithm {
  family: Family;
  /** Digest name for node:crypto (unused by EdDSA). */
  hash: string;
}

export const ALGORITHMS: Record<string, Algorithm> = {
  HS256: { family: 'HS', hash: 'sha256' },
  HS384: { family: 'HS', hash: 'sha384' },
  HS512: { family: 'HS', hash: 'sha512' },
  RS256: { family: 'RS', hash: 'sha256' },
  RS384: { family: 'RS', hash: 'sha384' },
  RS512: { family: 'RS', hash: 'sha512' },
  PS256: { family: 'PS', hash: 'sha256' },
  PS384: { family: 'PS', hash: 'sha384' },
  PS512: { family: 'PS', hash: 'sha512' },
  ES256: { family: 'ES', hash: 'sha256' },
  ES384: { family: 'ES', hash: 'sha384' },
  ES512: { family: 'ES', hash: 'sha512' },
  EdDSA: { family: 'EdDSA', hash: '' },
};

export function algorithm(name: string): Algorithm | undefined {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, name) ? ALGORITHMS[name] : undefined;
}

const KEY_TYPES: Record<Family, string[]> = {
  HS: [],
  RS: ['rsa'],
  PS: ['rsa', 'rsa-pss'],
  ES: ['ec'],
  EdDSA: ['ed25519'], // Go's ed25519 only
};

/** Byte length of one ECDSA coordinate for the key's curve. */
function ecCoordinateLength(key: KeyObject): number {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1' || curve === 'secp256k1') return 32;
  if (curve === 'secp384r1') return 48;
  if (curve === 'secp521r1') return 66;
  return 0;
}

/**
 * OPA's verify_es* split an ECDSA signature in two halves (r, s) whatever its
 * length (`n := len/2`); node wants exactly two coordinates of the curve's size,
 * so re-pad them. With `strict` (decode_verify, jwx) the length must be exact.
 */
function ecdsaP1363(signature: Buffer, size: number, strict: boolean): Buffer | null {
  if (signature.length === 0 || (strict && signature.length !== 2 * size)) return null;
  const half = Math.floor(signature.length / 2);
  const fit = (b: Buffer): Buffer | null => {
    let i = 0;
    while (i < b.length - size && b[i] === 0) i++;
    const t = b.subarray(i);
    return t.length > size ? null : Buffer.concat([Buffer.alloc(size - t.length), t]);
  };
  const r = fit(signature.subarray(0, half));
  const s = fit(signature.subarray(half));
  return r && s ? Buffer.concat([r, s]) : null;
}

/** Whether `signature` is valid for `data` under `alg` and `key`; a key of the wrong type never verifies. */
export function verifySignature(alg: Algorithm, key: KeyObject | Buffer, data: Buffer, signature: Buffer, strict = false): boolean {
  if (alg.family === 'HS') {
    if (!Buffer.isBuffer(key)) return false;
    const mac = createHmac(alg.hash, key).update(data).digest();
    return mac.length === signature.length && timingSafeEqual(mac, signature);
  }
  if (Buffer.isBuffer(key) || key.type !== 'public' || !KEY_TYPES[alg.family].includes(key.asymmetricKeyType ?? '')) return false;
  try {
    switch (alg.family) {
      case 'RS':
        return nodeVerify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'PS':
        return nodeVerify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
      case 'ES': {
        const sig = ecdsaP1363(signature, ecCoordinateLength(key), strict);
        return sig !== null && nodeVerify(alg.hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
      }
      case 'EdDSA':
        return nodeVerify(null, data, key, signature);
    }
  } catch {
    return false; // malformed signature for this key
  }
}

/** Signs `data`; throws KeyError when the key does not suit the algorithm. */
export function signData(alg: Algorithm, key: KeyObject | Buffer, data: Buffer): Buffer {
  if (alg.family === 'HS') {
    if (!Buffer.isBuffer(key)) throw new KeyError('failed to sign payload: invalid key type for HMAC signing');
    return createHmac(alg.hash, key).update(data).digest();
  }
  if (Buffer.isBuffer(key) || key.type !== 'private' || !KEY_TYPES[alg.family].includes(key.asymmetricKeyType ?? '')) {
    throw new KeyError(`failed to sign payload: invalid key type for ${alg.family === 'EdDSA' ? 'EdDSA' : alg.family} signing`);
  }
  switch (alg.family) {
    case 'RS':
      return nodeSign(alg.hash, data, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'PS':
      return nodeSign(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    case 'ES':
      return nodeSign(alg.hash, data, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return nodeSign(null, data, key);
  }
}
