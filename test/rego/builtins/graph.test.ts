import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/graph.js';
import { RegoSet, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, caller } from './helpers.js';

const { call } = caller(builtins);
const sorted = (v: Value | undefined) => (v as RegoSet).sorted();
const set = (...xs: Value[]) => new RegoSet(xs);

const components = {
  a: set('b', 'c'),
  b: set('d'),
  c: set('d'),
  d: set(),
  e: set('f'),
  f: set('e'),
  x: set('x'),
};

test('graph.reachable (conformance reachable/components)', () => {
  assert.deepEqual(sorted(call('graph.reachable', components, set('b', 'e'))), ['b', 'd', 'e', 'f']);
  assert.deepEqual(sorted(call('graph.reachable', components, ['a'])), ['a', 'b', 'c', 'd']);
  assert.deepEqual(sorted(call('graph.reachable', components, ['x'])), ['x']);
  // Nodes that are not keys of the graph are not reached.
  assert.deepEqual(sorted(call('graph.reachable', { a: ['zz'] }, ['a', 'q'])), ['a']);
  // reachable.go: the start nodes must be an array or a set.
  assertBuiltinError(() => call('graph.reachable', components, 'a'), 'eval_type_error', 'graph.reachable: operand 2 must be {array, set} but got string');
  assertBuiltinError(() => call('graph.reachable', [], ['a']), 'eval_type_error', 'graph.reachable: operand 1 must be object but got array');
});

test('graph.reachable_paths', () => {
  const org = {
    ceo: set(),
    human_resources: set('ceo'),
    staffing: set('human_resources'),
    internships: set('staffing'),
  };
  assert.deepEqual(sorted(call('graph.reachable_paths', org, set('internships'))), [['internships', 'staffing', 'human_resources', 'ceo']]);
  // A cycle ends the path before the repeated node.
  assert.deepEqual(sorted(call('graph.reachable_paths', { a: ['b'], b: ['c'], c: ['a'] }, ['a'])), [['a', 'b', 'c']]);
  // A neighbour missing from the graph ends the path before it.
  assert.deepEqual(sorted(call('graph.reachable_paths', { a: ['b'] }, ['a'])), [['a']]);
  // Branches.
  assert.deepEqual(sorted(call('graph.reachable_paths', { a: ['b', 'c'], b: [], c: [] }, ['a'])), [
    ['a', 'b'],
    ['a', 'c'],
  ]);
  assert.deepEqual(sorted(call('graph.reachable_paths', { a: [] }, ['a', 'zz'])), [['a']]);
});
