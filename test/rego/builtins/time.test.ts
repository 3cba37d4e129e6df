import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/time.js';
import { invoker, fakeContext, throwsBuiltin } from './helpers.js';

const call = invoker(builtins);

describe('time.now_ns', () => {
  it('returns the evaluation time', () => {
    assert.equal(call('time.now_ns', [], fakeContext(1_000n)), 1000);
    assert.equal(call('time.now_ns', [], fakeContext(1_700_000_000_000_000_000n)), 1_700_000_000_000_000_000n);
  });
});

describe('time.parse_rfc3339_ns / parse_ns', () => {
  it('parses the whole int64 range (conformance time)', () => {
    assert.equal(call('time.parse_rfc3339_ns', ['1677-09-21T00:12:43.145224192-00:00']), -9223372036854775808n);
    assert.equal(call('time.parse_rfc3339_ns', ['1970-01-01T00:00:00-00:00']), 0);
    assert.equal(call('time.parse_rfc3339_ns', ['2017-06-02T19:00:00-07:00']), 1496455200000000000n);
    assert.equal(call('time.parse_rfc3339_ns', ['2262-04-11T23:47:16.854775807-00:00']), 9223372036854775807n);
    throwsBuiltin(() => call('time.parse_rfc3339_ns', ['1677-09-21T00:12:43.145224191-00:00']), 'eval_builtin_error', 'time outside of valid range');
    throwsBuiltin(() => call('time.parse_rfc3339_ns', ['2262-04-11T23:47:16.854775808-00:00']), 'eval_builtin_error', 'time outside of valid range');
  });
  it('parses Go layouts and reports Go errors', () => {
    assert.equal(call('time.parse_ns', ['2006-01-02', '2022-03-04']), 1646352000000000000n);
    assert.equal(call('time.parse_ns', ['Mon Jan _2 15:04:05 2006', 'Fri Mar  4 10:11:12 2022']), 1646388672000000000n);
    assert.equal(call('time.parse_ns', ['02 Jan 06 15:04 -0700', '04 Mar 22 10:11 +0100']), 1646385060000000000n);
    assert.equal(call('time.parse_ns', ['3:04PM Jan 2 2006', '1:05AM Mar 4 2022']), 1646355900000000000n);
    throwsBuiltin(() => call('time.parse_ns', ['2006-01-02', 'x']), 'eval_builtin_error', 'time.parse_ns: parsing time "x" as "2006-01-02": cannot parse "x" as "2006"');
    throwsBuiltin(() => call('time.parse_ns', ['2006-01-02', '2022-13-01']), 'eval_builtin_error', 'parsing time "2022-13-01": month out of range');
    throwsBuiltin(() => call('time.parse_ns', ['2006-01-02', '2022-02-30']), 'eval_builtin_error', 'day out of range');
    throwsBuiltin(() => call('time.parse_ns', ['2006-01-02', '2022-02-03x']), 'eval_builtin_error', 'extra text: "x"');
  });
});

