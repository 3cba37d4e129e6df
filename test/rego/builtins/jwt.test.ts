import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { builtins } from '../../../src/rego/builtins/jwt.js';
import type { Value } from '../../../src/rego/value.js';
import { assertBuiltinError, caller, NOW_NS } from './helpers.js';

const { call } = caller(builtins);
const b64url = (s: string) => Buffer.from(s).toString('base64url');

// jwtbuiltins/simple-non-registered
const SIMPLE =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuZXciOiJJIGFtIGEgdXNlciBjcmVhdGVkIGZpZWxkIiwiaXNzIjoib3BhIn0.6UmjsclVDGD9jcmX_F8RJzVgHtUZuLu2pxkF_UEQCrE';

test('io.jwt.decode (conformance jwtbuiltins)', () => {
  assert.deepEqual(call('io.jwt.decode', SIMPLE), [
    { alg: 'HS256', typ: 'JWT' },
    { iss: 'opa', new: 'I am a user created field' },
    'e949a3b1c9550c60fd8dc997fc5f112735601ed519b8bbb6a71905fd41100ab1',
  ]);
});

test('io.jwt.decode: nested token and errors', () => {
  const inner = `${b64url('{"alg":"none"}')}.${b64url('{"a":1}')}.`;
  const outer = `${b64url('{"alg":"HS256","cty":"JWT"}')}.${b64url(`"${inner}"`)}.`;
  assert.deepEqual(call('io.jwt.decode', outer), [{ alg: 'none' }, { a: 1 }, '']);
  // Claims keep big integers exact (Go's decoder with UseNumber).
  const big = `${b64url('{"alg":"none"}')}.${b64url('{"id":12345678901234567890}')}.`;
  assert.deepEqual(call('io.jwt.decode', big), [{ alg: 'none' }, { id: 12345678901234567890n }, '']);
  assertBuiltinError(() => call('io.jwt.decode', 'abc'), 'eval_builtin_error', 'io.jwt.decode: encoded JWT had no period separators');
  assertBuiltinError(() => call('io.jwt.decode', 'a.b'), 'eval_builtin_error', 'io.jwt.decode: encoded JWT must have 3 sections, found 2');
  assertBuiltinError(() => call('io.jwt.decode', `${b64url('[1]')}.${b64url('{}')}.`), 'eval_builtin_error', 'io.jwt.decode: bad JWT header: decoded JSON type was not an Object');
  assertBuiltinError(() => call('io.jwt.decode', `${b64url('{"enc":"x"}')}.${b64url('{}')}.`), 'eval_builtin_error', 'io.jwt.decode: JWT is a JWE object, which is not supported');
  assertBuiltinError(() => call('io.jwt.decode', `${b64url('{}')}.!!!.`), 'eval_builtin_error', /^io\.jwt\.decode: JWT payload had invalid encoding: illegal base64/);
  assertBuiltinError(() => call('io.jwt.decode', 1), 'eval_type_error', 'io.jwt.decode: operand 1 must be string but got number');
});

test('io.jwt.verify_hs*', () => {
  // SIMPLE is signed with "secret" (checked independently with `openssl dgst -sha256 -hmac secret`).
  assert.equal(call('io.jwt.verify_hs256', SIMPLE, 'secret'), true);
  assert.equal(call('io.jwt.verify_hs256', SIMPLE, 'secreT'), false);
  const token = call('io.jwt.encode_sign_raw', '{"alg":"HS256"}', '{"sub":"x"}', JSON.stringify({ kty: 'oct', k: b64url('secret') })) as string;
  assert.equal(call('io.jwt.verify_hs256', token, 'secret'), true);
  assert.equal(call('io.jwt.verify_hs256', token, 'other'), false);
  assert.equal(call('io.jwt.verify_hs512', token, 'secret'), false);
});

