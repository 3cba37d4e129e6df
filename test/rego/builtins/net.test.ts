import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/net.js';
import { ipString, parseCIDR, parseIP } from '../../../src/rego/builtins/net-ip.js';
import { RegoSet, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, caller } from './helpers.js';

const { call } = caller(builtins);
const sorted = (v: Value | undefined) => (v as RegoSet).sorted();

test('address parsing follows Go netip', () => {
  assert.ok(parseIP('10.0.0.1'));
  assert.equal(parseIP('010.0.0.1'), null); // leading zero
  assert.equal(parseIP('256.0.0.1'), null);
  assert.equal(parseIP('1.2.3'), null);
  assert.equal(parseIP('fe80::1%eth0'), null); // zone
  assert.equal(parseIP('1:2:3:4:5:6:7:8::'), null); // :: must stand for a group
  assert.equal(parseIP('1::2::3'), null);
  assert.equal(parseIP('12345::'), null);
  assert.equal(ipString(parseIP('::ffff:1.2.3.4')!), '1.2.3.4');
  assert.equal(ipString(parseIP('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(ipString(parseIP('0:0:0:0:0:0:0:0')!), '::');
  assert.equal(ipString(parseIP('2001:DB8::0:1')!), '2001:db8::1');
  assert.equal(ipString(parseIP('1:0:2:3:4:5:6:7')!), '1:0:2:3:4:5:6:7'); // a single zero group is not compressed
  assert.equal(parseCIDR('10.0.0.0/33'), 'invalid CIDR address: 10.0.0.0/33');
  assert.equal(parseCIDR('10.0.0.0'), 'invalid CIDR address: 10.0.0.0');
  assert.notEqual(typeof parseCIDR('10.0.0.0/008'), 'string'); // Go's dtoi accepts leading zeros
});

test('net.cidr_contains: networks and addresses', () => {
  assert.equal(call('net.cidr_contains', '10.0.0.0/8', '10.1.0.0/24'), true);
  assert.equal(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3'), true);
  assert.equal(call('net.cidr_contains', '10.0.0.0/8', '11.1.2.3'), false);
  assert.equal(call('net.cidr_contains', '10.0.0.0/24', '10.0.0.0/16'), false);
  assert.equal(call('net.cidr_contains', '2001:4860:4860::8888/32', '2001:4860:4860:1234::8888/40'), true);
  assert.equal(call('net.cidr_contains', '2001:4860::/32', '2001:4861::1'), false);
  assert.equal(call('net.cidr_contains', '10.0.0.0/8', '::ffff:10.0.0.1'), true); // mapped addresses are IPv4
  assert.equal(call('net.cidr_overlap', '10.0.0.0/8', '10.1.2.3'), true);
});

test('net.cidr_contains: errors', () => {
  assertBuiltinError(() => call('net.cidr_contains', 'not-a-cidr', '10.0.0.1'), 'eval_builtin_error', 'net.cidr_contains: invalid CIDR address: not-a-cidr');
  assertBuiltinError(
    () => call('net.cidr_contains', '10.0.0.0/8', 'nope'),
    'eval_builtin_error',
    'net.cidr_contains: not a valid textual representation of an IP address or CIDR: nope',
  );
  assertBuiltinError(() => call('net.cidr_contains', 1, '10.0.0.1'), 'eval_type_error', 'net.cidr_contains: operand 1 must be string but got number');
});

test('net.cidr_intersects', () => {
  assert.equal(call('net.cidr_intersects', 'fd1e:5bfe:8af3:9ddc::/64', 'fd1e:5bfe:8af3:9ddc:1111::/72'), true);
  assert.equal(call('net.cidr_intersects', '192.168.1.0/25', '192.168.1.64/25'), true);
  assert.equal(call('net.cidr_intersects', '192.168.1.0/25', '192.168.1.128/25'), false);
  assert.equal(call('net.cidr_intersects', '192.168.1.0/24', '2001::/16'), false);
  assertBuiltinError(() => call('net.cidr_intersects', '192.168.1.0/24', '192.168.1.1'), 'eval_builtin_error', 'net.cidr_intersects: invalid CIDR address: 192.168.1.1');
});

test('net.cidr_expand', () => {
  assert.deepEqual(sorted(call('net.cidr_expand', '192.168.1.1/30')), ['192.168.1.0', '192.168.1.1', '192.168.1.2', '192.168.1.3']);
  assert.deepEqual(sorted(call('net.cidr_expand', '10.0.0.7/32')), ['10.0.0.7']);
  assert.deepEqual(sorted(call('net.cidr_expand', '2001:db8::/127')), ['2001:db8::', '2001:db8::1']);
  assert.equal((call('net.cidr_expand', '10.0.0.0/16') as RegoSet).size, 65536);
  assertBuiltinError(() => call('net.cidr_expand', '::/0'), 'eval_builtin_error', /net\.cidr_expand: network ::\/0 has/);
  assertBuiltinError(() => call('net.cidr_expand', '192.168.1.1'), 'eval_builtin_error', 'net.cidr_expand: invalid CIDR address: 192.168.1.1');
});

test('net.cidr_is_valid', () => {
  assert.equal(call('net.cidr_is_valid', '10.0.0.0/8'), true);
  assert.equal(call('net.cidr_is_valid', '::/0'), true);
  assert.equal(call('net.cidr_is_valid', '10.0.0.0'), false);
  assert.equal(call('net.cidr_is_valid', '10.0.0.0/40'), false);
  assert.equal(call('net.cidr_is_valid', 7), false);
});

test('net.cidr_contains_matches', () => {
  assert.deepEqual(sorted(call('net.cidr_contains_matches', '1.1.1.0/24', '1.1.1.128')), [['1.1.1.0/24', '1.1.1.128']]);
  assert.deepEqual(sorted(call('net.cidr_contains_matches', ['1.1.1.0/24', '1.1.2.0/24'], '1.1.1.128')), [[0, '1.1.1.128']]);
  assert.deepEqual(
    sorted(call('net.cidr_contains_matches', [['1.1.0.0/16', 'foo'], '1.1.2.0/24'], { x: '1.1.1.128', y: ['1.1.2.128', 'bar'] })),
    [
      [0, 'x'],
      [0, 'y'],
      [1, 'y'],
    ],
  );
  assert.deepEqual(sorted(call('net.cidr_contains_matches', new RegoSet(['1.1.1.0/24', '1.1.2.0/24']), ['1.1.2.1'])), [['1.1.2.0/24', 0]]);
  assertBuiltinError(() => call('net.cidr_contains_matches', [[]], '1.1.1.1'), 'eval_builtin_error', 'net.cidr_contains_matches: operand 1: element must be string or non-empty array');
  assertBuiltinError(() => call('net.cidr_contains_matches', [[1]], '1.1.1.1'), 'eval_type_error');
});

test('net.cidr_merge (OPA conformance cases and docs)', () => {
  assert.deepEqual(sorted(call('net.cidr_merge', ['192.0.128.0/24', '192.0.129.0/24'])), ['192.0.128.0/23']);
  assert.deepEqual(sorted(call('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128'])), ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128']);
  assert.deepEqual(
    sorted(call('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128', '2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128'])),
    ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128'],
  );
  assert.deepEqual(
    sorted(call('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64', '2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128'])),
    ['2601:600:8a80:207e::/64'],
  );
  assertBuiltinError(
    () => call('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3']),
    'eval_builtin_error',
    'net.cidr_merge: IPv6 invalid: needs prefix length',
  );
  assert.deepEqual(sorted(call('net.cidr_merge', new RegoSet(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.5/32']))), [
    '10.0.0.0/23',
    '10.0.2.0/24',
    '10.0.3.5/32',
  ]);
  assert.deepEqual(sorted(call('net.cidr_merge', ['10.0.0.0/8', '10.1.0.0/16', '192.168.0.0/16', '::/0'])), ['10.0.0.0/8', '192.168.0.0/16', '::/0']);
  assert.deepEqual(sorted(call('net.cidr_merge', [])), []);
  assertBuiltinError(() => call('net.cidr_merge', [1]), 'eval_builtin_error', 'net.cidr_merge: element must be string');
});
