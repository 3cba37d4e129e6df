import { test } from 'node:test';
import { builtins } from '../../../src/rego/builtins/units.js';
import { caller } from './helpers.js';

const { expect, fails } = caller(builtins);

test('units.parse: SI/IEC suffixes, milli, exact decimals', () => {
  expect('units.parse', ['500m'], 0.5);
  expect('units.parse', ['0.0005K'], 0.5);
  expect('units.parse', ['0.0000005M'], 0.5);
  expect('units.parse', ['10'], 10);
  expect('units.parse', ['1k'], 1000);
  expect('units.parse', ['1Ki'], 1024);
  expect('units.parse', ['1KI'], 1024);
  expect('units.parse', ['2Mi'], 2097152);
  expect('units.parse', ['1M'], 1000000);
  expect('units.parse', ['1E'], 1000000000000000000n);
  expect('units.parse', ['5.K'], 5000);
  expect('units.parse', ['1.5e-2K'], 15);
  expect('units.parse', ['"10G"'], 10000000000);
  expect('units.parse', ['-1K'], -1000);
});

test('units.parse errors', () => {
  const err = (s: string, msg: string) => fails('units.parse', [s], 'eval_builtin_error', `units.parse: ${msg}`);
  err('', 'no amount provided');
  err('G', 'no amount provided');
  err('foo', 'no amount provided');
  err('eK', 'no amount provided');
  err('0.0.0', 'could not parse amount to a number');
  err('.5.2', 'could not parse amount to a number');
  err('1e+K', 'could not parse amount to a number');
  err('e5K', 'could not parse amount to a number');
  err('-K', 'could not parse amount to a number');
  err('.K', 'could not parse amount to a number');
  err('e+K', 'could not parse amount to a number');
  err('100 k', 'spaces not allowed in resource strings');
  err(' 327Mi ', 'spaces not allowed in resource strings');
  err('10e10000000Ei', 'exponent too large');
  err('1x', 'unit x not recognized');
  err('1mb', 'unit mb not recognized');
});

test('units.parse_bytes', () => {
  expect('units.parse_bytes', ['10'], 10);
  expect('units.parse_bytes', ['10KB'], 10000);
  expect('units.parse_bytes', ['10kib'], 10240);
  expect('units.parse_bytes', ['1.5Gi'], 1610612736);
  expect('units.parse_bytes', ['2.5'], 2);
  expect('units.parse_bytes', ['1EiB'], 1152921504606846976n);
  fails('units.parse_bytes', ['KB'], 'eval_builtin_error', 'units.parse_bytes: no byte amount provided');
  fails('units.parse_bytes', ['1 KB'], 'eval_builtin_error', 'units.parse_bytes: spaces not allowed in resource strings');
  fails('units.parse_bytes', ['1xb'], 'eval_builtin_error', 'units.parse_bytes: byte unit xb not recognized');
  fails('units.parse_bytes', ['1..2kb'], 'eval_builtin_error', 'units.parse_bytes: could not parse byte amount to a number');
  fails('units.parse_bytes', [1], 'eval_type_error', 'units.parse_bytes: operand 1 must be string but got number');
});