interface Pair {
  alg: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function pairs(): Pair[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const ed = generateKeyPairSync('ed25519');
  return [
    { alg: 'RS256', ...rsa },
    { alg: 'RS512', ...rsa },
    { alg: 'PS256', ...rsa },
    { alg: 'PS384', ...rsa },
    { alg: 'ES256', ...p256 },
    { alg: 'ES384', ...p384 },
    { alg: 'ES512', ...p521 },
    { alg: 'EdDSA', ...ed },
  ];
}

test('asymmetric algorithms interoperate with jose both ways', async () => {
  for (const { alg, privateKey, publicKey } of pairs()) {
    const fn = `io.jwt.verify_${alg.toLowerCase()}`;
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const jwkPublic = JSON.stringify(publicKey.export({ format: 'jwk' }));
    // Signed by jose, verified here with a PEM key, a JWK and a JWKS.
    const byJose = await new jose.SignJWT({ sub: 'alice' }).setProtectedHeader({ alg }).sign(privateKey);
    assert.equal(call(fn, byJose, pem), true, `${alg} PEM`);
    assert.equal(call(fn, byJose, jwkPublic), true, `${alg} JWK`);
    assert.equal(call(fn, byJose, JSON.stringify({ keys: [JSON.parse(jwkPublic)] })), true, `${alg} JWKS`);
    const tampered = byJose.slice(0, -4) + (byJose.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal(call(fn, tampered, pem), false, `${alg} tampered`);
    // Signed here, verified by jose.
    const jwkPrivate = { ...(privateKey.export({ format: 'jwk' }) as Record<string, Value>) };
    const mine = call('io.jwt.encode_sign', { alg }, { sub: 'bob' }, jwkPrivate) as string;
    const { payload } = await jose.compactVerify(mine, publicKey);
    assert.equal(Buffer.from(payload).toString(), '{"sub":"bob"}', alg);
    assert.equal(call(fn, mine, pem), true, `${alg} round trip`);
  }
});

test('verify with a certificate and wrong key types', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const token = call('io.jwt.encode_sign', { alg: 'ES256' }, { a: 1 }, ec.privateKey.export({ format: 'jwk' }) as Value) as string;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.equal(call('io.jwt.verify_es256', token, rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string), false);
  assert.equal(call('io.jwt.verify_rs256', token, ec.publicKey.export({ type: 'spki', format: 'pem' }) as string), false);
  assertBuiltinError(() => call('io.jwt.verify_rs256', token, 'not a key'), 'eval_builtin_error', /^io\.jwt\.verify_rs256: failed to parse a JWK key \(set\)/);
  assertBuiltinError(
    () => call('io.jwt.verify_rs256', token, '-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n'),
    'eval_builtin_error',
    'io.jwt.verify_rs256: failed to extract a Key from the PEM certificate',
  );
});

test('kid selects the JWK of a set', () => {
  const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const token = call('io.jwt.encode_sign', { alg: 'ES256', kid: 'b' }, {}, b.privateKey.export({ format: 'jwk' }) as Value) as string;
  const jwks = (kidForB: string) =>
    JSON.stringify({ keys: [{ ...a.publicKey.export({ format: 'jwk' }), kid: 'a' }, { ...b.publicKey.export({ format: 'jwk' }), kid: kidForB }] });
  assert.equal(call('io.jwt.verify_es256', token, jwks('b')), true);
  // kid matches key "a", which is the wrong key: only that key is tried.
  const wrong = JSON.stringify({ keys: [{ ...a.publicKey.export({ format: 'jwk' }), kid: 'b' }, { ...b.publicKey.export({ format: 'jwk' }), kid: 'x' }] });
  assert.equal(call('io.jwt.verify_es256', token, wrong), false);
});

const SECRET_JWK = { kty: 'oct', k: b64url('secret') };
const nowS = Number(NOW_NS / 1_000_000_000n);

test('io.jwt.decode_verify: rego-cpp sub cases', () => {
  const token = call('io.jwt.encode_sign', { alg: 'HS256' }, { sub: 'alice' }, SECRET_JWK) as string;
  assert.deepEqual(call('io.jwt.decode_verify', token, { secret: 'secret', alg: 'HS256', sub: 'alice' }), [true, { alg: 'HS256' }, { sub: 'alice' }]);
  assert.deepEqual(call('io.jwt.decode_verify', token, { secret: 'secret', alg: 'HS256', sub: 'bob' }), [false, {}, {}]);
});

test('io.jwt.decode_verify: claims and time', () => {
  const sign = (payload: Record<string, Value>) => call('io.jwt.encode_sign', { alg: 'HS256', typ: 'JWT' }, payload, SECRET_JWK) as string;
  const ok = (payload: Record<string, Value>, c: Record<string, Value> = {}) =>
    (call('io.jwt.decode_verify', sign(payload), { secret: 'secret', ...c }) as Value[])[0];
  assert.equal(ok({ exp: nowS + 10 }), true);
  assert.equal(ok({ exp: nowS }), false);
  assert.equal(ok({ exp: nowS - 10 }), false);
  assert.equal(ok({ nbf: nowS + 10 }), false);
  assert.equal(ok({ nbf: nowS }), true);
  assert.equal(ok({ exp: nowS - 10 }, { time: (nowS - 20) * 1e9 }), true);
  assert.equal(ok({ iss: 'a' }, { iss: 'a' }), true);
  assert.equal(ok({ iss: 'a' }, { iss: 'b' }), false);
  assert.equal(ok({}, { iss: 'b' }), false);
  assert.equal(ok({ aud: 'x' }), false); // a token with an audience needs the aud constraint
  assert.equal(ok({ aud: 'x' }, { aud: 'x' }), true);
  assert.equal(ok({ aud: ['y', 'x'] }, { aud: 'x' }), true);
  assert.equal(ok({}, { aud: 'x' }), false);
  assert.equal(ok({}, { alg: 'HS512' }), false);
  assert.equal((call('io.jwt.decode_verify', sign({}), { secret: 'wrong' }) as Value[])[0], false);
  const full = call('io.jwt.decode_verify', sign({ a: 'b' }), { secret: 'secret' }) as Value[];
  assert.deepEqual(full, [true, { alg: 'HS256', typ: 'JWT' }, { a: 'b' }]);
});

test('io.jwt.decode_verify: with a certificate key and errors', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const token = call('io.jwt.encode_sign', { alg: 'ES256' }, { a: 1 }, ec.privateKey.export({ format: 'jwk' }) as Value) as string;
  const pem = ec.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.deepEqual(call('io.jwt.decode_verify', token, { cert: pem }), [true, { alg: 'ES256' }, { a: 1 }]);
  assert.deepEqual(call('io.jwt.decode_verify', token, { cert: pem, alg: 'RS256' }), [false, {}, {}]);
  assert.deepEqual(call('io.jwt.decode_verify', token, { secret: 'x' }), [false, {}, {}]);
  assertBuiltinError(() => call('io.jwt.decode_verify', token, {}), 'eval_builtin_error', 'io.jwt.decode_verify: no key constraint');
  assertBuiltinError(() => call('io.jwt.decode_verify', token, { cert: pem, secret: 'x' }), 'eval_builtin_error', 'io.jwt.decode_verify: duplicate key constraints');
  assertBuiltinError(() => call('io.jwt.decode_verify', token, { secret: 'x', foo: 1 }), 'eval_builtin_error', 'io.jwt.decode_verify: unknown token validation constraint: foo');
  assertBuiltinError(() => call('io.jwt.decode_verify', token, { secret: 1 }), 'eval_builtin_error', 'io.jwt.decode_verify: secret constraint: must be a string');
  assertBuiltinError(() => call('io.jwt.decode_verify', token, { secret: 'x', time: 'now' }), 'eval_builtin_error', 'io.jwt.decode_verify: token time constraint: must be a number');
  const badExp = call('io.jwt.encode_sign', { alg: 'HS256' }, { exp: 'soon' }, SECRET_JWK) as string;
  assertBuiltinError(() => call('io.jwt.decode_verify', badExp, { secret: 'secret' }), 'eval_builtin_error', 'io.jwt.decode_verify: exp value must be a number');
  assertBuiltinError(() => call('io.jwt.decode_verify', token, 'x'), 'eval_type_error', 'io.jwt.decode_verify: operand 2 must be object but got string');
});

