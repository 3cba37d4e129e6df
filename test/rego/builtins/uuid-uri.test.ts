import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtins as uuid } from '../../../src/rego/builtins/uuid.js';
import { builtins as uri } from '../../../src/rego/builtins/uri.js';
import { invoker, fakeContext } from './helpers.js';

const callUUID = invoker(uuid);
const callURI = invoker(uri);

describe('uuid', () => {
  it('is stable per operand within an evaluation (conformance regocpp/uuid)', () => {
    const ctx = fakeContext();
    const a = callUUID('uuid.rfc4122', ['x'], ctx);
    assert.equal(callUUID('uuid.rfc4122', ['x'], ctx), a);
    assert.notEqual(callUUID('uuid.rfc4122', ['y'], ctx), a);
    assert.deepEqual(callUUID('uuid.parse', [a!]), { version: 4, variant: 'RFC4122' });
  });
  it('parses version 1 UUIDs', () => {
    assert.deepEqual(callUUID('uuid.parse', ['00000000-0000-1000-8000-000000000000']), {
      version: 1, variant: 'RFC4122', time: -12219292800000000000n, clocksequence: 0, nodeid: '00-00-00-00-00-00', macvariables: 'global:unicast',
    });
    assert.equal((callUUID('uuid.parse', ['{6ba7b810-9dad-11d1-80b4-00c04fd430c8}']) as { version: number }).version, 1);
    assert.equal(callUUID('uuid.parse', ['not-a-uuid']), undefined);
  });
});

describe('uri', () => {
  it('parses as net/url (conformance regocpp uri cases)', () => {
    assert.deepEqual(callURI('uri.parse', ['http://[fe80::1%25eth0]:8080/']), { scheme: 'http', hostname: 'fe80::1%eth0', port: '8080', path: '/', raw_path: '/' });
    assert.deepEqual(callURI('uri.parse', ['mailto:user@example.com']), { scheme: 'mailto' });
    assert.deepEqual(callURI('uri.parse', ['https://u@h.com/a%20b?x=1#f']), { scheme: 'https', user: 'u', hostname: 'h.com', path: '/a b', raw_path: '/a%20b', query: 'x=1', fragment: 'f' });
    assert.equal(callURI('uri.parse', ['http://a/%zz']), undefined);
  });
  it('validates', () => {
    assert.equal(callURI('uri.is_valid', ['http://a\tb.com']), false);
    assert.equal(callURI('uri.is_valid', ['http://example.com/path']), true);
  });
});
