import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { builtins } from '../../../src/rego/builtins/crypto.js';
import type { JsonObject, Value } from '../../../src/rego/value.js';
import { assertBuiltinError, fakeContext } from './helpers.js';

// Fixtures made with openssl 3 (root RSA CA -> EC P-256 intermediate -> RSA leaf); expected
// values below come from `openssl x509 -noout -serial -dates -subject`.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/x509/${name}`, import.meta.url), 'utf8');
const root = fixture('root.pem');
const inter = fixture('inter.pem');
const leaf = fixture('leaf.pem');

const NOW = BigInt(Date.now()) * 1_000_000n;
const call = (name: string, ...args: Value[]) => builtins[name]!(args, fakeContext(NOW));
const rfc3339 = (d: string) => new Date(d).toISOString().replace('.000Z', 'Z');

test('crypto.x509.parse_certificates: Go x509.Certificate fields', () => {
  const certs = call('crypto.x509.parse_certificates', leaf) as JsonObject[];
  assert.equal(certs.length, 1);
  const c = certs[0]!;
  const node = new X509Certificate(leaf);
  assert.equal(c['Version'], 3);
  assert.equal(c['SerialNumber'], BigInt('0x' + node.serialNumber));
  assert.equal(c['NotBefore'], rfc3339(node.validFrom));
  assert.equal(c['NotAfter'], rfc3339(node.validTo));
  assert.equal(c['Raw'], node.raw.toString('base64'));
  assert.equal(c['SignatureAlgorithm'], 10); // ECDSAWithSHA256: signed by the EC intermediate, openssl's default digest
  const subject = c['Subject'] as JsonObject;
  assert.equal(subject['CommonName'], 'leaf.example.com');
  assert.deepEqual(subject['Country'], ['DE']);
  assert.deepEqual(subject['OrganizationalUnit'], ['Unit A', 'Unit B']);
  assert.deepEqual(subject['Locality'], ['Berlin']);
  assert.equal(subject['Province'], null);
  assert.deepEqual((subject['Names'] as JsonObject[])[0], { Type: [2, 5, 4, 6], Value: 'DE' });
  assert.equal((c['Issuer'] as JsonObject)['CommonName'], 'Test Intermediate');
  assert.deepEqual(c['DNSNames'], ['leaf.example.com', '*.svc.example.com']);
  assert.deepEqual(c['IPAddresses'], ['10.0.0.1']);
  assert.deepEqual(c['EmailAddresses'], ['ops@example.com']);
  assert.deepEqual(c['URIStrings'], ['spiffe://example.org/ns/default/sa/app']);
  const uri = (c['URIs'] as JsonObject[])[0]!;
  assert.equal(uri['Scheme'], 'spiffe');
  assert.equal(uri['Host'], 'example.org');
  assert.equal(uri['Path'], '/ns/default/sa/app');
  assert.deepEqual(c['ExtKeyUsage'], [1, 2]);
  assert.equal(c['KeyUsage'], 1 | 4); // digitalSignature | keyEncipherment
  assert.equal(c['BasicConstraintsValid'], true);
  assert.equal(c['IsCA'], false);
  assert.equal(c['MaxPathLen'], -1);
  assert.deepEqual(c['OCSPServer'], ['http://ocsp.example.com']);
  assert.deepEqual(c['IssuingCertificateURL'], ['http://ca.example.com/inter.crt']);
  assert.deepEqual(c['CRLDistributionPoints'], ['http://crl.example.com/inter.crl']);
  assert.deepEqual(c['PolicyIdentifiers'], [[1, 2, 3, 4]]);
  assert.equal(c['PublicKeyAlgorithm'], 1);
  const pk = c['PublicKey'] as JsonObject;
  assert.equal(pk['E'], 65537);
  assert.equal(typeof pk['N'], 'bigint');
  assert.ok((c['Extensions'] as JsonObject[]).some((e) => JSON.stringify(e['Id']) === '[2,5,29,17]'));
});

test('parse_certificates: intermediate and root details', () => {
  const [i, r] = call('crypto.x509.parse_certificates', inter + root) as JsonObject[];
  assert.equal(i!['IsCA'], true);
  assert.equal(i!['MaxPathLen'], 0);
  assert.equal(i!['MaxPathLenZero'], true);
  assert.equal(i!['PublicKeyAlgorithm'], 3);
  assert.deepEqual(Object.keys(i!['PublicKey'] as JsonObject).sort(), ['Curve', 'X', 'Y']);
  assert.equal(typeof i!['SubjectKeyId'], 'string');
  assert.equal(typeof i!['AuthorityKeyId'], 'string');
  assert.equal(i!['SignatureAlgorithm'], 4); // SHA256WithRSA, signed by the RSA root
  assert.equal(r!['KeyUsage'], 32 | 64); // certSign | crlSign
  assert.equal((r!['Subject'] as JsonObject)['CommonName'], 'Test Root CA');
});