test('io.jwt.encode_sign: header and payload are Go JSON, signed as given', () => {
  const token = call('io.jwt.encode_sign', { typ: 'JWT', alg: 'HS256' }, { b: '<&>', a: 1 }, SECRET_JWK) as string;
  const [h, p] = token.split('.');
  assert.equal(Buffer.from(h!, 'base64url').toString(), '{"alg":"HS256","typ":"JWT"}');
  assert.equal(Buffer.from(p!, 'base64url').toString(), '{"a":1,"b":"\\u003c\\u0026\\u003e"}');
  assertBuiltinError(() => call('io.jwt.encode_sign', { alg: 'XX256' }, {}, SECRET_JWK), 'eval_builtin_error', 'io.jwt.encode_sign: unknown JWS algorithm: XX256');
  assertBuiltinError(
    () => call('io.jwt.encode_sign_raw', '{"alg":"HS256"}', 'not json', JSON.stringify(SECRET_JWK)),
    'eval_builtin_error',
    'io.jwt.encode_sign_raw: type is JWT but payload is not JSON',
  );
  // A non-JWT typ may carry any payload.
  const raw = call('io.jwt.encode_sign_raw', '{"alg":"HS256","typ":"text"}', 'hello', JSON.stringify(SECRET_JWK)) as string;
  assert.equal(Buffer.from(raw.split('.')[1]!, 'base64url').toString(), 'hello');
  assert.equal(call('io.jwt.verify_hs256', raw, 'secret'), true);
});

