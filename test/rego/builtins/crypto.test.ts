import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/crypto.js';
import { assertBuiltinError, caller } from './helpers.js';

const { call } = caller(builtins);

test('digests are lowercase hex of the UTF-8 bytes', () => {
  assert.equal(call('crypto.md5', 'lorem ipsum'), '80a751fde577028640c419000e33eba6');
  assert.equal(call('crypto.sha1', 'lorem ipsum'), 'bfb7759a67daeb65410490b4d98bb9da7d1ea2ce');
  assert.equal(call('crypto.sha256', 'lorem ipsum'), '5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269');
  assert.equal(call('crypto.sha256', ''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assertBuiltinError(() => call('crypto.md5', 1), 'eval_type_error', 'crypto.md5: operand 1 must be string but got number');
});

// Expected values computed independently with `openssl dgst -<alg> -hmac bar`.
test('crypto.hmac.* (conformance cryptohmacsha256)', () => {
  assert.equal(call('crypto.hmac.sha256', 'foo', 'bar'), '147933218aaabc0b8b10a2b3a5c34684c8d94341bcf10a4736dc7270f7741851');
  assert.equal(call('crypto.hmac.sha256', 'åäöçß\u{1F972}♙Ω', '秘密の'), 'eb90daeb76d4b2571fbdaf94bbb240809faa8fed93ec0c260dd38c3fdf8d963a');
  assert.equal(call('crypto.hmac.md5', 'foo', 'bar'), '31b6db9e5eb4addb42f1a6ca07367adc');
  assert.equal(call('crypto.hmac.sha1', 'foo', 'bar'), '85d155c55ed286a300bd1cf124de08d87e914f3a');
  assert.equal(
    call('crypto.hmac.sha512', 'foo', 'bar'),
    '24257d7210582a65c731ec55159c8184cc24c02489453e58587f71f44c23a2d61b4b72154a89d17b2d49448a8452ea066f4fc56a2bcead45c088572ffccdb3d8',
  );
  assertBuiltinError(() => call('crypto.hmac.sha256', 'foo', 1), 'eval_type_error', 'crypto.hmac.sha256: operand 2 must be string but got number');
});

test('crypto.hmac.equal', () => {
  assert.equal(call('crypto.hmac.equal', 'abc', 'abc'), true);
  assert.equal(call('crypto.hmac.equal', 'abc', 'abd'), false);
  assert.equal(call('crypto.hmac.equal', 'abc', 'abcd'), false);
  assert.equal(call('crypto.hmac.equal', '', ''), true);
});
