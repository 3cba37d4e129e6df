/**
 * A pool of odd Rego values for fuzzing built-ins and evaluations: edge
 * numbers, awkward strings (empty, long, lone surrogates, NUL), strings shaped
 * like what built-ins parse (dates, CIDRs, JWTs, regexes, JSON, YAML, base64,
 * versions, URLs), and nested collections including `RegoObject`s with
 * non-string keys.
 */
import { makeObject, RegoObject, RegoSet, type Value } from '../../src/rego/value.js';
import type { Rng } from './fuzz-lib.js';

const SCALARS: Value[] = [
  null, true, false, 0, -1, 1, 0.5, -0.0, 1e308, -1e308, 5e-324, 2 ** 53 - 1, 2n ** 53n + 1n, -(2n ** 64n), 10n ** 40n,
  1e21, 255, 65536, 2 ** 31, -(2 ** 31), 3.999999999,
  '', ' ', 'a', 'abc', 'x'.repeat(100_000), 'é', '\u{1F600}', '\uD800', '\uDC00x', 'a\0b', '\uFEFF', '\u2028',
  '%', '%v %d %s %x %!', '%[1]*.*[2]f', '*', '**', '[', '(?P<n>a)', '(', '\\', '.*', 'a{1000}{1000}', '^$', 'a|b',
  '{a,b}', '[!a-z]', 'data.x', 'input',
  '2024-02-30T25:61:61Z', '2024-01-01T00:00:00Z', '2006-01-02T15:04:05.999999999Z07:00', 'RFC3339', '1h30m', '-1.5h', '9999999999h',
  '10.0.0.0/8', '::1/128', '256.1.1.1', '0.0.0.0/0', 'fe80::1%eth0', '1.2.3.4', '192.168.0.0/33',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig', 'a.b.c', '..', 'e30.e30.', 'eyJhbGciOiJub25lIn0.e30.',
  '{"a": [1, 2, {"b": null}]}', '{"a":', '[1e999]', '123456789012345678901234567890', '-0', 'NaN', 'Infinity',
  'a: [1, 2]\nb: &x {c: *x}', '---\n- !!binary aGk=', 'key: value', '? [a]\n: b',
  'aGVsbG8=', 'aGVsbG8', '!!!', '68656c6c6f', 'zz',
  '1.2.3', '1.2.3-alpha+build', 'v1', '01.2.3',
  'https://user:pw@example.com:8080/p?q=1#f', 'http://[::1', '%zz', 'a%20b', '10Ki', '1.5G', '-5e3m',
  '{{.}}', '{{', '{"type": "object", "properties": {"a": {"type": "string"}}}',
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', 'urn:uuid:123',
];

function deepArray(depth: number): Value {
  let v: Value = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function deepObject(depth: number): Value {
  let v: Value = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Values built once: collections of the scalars, and some deep ones. */
function collections(): Value[] {
  const some = SCALARS.filter((x) => typeof x !== 'string' || x.length < 100);
  return [
    [], {}, new RegoSet(), [null, 1, 'a'], [[[]]], some, { a: 1, b: [true], c: { d: null } },
    { '': '', '\0': 1, 'é': [], __proto__: 1 } as unknown as Value,
    new RegoObject([[1, 'one'], [[1, 2], { x: 1 }], [null, null], ['s', 2]]),
    new RegoSet([1, 'a', [1], new RegoSet([2]), { k: 'v' }]),
    new RegoSet(some), [new RegoObject([[true, false]])],
    { alg: 'HS256', typ: 'JWT', kty: 'oct', k: 'c2VjcmV0', secret: 'secret', keys: [{ kty: 'RSA' }] },
    { type: 'object', required: ['a'], properties: { a: { type: 'integer', minimum: 1e308 } } },
    { url: 'http://127.0.0.1:1/', method: 'GET', timeout: '1ms', body: { a: 1 } },
    Array.from({ length: 2000 }, (_, i) => i),
    deepArray(200), deepObject(200),
  ];
}

export const VALUE_POOL: Value[] = [...SCALARS, ...collections()];

/** A random value: mostly from the pool, sometimes a freshly nested mix. */
export function randomValue(rng: Rng, depth = 0): Value {
  if (depth < 2 && rng.chance(0.2)) {
    const n = rng.int(4);
    const items = Array.from({ length: n }, () => randomValue(rng, depth + 1));
    switch (rng.int(4)) {
      case 0:
        return items;
      case 1:
        return new RegoSet(items);
      case 2:
        return Object.fromEntries(items.map((v, i) => [typeof v === 'string' && v.length < 50 ? v : `k${i}`, v]));
      default:
        return makeObject(items.map((v, i): [Value, Value] => [v, i]));
    }
  }
  return rng.pick(VALUE_POOL);
}

/** A random value of roughly the declared type (from capabilities), to get past the operand checks. */
export function randomValueOfType(rng: Rng, type: string | undefined): Value {
  const matching = (test: (v: Value) => boolean): Value => {
    for (let i = 0; i < 20; i++) {
      const v = randomValue(rng);
      if (test(v)) return v;
    }
    return randomValue(rng);
  };
  switch (type) {
    case 'string':
      return matching((v) => typeof v === 'string');
    case 'number':
      return matching((v) => typeof v === 'number' || typeof v === 'bigint');
    case 'boolean':
      return rng.chance(0.5);
    case 'array':
      return matching(Array.isArray);
    case 'set':
      return matching((v) => v instanceof RegoSet);
    case 'object':
      return matching((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof RegoSet));
    default:
      return randomValue(rng);
  }
}
