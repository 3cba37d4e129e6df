import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenMatcher } from '../../src/gateway/http/security.js';

test('tokenMatcher accepts exactly the expected token', () => {
  const matches = tokenMatcher('0123456789abcdef');
  assert.equal(matches('0123456789abcdef'), true);
  for (const wrong of ['', '0123456789abcde', '0123456789abcdef0', '0123456789abcdeF', '1123456789abcdef', '0123456789abcdef0123456789abcdef']) {
    assert.equal(matches(wrong), false, JSON.stringify(wrong));
  }
});

test('tokenMatcher compares non-ASCII tokens character by character', () => {
  const matches = tokenMatcher('clé-🔑');
  assert.equal(matches('clé-🔑'), true);
  assert.equal(matches('cle-🔑'), false);
});

test('an empty expected token matches nothing, not even an empty candidate', () => {
  const matches = tokenMatcher('');
  assert.equal(matches(''), false);
  assert.equal(matches('x'), false);
});
