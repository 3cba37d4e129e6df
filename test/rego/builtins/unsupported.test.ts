import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/unsupported.js';
import capabilities from '../../../src/rego/capabilities.json' with { type: 'json' };
import { assertBuiltinError, caller } from './helpers.js';

const { call } = caller(builtins);

test('network built-ins are refused', () => {
  assertBuiltinError(() => call('http.send', { method: 'get', url: 'http://example.com' }), 'eval_builtin_error', 'http.send: network access is not permitted');
  assertBuiltinError(() => call('net.lookup_ip_addr', 'example.com'), 'eval_builtin_error', 'net.lookup_ip_addr: network access is not permitted');
});

test('graphql and aws signing are refused', () => {
  assertBuiltinError(() => call('graphql.parse', 'query {}', 'type Query {}'), 'eval_builtin_error', 'graphql.parse: not supported by this engine');
  assertBuiltinError(() => call('providers.aws.sign_req', {}, {}, 0), 'eval_builtin_error', 'providers.aws.sign_req: not supported by this engine');
});

test('every graphql built-in of the capabilities is covered', () => {
  const names = capabilities.builtins.map((b) => b.name).filter((n) => n.startsWith('graphql.'));
  assert.ok(names.length > 0);
  for (const n of names) assert.ok(builtins[n], n);
});