test('OPA key rules: a private JWK never verifies in verify_*, decode_verify derives its public key', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwkPrivate = JSON.stringify(ec.privateKey.export({ format: 'jwk' }));
  const token = await new jose.SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey);
  assert.equal(call('io.jwt.verify_es256', token, jwkPrivate), false);
  const [ok] = call('io.jwt.decode_verify', token, { cert: jwkPrivate }) as [boolean];
  assert.equal(ok, true);
  // Ed448 is not Go's ed25519: never verifies.
  const ed448 = generateKeyPairSync('ed448');
  const edToken = call('io.jwt.encode_sign_raw', '{"alg":"EdDSA"}', '{}', JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }))) as string;
  assert.equal(call('io.jwt.verify_eddsa', edToken, ed448.publicKey.export({ type: 'spki', format: 'pem' }) as string), false);
});

test('HMAC tokens interoperate with jose both ways', async () => {
  const secret = 'a secret shared with jose';
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    const byJose = await new jose.SignJWT({ sub: 'a' }).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
    assert.equal(call(`io.jwt.verify_${alg.toLowerCase()}`, byJose, secret), true, alg);
    assert.equal(call(`io.jwt.verify_${alg.toLowerCase()}`, byJose, secret + '!'), false, alg);
    const mine = call('io.jwt.encode_sign', { alg }, { sub: 'b' }, { kty: 'oct', k: Buffer.from(secret).toString('base64url') }) as string;
    const { payload } = await jose.jwtVerify(mine, new TextEncoder().encode(secret));
    assert.equal(payload['sub'], 'b', alg);
  }
});

test('decode_verify: an unknown algorithm is unverified, header members have OPA messages', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const none = `${b64({ alg: 'none' })}.${b64({ a: 1 })}.`;
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.deepEqual(call('io.jwt.decode_verify', none, { cert: pem }), [false, {}, {}]);
  const badAlg = `${b64({ alg: 5 })}.${b64({ a: 1 })}.`;
  assertBuiltinError(() => call('io.jwt.decode_verify', badAlg, { cert: pem }), 'eval_builtin_error', 'io.jwt.decode_verify: alg: must be a string');
  const crit = `${b64({ alg: 'HS256', crit: [1] })}.${b64({ a: 1 })}.`;
  assertBuiltinError(() => call('io.jwt.decode_verify', crit, { secret: 's' }), 'eval_builtin_error', 'io.jwt.decode_verify: crit: must be a nonempty list');
  assertBuiltinError(() => call('io.jwt.encode_sign_raw', '{"typ":"JWT"}', '{}', '{"kty":"oct","k":"AA"}'), 'eval_builtin_error', `io.jwt.encode_sign_raw: missing or invalid 'alg' header: jwsbb: header "alg" not found`);
});