test('parse_certificates: base64 DER and base64 PEM inputs, errors', () => {
  const der = new X509Certificate(leaf).raw.toString('base64');
  assert.equal((call('crypto.x509.parse_certificates', der) as JsonObject[])[0]!['Raw'], der);
  assert.equal((call('crypto.x509.parse_certificates', Buffer.from(leaf).toString('base64')) as JsonObject[]).length, 1);
  assertBuiltinError(() => call('crypto.x509.parse_certificates', '!!'), 'eval_builtin_error', 'crypto.x509.parse_certificates: illegal base64 data at input byte 0');
  assertBuiltinError(() => call('crypto.x509.parse_certificates', fixture('leaf.key')), 'eval_builtin_error', /PEM block type is 'PRIVATE KEY', expected CERTIFICATE/);
  assertBuiltinError(() => call('crypto.x509.parse_certificates', Buffer.from('hello').toString('base64')), 'eval_builtin_error', /x509: malformed/);
});

test('parse_and_verify_certificates: root first, leaf last', () => {
  const [ok, chain] = call('crypto.x509.parse_and_verify_certificates', root + inter + leaf) as [boolean, JsonObject[]];
  assert.equal(ok, true);
  assert.deepEqual(
    chain.map((c) => (c['Subject'] as JsonObject)['CommonName']),
    ['leaf.example.com', 'Test Intermediate', 'Test Root CA'],
  );
  assert.deepEqual(call('crypto.x509.parse_and_verify_certificates', leaf + inter + root), [false, []]);
  assert.deepEqual(call('crypto.x509.parse_and_verify_certificates', root + leaf), [false, []]); // missing intermediate
  assert.deepEqual(call('crypto.x509.parse_and_verify_certificates', leaf), [false, []]);
  assert.deepEqual(call('crypto.x509.parse_and_verify_certificates', 'garbage'), [false, []]);
});

test('parse_and_verify_certificates_with_options', () => {
  const pem = root + inter + leaf;
  const verify = (o: JsonObject) => (call('crypto.x509.parse_and_verify_certificates_with_options', pem, o) as Value[])[0];
  assert.equal(verify({ DNSName: 'leaf.example.com' }), true);
  assert.equal(verify({ DNSName: 'a.svc.example.com' }), true);
  assert.equal(verify({ DNSName: 'a.b.svc.example.com' }), false);
  assert.equal(verify({ DNSName: 'other.example.com' }), false);
  assert.equal(verify({ DNSName: '10.0.0.1' }), true);
  assert.equal(verify({ KeyUsages: ['KeyUsageClientAuth'] }), true);
  assert.equal(verify({ KeyUsages: ['KeyUsageCodeSigning'] }), false);
  assert.equal(verify({ KeyUsages: ['KeyUsageAny'] }), true);
  assert.equal(verify({ CurrentTime: 1609459200 * 1e9 }), false); // 2021: before the certificates
  assertBuiltinError(
    () => verify({ KeyUsages: ['KeyUsageNope'] }),
    'eval_builtin_error',
    "crypto.x509.parse_and_verify_certificates_with_options: invalid entries for 'KeyUsages' found: [KeyUsageNope]",
  );
  assertBuiltinError(() => verify({ Foo: 1 }), 'eval_builtin_error', 'crypto.x509.parse_and_verify_certificates_with_options: invalid key option');
  assertBuiltinError(() => verify({ DNSName: 1 }), 'eval_builtin_error', "crypto.x509.parse_and_verify_certificates_with_options: 'DNSName' should be a string");
  // crypto.go: certificates that do not parse are [false, []] before the options are read.
  assert.deepEqual(call('crypto.x509.parse_and_verify_certificates_with_options', 'garbage!', { Foo: 1 }), [false, []]);
  // Only parse_certificates and parse_and_verify_certificates extend the JSON with URIStrings.
  const [, chain] = call('crypto.x509.parse_and_verify_certificates_with_options', pem, {}) as [boolean, JsonObject[]];
  assert.equal('URIStrings' in chain[0]!, false); // Go's verified chain starts at the leaf
  const [, extended] = call('crypto.x509.parse_and_verify_certificates', pem) as [boolean, JsonObject[]];
  assert.deepEqual(extended[0]!['URIStrings'], ['spiffe://example.org/ns/default/sa/app']);
  // extendedCert's URIStrings has no omitempty: null for a certificate without URIs.
  assert.equal((call('crypto.x509.parse_certificates', root) as JsonObject[])[0]!['URIStrings'], null);
});

