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
    // OPA reports no user; raw_path is the decoded path when Go's default encoding gives back the input.
    assert.deepEqual(callURI('uri.parse', ['https://u@h.com/a%20b?x=1#f']), { scheme: 'https', hostname: 'h.com', path: '/a b', raw_path: '/a b', raw_query: 'x=1', fragment: 'f' });
    assert.deepEqual(callURI('uri.parse', ['https://h.com/a%2fb']), { scheme: 'https', hostname: 'h.com', path: '/a/b', raw_path: '/a%2fb' });
    assert.deepEqual(callURI('uri.parse', ['redis://a:b:80/']), { scheme: 'redis', hostname: 'a:b', port: '80', path: '/', raw_path: '/' });
    assert.throws(() => callURI('uri.parse', ['http://a/%zz']), /uri.parse: parse "http:\/\/a\/%zz": invalid URL escape "%zz"/);
    assert.throws(() => callURI('uri.parse', ['http://a:b:80/']), /invalid port ":b:80" after host/);
    assert.throws(() => callURI('uri.parse', ['https://[1.2.3.4]/']), /invalid IP-literal/);
    assert.throws(() => callURI('uri.parse', ['https://[v1.x]/']), /invalid host: ParseAddr\("v1.x"\): unexpected character \(at "v1.x"\)/);
  });
  it('validates', () => {
    assert.equal(callURI('uri.is_valid', ['http://a\tb.com']), false);
    assert.equal(callURI('uri.is_valid', ['http://example.com/path']), true);
    assert.equal(callURI('uri.is_valid', ['']), false);
    assert.equal(callURI('uri.is_valid', [1]), false);
    assert.equal(callURI('uri.is_valid', ['http://exa%6dple.com/']), false);
  });
});