describe('time.parse_duration_ns', () => {
  it('parses Go durations', () => {
    const cases: [string, number | bigint][] = [
      ['0s', 0], ['0', 0], ['1h30m', 5400000000000], ['-5s', -5000000000], ['.5s', 500000000],
      ['5.s', 5000000000], ['007s', 7000000000], ['1.5µs', 1500], ['-9223372036854775808ns', -9223372036854775808n],
    ];
    for (const [s, want] of cases) assert.equal(call('time.parse_duration_ns', [s]), want, s);
  });
  it('reports Go errors', () => {
    throwsBuiltin(() => call('time.parse_duration_ns', ['xx1s']), 'eval_builtin_error', 'time.parse_duration_ns: time: invalid duration "xx1s"');
    throwsBuiltin(() => call('time.parse_duration_ns', ['1']), 'eval_builtin_error', 'time.parse_duration_ns: time: missing unit in duration "1"');
    // Go's syntax has no days, weeks, years or exponents.
    throwsBuiltin(() => call('time.parse_duration_ns', ['1d2x']), 'eval_builtin_error', 'time.parse_duration_ns: time: unknown unit "d" in duration "1d2x"');
    throwsBuiltin(() => call('time.parse_duration_ns', ['1e3ms']), 'eval_builtin_error', 'time: unknown unit "e" in duration "1e3ms"');
    throwsBuiltin(() => call('time.parse_duration_ns', ['2w']), 'eval_builtin_error', 'time: unknown unit "w" in duration "2w"');
    throwsBuiltin(() => call('time.parse_duration_ns', ['1é']), 'eval_builtin_error', 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"');
    throwsBuiltin(() => call('time.parse_duration_ns', ['9223372036854775808ns']), 'eval_builtin_error', 'time: invalid duration "9223372036854775808ns"');
    throwsBuiltin(() => call('time.parse_duration_ns', ['']), 'eval_builtin_error', 'time.parse_duration_ns: time: invalid duration ""');
    throwsBuiltin(() => call('time.parse_duration_ns', ['10000000000000000000h']), 'eval_builtin_error', 'time: invalid duration "10000000000000000000h"');
  });
});

describe('time.date / clock / weekday / format', () => {
  const ns = 1517814000n * 1000n * 1000n * 1000n;
  it('splits a timestamp (conformance time/date)', () => {
    assert.deepEqual(call('time.date', [ns]), [2018, 2, 5]);
    assert.deepEqual(call('time.clock', [ns]), [7, 0, 0]);
    assert.equal(call('time.weekday', [ns]), 'Monday');
    assert.deepEqual(call('time.date', [[ns, 'America/New_York']]), [2018, 2, 5]);
    assert.deepEqual(call('time.clock', [[ns, 'America/New_York']]), [2, 0, 0]);
    assert.deepEqual(call('time.date', [-1]), [1969, 12, 31]);
  });
  it('formats with RFC3339Nano by default, zones and layouts', () => {
    assert.equal(call('time.format', [ns]), '2018-02-05T07:00:00Z');
    assert.equal(call('time.format', [ns + 1500n]), '2018-02-05T07:00:00.0000015Z');
    assert.equal(call('time.format', [[ns, 'Europe/Paris']]), '2018-02-05T08:00:00+01:00');
    assert.equal(call('time.format', [[ns, 'UTC', 'Mon Jan _2 15:04:05 2006']]), 'Mon Feb  5 07:00:00 2018');
    assert.equal(call('time.format', [[ns, 'Asia/Kolkata', 'RFC1123Z']]), 'Mon, 05 Feb 2018 12:30:00 +0530');
    assert.equal(call('time.format', [[ns, '', '3:04pm .000 002 Z07']]), '7:00am .000 036 Z');
  });
  it('rejects bad operands', () => {
    throwsBuiltin(() => call('time.format', [[ns, 'Mars/Base']]), 'eval_builtin_error', 'time.format: unknown time zone Mars/Base');
    throwsBuiltin(() => call('time.date', [1.5]), 'eval_builtin_error', 'timestamp too big');
    throwsBuiltin(() => call('time.date', ['x']), 'eval_type_error', 'time.date: operand 1 must be either number (ns) or [number (ns), string (tz)] but got string');
  });
});

describe('time.add_date / time.diff', () => {
  it('adds with Go normalisation', () => {
    const jan31 = call('time.parse_rfc3339_ns', ['2021-01-31T12:00:00Z'])!;
    assert.equal(call('time.add_date', [jan31, 0, 1, 0]), call('time.parse_rfc3339_ns', ['2021-03-03T12:00:00Z']));
    assert.equal(call('time.add_date', [jan31, 1, -13, 1]), call('time.parse_rfc3339_ns', ['2021-01-01T12:00:00Z']));
    throwsBuiltin(() => call('time.add_date', [0, 500, 0, 0]), 'eval_builtin_error', 'time outside of valid range');
  });
  it('diffs as icza/gox', () => {
    const a = call('time.parse_rfc3339_ns', ['2020-01-31T10:00:00Z'])!;
    const b = call('time.parse_rfc3339_ns', ['2021-03-01T09:30:15Z'])!;
    assert.deepEqual(call('time.diff', [a, b]), [1, 1, 0, 23, 30, 15]);
    assert.deepEqual(call('time.diff', [b, a]), [1, 1, 0, 23, 30, 15]);
    assert.deepEqual(call('time.diff', [0, 86_400_000_000_000 + 1_000_000_000]), [0, 0, 1, 0, 0, 1]);
  });
});
