/**
 * `io.jwt.*` built-ins, following OPA's topdown/tokens.go: decoding, signature
 * verification (HS/RS/PS/ES/EdDSA), `decode_verify` with its constraints, and
 * signing. Keys and algorithms are in jwt-keys.ts.
 */
import type { BuiltinImpl, BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { builtinError, obj, str } from './operands.js';
import { decodeBase64UrlLenient, encodeBase64Url } from './go-base64.js';
import { goMarshal, isValidJSON, JSONSyntaxError, parseJSON } from './json-text.js';
import {
  algorithm,
  KeyError,
  keysFromCertOrJwk,
  materializeJwk,
  parseJwks,
  signData,
  verifySignature,
  type VerificationKey,
} from './jwt-keys.js';
import {
  compare,
  isNumber,
  isPlainObject,
  objectEntries,
  objectGet,
  sortedEntries,
  toJSONText,
  type JsonObject,
  type Value,
} from '../value.js';

/** A failure inside a JWT built-in; the table entry prefixes the built-in's name. */
class TokenError extends Error {}

interface Token {
  header: string;
  payload: string;
  signature: string;
}

/** Splits a compact JWS (OPA's decodeJWT). */
function splitToken(text: string): Token {
  if (!text.includes('.')) throw new TokenError('encoded JWT had no period separators');
  const parts = text.split('.');
  if (parts.length !== 3) throw new TokenError(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0]!, payload: parts[1]!, signature: parts[2]! };
}

function b64(part: string, what: string): Buffer {
  const d = decodeBase64UrlLenient(part);
  if (!d.ok) throw new TokenError(what ? `${what} had invalid encoding: ${d.error}` : d.error);
  return d.bytes;
}

/** A JSON object text as a Rego object (Go's decoder: exact numbers, duplicate keys keep the last). */
function jsonObject(text: string): JsonObject {
  let v: Value;
  try {
    v = parseJSON(text);
  } catch (e) {
    if (e instanceof JSONSyntaxError) throw new TokenError(`invalid JSON: ${e.message}`);
    throw e;
  }
  if (!isPlainObject(v)) throw new TokenError('decoded JSON type was not an Object');
  return v;
}

function decodeHeader(token: Token): JsonObject {
  const text = b64(token.header, 'JWT header').toString('utf8');
  let header: JsonObject;
  try {
    header = jsonObject(text);
  } catch (e) {
    throw new TokenError(`bad JWT header: ${(e as Error).message}`);
  }
  if (objectGet(header, 'enc') !== undefined) throw new TokenError('JWT is a JWE object, which is not supported');
  return header;
}

function stringMember(o: JsonObject, key: string): string | undefined {
  const v = objectGet(o, key);
  return typeof v === 'string' ? v : undefined;
}

// ---------------------------------------------------------------------------
// io.jwt.decode

