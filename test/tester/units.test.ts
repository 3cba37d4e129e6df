import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseGoDuration } from '../../src/rego/tester/go-duration.js';
import { globMatch } from '../../src/rego/tester/glob.js';

test('formatGoDuration prints as Go time.Duration.String', () => {
  assert.equal(formatGoDuration(0n), '0s');
  assert.equal(formatGoDuration(999n), '999ns');
  assert.equal(formatGoDuration(1_000n), '1µs');
  assert.equal(formatGoDuration(1_500n), '1.5µs');
  assert.equal(formatGoDuration(850_100n), '850.1µs');
  assert.equal(formatGoDuration(1_234_567n), '1.234567ms');
  assert.equal(formatGoDuration(2_000_000n), '2ms');
  assert.equal(formatGoDuration(2_500_000_000n), '2.5s');
  assert.equal(formatGoDuration(90_000_000_000n), '1m30s');
  assert.equal(formatGoDuration(3_600_000_000_001n), '1h0m0.000000001s');
  assert.equal(formatGoDuration(-1_500n), '-1.5µs');
});

test('parseGoDuration accepts Go duration syntax and rejects the rest', () => {
  assert.equal(parseGoDuration('5s'), 5e9);
  assert.equal(parseGoDuration('250ms'), 250e6);
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('1.5h'), 1.5 * 3600e9);
  assert.equal(parseGoDuration('10us'), 10e3);
  assert.equal(parseGoDuration('10µs'), 10e3);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('5'), undefined);
  assert.equal(parseGoDuration(''), undefined);
  assert.equal(parseGoDuration('5 s'), undefined);
  assert.equal(parseGoDuration('1d'), undefined);
});

test('globMatch follows Go filepath.Match', () => {
  assert.ok(globMatch('*_test.rego', 'a_test.rego'));
  assert.ok(!globMatch('*_test.rego', 'a_test.rego.bak'));
  assert.ok(globMatch('vendor', 'vendor'));
  assert.ok(!globMatch('vendor', 'vendors'));
  assert.ok(globMatch('?.json', 'a.json'));
  assert.ok(!globMatch('?.json', 'ab.json'));
  assert.ok(globMatch('[a-c]*.rego', 'b.rego'));
  assert.ok(!globMatch('[^a-c]*.rego', 'b.rego'));
  assert.ok(globMatch('[^a-c]*.rego', 'x.rego'));
  assert.ok(globMatch('\\*.rego', '*.rego'));
  assert.ok(!globMatch('\\*.rego', 'a.rego'));
  assert.ok(!globMatch('*', 'a/b'));
  assert.ok(!globMatch('[a-', 'a'), 'malformed class matches nothing');
  assert.ok(globMatch('*', ''));
});