test('crypto.x509.parse_certificate_request', () => {
  const csr = call('crypto.x509.parse_certificate_request', fixture('leaf.csr')) as JsonObject;
  assert.equal((csr['Subject'] as JsonObject)['CommonName'], 'leaf.example.com');
  assert.deepEqual(csr['DNSNames'], ['leaf.example.com', '*.svc.example.com']);
  assert.deepEqual(csr['IPAddresses'], ['10.0.0.1']);
  assert.equal(csr['PublicKeyAlgorithm'], 1);
  assert.equal(csr['Version'], 0);
  const b64 = Buffer.from(fixture('leaf.csr')).toString('base64');
  assert.equal((call('crypto.x509.parse_certificate_request', b64) as JsonObject)['Raw'], csr['Raw']);
  assertBuiltinError(() => call('crypto.x509.parse_certificate_request', Buffer.from(leaf).toString('base64')), 'eval_builtin_error', 'crypto.x509.parse_certificate_request: invalid PEM-encoded certificate signing request');
});

test('crypto.x509.parse_rsa_private_key returns a JWK', () => {
  const jwk = call('crypto.x509.parse_rsa_private_key', fixture('pkcs1.key')) as JsonObject;
  assert.equal(jwk['kty'], 'RSA');
  assert.deepEqual(jwk, createPrivateKey(fixture('pkcs1.key')).export({ format: 'jwk' }));
  // crypto.go: base64 text without any key block is null; only the empty string is an error.
  assert.equal(call('crypto.x509.parse_rsa_private_key', 'AAAA'), null);
  assertBuiltinError(() => call('crypto.x509.parse_rsa_private_key', ''), 'eval_builtin_error', 'crypto.x509.parse_rsa_private_key: input PEM data was empty');
  // PKCS #8 and SEC 1 keys are read too; jwk.New takes RSA and ECDSA keys only.
  assert.equal((call('crypto.x509.parse_rsa_private_key', fixture('inter.key')) as JsonObject)['kty'], 'EC');
  assertBuiltinError(() => call('crypto.x509.parse_rsa_private_key', fixture('ed.key')), 'eval_builtin_error', 'crypto.x509.parse_rsa_private_key: invalid key type ed25519.PrivateKey');
});

test('crypto.parse_private_keys', () => {
  const keys = call('crypto.parse_private_keys', fixture('pkcs1.key') + fixture('inter.key') + fixture('ed.key')) as Value[];
  assert.equal(keys.length, 3);
  const rsa = keys[0] as JsonObject;
  assert.deepEqual(Object.keys(rsa).sort(), ['D', 'E', 'N', 'Precomputed', 'Primes']);
  assert.equal(rsa['E'], 65537);
  assert.deepEqual(Object.keys(keys[1] as JsonObject).sort(), ['Curve', 'D', 'X', 'Y']);
  assert.equal(Buffer.from(keys[2] as string, 'base64').length, 64);
  assert.equal(call('crypto.parse_private_keys', ''), null);
  assert.equal((call('crypto.parse_private_keys', Buffer.from(fixture('pkcs1.key')).toString('base64')) as Value[]).length, 1);
  assert.deepEqual(call('crypto.parse_private_keys', leaf), []); // certificates are skipped
});

test('crypto.x509.parse_keypair', () => {
  const pair = call('crypto.x509.parse_keypair', leaf, fixture('leaf.key')) as JsonObject;
  assert.deepEqual(pair['Certificate'], [new X509Certificate(leaf).raw.toString('base64')]);
  assert.equal(((pair['Leaf'] as JsonObject)['Subject'] as JsonObject)['CommonName'], 'leaf.example.com');
  assert.deepEqual(Object.keys(pair['PrivateKey'] as JsonObject).sort(), ['D', 'E', 'N', 'Precomputed', 'Primes']);
  assertBuiltinError(() => call('crypto.x509.parse_keypair', leaf, fixture('pkcs1.key')), 'eval_builtin_error', 'crypto.x509.parse_keypair: tls: private key does not match public key');
});