function decode(text: string): Value {
  const token = splitToken(text);
  const header = decodeHeader(token);
  const payloadText = b64(token.payload, 'JWT payload').toString('utf8');
  // A nested token (cty JWT) is decoded instead; jwt.io quotes it, so quotes are trimmed.
  if (stringMember(header, 'cty') === 'JWT') return decode(payloadText.replace(/^["']+|["']+$/g, ''));
  const payload = jsonObject(payloadText);
  const signature = b64(token.signature, 'JWT signature').toString('hex');
  return [header, payload, signature];
}

// ---------------------------------------------------------------------------
// io.jwt.verify_*

/** `io.jwt.verify_<alg>(token, key)`: like OPA, the header's `alg` is not consulted, only the function's. */
function verifyWith(algName: string): (args: Value[], name: string) => boolean {
  const alg = algorithm(algName)!;
  return (args, name) => {
    if (alg.family === 'HS') {
      // OPA reads both string operands before it splits the token.
      const text = str(name, args, 1);
      const secret = str(name, args, 2);
      const token = splitToken(text);
      const signature = b64(token.signature, '');
      return verifySignature(alg, Buffer.from(secret, 'utf8'), Buffer.from(`${token.header}.${token.payload}`), signature);
    }
    const token = splitToken(str(name, args, 1));
    const keyText = str(name, args, 2);
    const data = Buffer.from(`${token.header}.${token.payload}`);
    // OPA type-asserts a public key: a private JWK ("d" present) never verifies here.
    const keys = keysFromCertOrJwk(keyText).map((k) => (k.private ? { ...k, key: Buffer.alloc(0) } : k));
    const signature = b64(token.signature, '');
    const header = tokenHeader(decodeHeader(token));
    // A JWK whose kid matches the token's is the only one tried.
    if (header.kid) {
      const byKid = keys.find((k) => k.kid === header.kid);
      if (byKid) return verifySignature(alg, byKid.key, data, signature);
    }
    // Otherwise any key, skipping JWKs whose alg differs from the token's.
    return keys.some((k) => (k.alg === '' || k.alg === header.alg) && verifySignature(alg, k.key, data, signature));
  };
}

interface TokenHeader {
  alg: string;
  kid: string;
  cty: string;
  crit: string[] | null;
  names: Set<string>;
}

const KNOWN_HEADERS = new Set(['alg', 'kid', 'typ', 'cty', 'crit']);

/** OPA's parseTokenHeader: typed members with its errors (`alg: must be a string`). */
function tokenHeader(header: JsonObject): TokenHeader {
  const out: TokenHeader = { alg: '', kid: '', cty: '', crit: null, names: new Set() };
  for (const [k, v] of sortedEntries(header)) {
    const key = k as string;
    out.names.add(key);
    if (key === 'alg' || key === 'kid' || key === 'typ' || key === 'cty') {
      if (typeof v !== 'string') throw new TokenError(`${key}: must be a string`);
      if (key !== 'typ') out[key] = v;
    } else if (key === 'crit') {
      if (!Array.isArray(v)) throw new TokenError('crit: must be a list');
      // OPA ignores the error its iteration returns for a non-string member: such members are just skipped.
      const names = v.filter((x): x is string => typeof x === 'string');
      if (names.length === 0) throw new TokenError('crit: must be a nonempty list');
      out.crit = names;
    }
  }
  return out;
}

/** RFC 7515: `alg` is required, and every critical parameter must be understood. */
function headerValid(h: TokenHeader): boolean {
  if (h.alg === '') return false;
  return (h.crit ?? []).every((c) => KNOWN_HEADERS.has(c));
}

// ---------------------------------------------------------------------------
// io.jwt.decode_verify

interface Constraints {
  keys: VerificationKey[] | null;
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  /** rego-cpp extension (not in OPA): required `sub` claim. */
  sub: string | null;
  /** Nanoseconds since the epoch (the `time` constraint, else the evaluation clock). */
  timeNs: number;
}

function constraintString(name: string, v: Value): string {
  if (typeof v !== 'string') throw new TokenError(`${name} constraint: must be a string`);
  return v;
}

function parseConstraints(o: Value, nowNs: bigint): Constraints {
  const c: Constraints = { keys: null, secret: '', alg: '', iss: '', aud: '', sub: null, timeNs: Number(nowNs) };
  for (const [k, v] of objectEntries(o as JsonObject)) {
    switch (k) {
      case 'cert':
        c.keys = keysFromCertOrJwk(constraintString('cert', v));
        break;
      case 'secret':
        c.secret = constraintString('secret', v);
        break;
      case 'alg':
        c.alg = constraintString('alg', v);
        break;
      case 'iss':
        c.iss = constraintString('iss', v);
        break;
      case 'aud':
        c.aud = constraintString('aud', v);
        break;
      case 'sub':
        c.sub = constraintString('sub', v);
        break;
      case 'time': {
        if (!isNumber(v)) throw new TokenError('token time constraint: must be a number');
        const t = Number(v);
        if (t < 0) throw new TokenError('token time constraint: must not be negative');
        c.timeNs = t;
        break;
      }
      default:
        throw new TokenError(`unknown token validation constraint: ${typeof k === 'string' ? k : toJSONText(k)}`);
    }
  }
  const keyConstraints = (c.keys !== null ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (keyConstraints > 1) throw new TokenError('duplicate key constraints');
  if (keyConstraints < 1) throw new TokenError('no key constraint');
  return c;
}

/** Signature check of decode_verify: an unknown algorithm with keys is an error; a mismatch is just unverified. */
function constraintsVerify(c: Constraints, header: TokenHeader, token: Token, signature: Buffer): boolean {
  const data = Buffer.from(`${token.header}.${token.payload}`);
  // jwx's Verify fails for an algorithm it does not know ("none" included): OPA reports that as unverified.
  const alg = algorithm(header.alg);
  if (!alg) return false;
  if (c.keys !== null) {
    if (header.kid) {
      const byKid = c.keys.find((k) => k.kid === header.kid);
      if (byKid) return verifySignature(alg, byKid.key, data, signature, true);
    }
    return c.keys.some((k) => (k.alg === '' || k.alg === header.alg) && verifySignature(alg, k.key, data, signature, true));
  }
  if (alg.family !== 'HS') return false;
  return verifySignature(alg, Buffer.from(c.secret, 'utf8'), data, signature);
}

function validAudience(c: Constraints, aud: Value): boolean {
  if (typeof aud === 'string') return aud === c.aud;
  return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && a === c.aud);
}

const UNVERIFIED: Value = [false, {}, {}];

function decodeVerify(tokenOperand: Value, name: string, constraintsObj: Value, nowNs: bigint): Value {
  const c = parseConstraints(constraintsObj, nowNs);
  let current = str(name, [tokenOperand], 1);
  let header: JsonObject;
  let payloadText: string;
  for (;;) {
    const token = splitToken(current);
    header = decodeHeader(token);
    const h = tokenHeader(header);
    if (!headerValid(h)) return UNVERIFIED;
    if (c.alg !== '' && c.alg !== h.alg) return UNVERIFIED;
    const signature = b64(token.signature, '');
    if (!constraintsVerify(c, h, token, signature)) return UNVERIFIED;
    payloadText = b64(token.payload, 'JWT payload').toString('utf8');
    // A nested token is verified in turn with the same constraints.
    if (h.cty.toUpperCase() === 'JWT') {
      current = payloadText;
      continue;
    }
    break;
  }
  const payload = jsonObject(payloadText);
  if (c.iss !== '' && objectGet(payload, 'iss') !== c.iss) return UNVERIFIED;
  const aud = objectGet(payload, 'aud');
  if (aud !== undefined ? !validAudience(c, aud) : c.aud !== '') return UNVERIFIED;
  if (c.sub !== null && objectGet(payload, 'sub') !== c.sub) return UNVERIFIED;
  const nowSeconds = c.timeNs / 1e9;
  const exp = objectGet(payload, 'exp');
  if (exp !== undefined) {
    if (!isNumber(exp)) throw new TokenError('exp value must be a number');
    if (compare(nowSeconds, exp) !== -1) return UNVERIFIED;
  }
  const nbf = objectGet(payload, 'nbf');
  if (nbf !== undefined) {
    if (!isNumber(nbf)) throw new TokenError('nbf value must be a number');
    if (compare(nowSeconds, nbf) === -1) return UNVERIFIED;
  }
  return [true, header, payload];
}

// ---------------------------------------------------------------------------
// io.jwt.encode_sign / encode_sign_raw

/** OPA's commonBuiltinJWTEncodeSign: the header and payload texts are signed as given. */
function encodeSign(headerText: string, payloadText: string, jwkText: string): string {
  const jwk = parseJwks(jwkText)[0];
  if (!jwk) throw new TokenError('failed to parse a JWK key (set): empty key set');
  const key = materializeJwk(jwk, jwk.kty !== 'oct');
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    throw new TokenError((e as Error).message);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new TokenError('JWS header must be a JSON object');
  const h = header as Record<string, unknown>;
  // jwsbb.HeaderGetString's errors, wrapped as OPA wraps them.
  if (!Object.prototype.hasOwnProperty.call(h, 'alg')) throw new TokenError(`missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  const algValue = h['alg'];
  if (typeof algValue !== 'string') throw new TokenError(`missing or invalid 'alg' header: value doesn't contain string; it contains ${fastjsonType(algValue)}`);
  const alg = algorithm(algValue);
  if (!alg) throw new TokenError(`unknown JWS algorithm: ${algValue}`);
  const typ = typeof h['typ'] === 'string' ? h['typ'] : '';
  if ((typ === '' || typ === 'JWT') && !isValidJSON(payloadText)) throw new TokenError('type is JWT but payload is not JSON');
  const signingInput = `${encodeBase64Url(Buffer.from(headerText))}.${encodeBase64Url(Buffer.from(payloadText))}`;
  return `${signingInput}.${encodeBase64Url(signData(alg, key, Buffer.from(signingInput)))}`;
}

/** fastjson's name of a JSON value's type. */
function fastjsonType(v: unknown): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

// ---------------------------------------------------------------------------
// Table

/** Turns the internal failures into BuiltinErrors prefixed with the built-in's name. */
function named(name: string, f: (args: Value[], name: string, nowNs: bigint) => Value): BuiltinImpl {
  return (args, ctx) => {
    try {
      return f(args, name, ctx.nowNs);
    } catch (e) {
      if (e instanceof BuiltinError) throw e;
      if (e instanceof TokenError || e instanceof KeyError) throw builtinError(name, e.message);
      throw e;
    }
  };
}

const verifiers: BuiltinTable = {};
for (const alg of ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
  const name = `io.jwt.verify_${alg.toLowerCase()}`;
  verifiers[name] = named(name, verifyWith(alg));
}

export const builtins: BuiltinTable = {
  'io.jwt.decode': named('io.jwt.decode', (args, name) => decode(str(name, args, 1))),
  'io.jwt.decode_verify': named('io.jwt.decode_verify', (args, name, nowNs) => {
    // OPA checks the constraints object (and parses it) before it reads the token.
    const constraints = obj(name, args, 2);
    return decodeVerify(args[0]!, name, constraints, nowNs);
  }),
  ...verifiers,
  'io.jwt.encode_sign': named('io.jwt.encode_sign', (args, name) =>
    encodeSign(goMarshal(obj(name, args, 1)), goMarshal(obj(name, args, 2)), goMarshal(obj(name, args, 3))),
  ),
  'io.jwt.encode_sign_raw': named('io.jwt.encode_sign_raw', (args, name) =>
    encodeSign(str(name, args, 1), str(name, args, 2), str(name, args, 3)),
  ),
};
