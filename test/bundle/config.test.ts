/** The fleet keys of config.yaml: services, bundles, keys, labels, persistence_directory, decision_logs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/gateway/config.js';
import { tempHome } from '../gateway/helpers/harness.js';
import { rsaKeys } from './helpers.js';

function load(yaml: string): ReturnType<typeof loadConfig> {
  const t = tempHome();
  try {
    writeFileSync(join(t.home, 'config.yaml'), yaml);
    return loadConfig({}, t.env);
  } finally {
    t.cleanup();
  }
}

function refuses(yaml: string, key: string, pattern: RegExp): void {
  assert.throws(
    () => load(yaml),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.key, key);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

const indent = (pem: string): string => pem.trim().split('\n').join('\n      ');

test("the issue's example: OPA's keys and defaults", () => {
  const { publicPem } = rsaKeys();
  const c = load(`
services:
  central:
    url: http://127.0.0.1:8181/bundles
    credentials: { bearer: { token: "s3cret" } }
bundles:
  defenseclaw:
    service: central
    resource: defenseclaw.tar.gz
    persist: true
    polling: { min_delay_seconds: 10, max_delay_seconds: 20 }
    signing: { keyid: release }
keys:
  release:
    algorithm: RS256
    key: |
      ${indent(publicPem)}
labels: { region: eu-west }
decision_logs:
  service: central
  reporting: { min_delay_seconds: 5, max_delay_seconds: 10, buffer_size_limit_bytes: 1048576 }
  mask: [/input/password]
`);
  const service = c.fleet.services.get('central')!;
  assert.equal(service.url, 'http://127.0.0.1:8181/bundles');
  assert.deepEqual(service.bearer, { scheme: 'Bearer', token: 's3cret' });
  assert.equal(service.responseHeaderTimeoutMs, 10_000);
  const b = c.fleet.bundles[0]!;
  assert.equal(b.name, 'defenseclaw');
  assert.equal(b.resource, 'defenseclaw.tar.gz');
  assert.equal(b.persist, true);
  assert.deepEqual(b.polling, { minDelaySeconds: 10, maxDelaySeconds: 20 });
  assert.equal(b.signing?.keyId, 'release');
  assert.equal(b.signing?.keys.get('release')?.algorithm, 'RS256');
  assert.deepEqual(c.fleet.labels, { region: 'eu-west' });
  assert.equal(c.fleet.persistenceDir, c.dataDir);
  assert.equal(c.decisionLogs?.service?.name, 'central');
  assert.equal(c.decisionLogs?.resource, '/logs');
  assert.equal(c.decisionLogs?.bufferSizeLimitBytes, 1048576);
  assert.equal(c.decisionLogs?.uploadSizeLimitBytes, 32768);
  assert.deepEqual(c.decisionLogs?.mask.map((m) => m.path), ['/input/password']);
});

test('defaults: resource bundles/<name>, polling 60-120 s, no signing; OPA list form of services', () => {
  const c = load('services:\n  - name: s1\n    url: https://example.com/v1\nbundles:\n  authz: { service: s1 }\n');
  const b = c.fleet.bundles[0]!;
  assert.equal(b.resource, 'bundles/authz');
  assert.deepEqual(b.polling, { minDelaySeconds: 60, maxDelaySeconds: 120 });
  assert.equal(b.signing, null);
  assert.equal(b.persist, false);
  assert.equal(c.decisionLogs, null);
  assert.equal(load('').fleet.bundles.length, 0);
});

test('mistakes are one error naming the key', () => {
  refuses('bundles:\n  b: { service: nope }\n', 'bundles.b.service', /unknown service "nope"/);
  refuses('services:\n  s: { url: "ftp://x" }\n', 'services.s.url', /http/);
  refuses('services:\n  s: {}\n', 'services.s.url', /required/);
  refuses('services:\n  s: { url: "http://x", credentials: { oauth2: {} } }\n', 'services.s.credentials.oauth2', /not supported/);
  refuses('services:\n  s: { url: "http://x" }\nbundles:\n  a: { service: s }\n  b: { service: s }\n', 'bundles', /configure one bundle/);
  refuses('services:\n  s: { url: "http://x" }\nbundles:\n  a: { service: s, polling: { min_delay_seconds: 5, max_delay_seconds: 2 } }\n', 'bundles.a.polling.max_delay_seconds', />= min_delay_seconds/);
  refuses('services:\n  s: { url: "http://x" }\nbundles:\n  a: { service: s, signing: { keyid: k } }\n', 'bundles.a.signing.keyid', /unknown key "k"/);
  refuses('keys:\n  k: { algorithm: RS256, key: "not a pem" }\n', 'keys.k.key', /not a usable RS256 key/);
  refuses('keys:\n  k: { algorithm: XX1, key: "x" }\n', 'keys.k.algorithm', /must be one of/);
  refuses('services:\n  s: { url: "http://x" }\nbundles:\n  a: { service: s, trigger: manual }\n', 'bundles.a.trigger', /periodic/);
  refuses('decision_logs: { console: false }\n', 'decision_logs.service', /required/);
  refuses('services:\n  s: { url: "http://x" }\ndecision_logs: { mask_decision: /system/log/mask }\n', 'decision_logs.mask_decision', /decision_logs\.mask/);
  refuses('services:\n  s: { url: "http://x" }\ndecision_logs: { reporting: { buffer_type: event, buffer_size_limit_bytes: 10 } }\n', 'decision_logs.reporting.buffer_size_limit_bytes', /event buffer/);
  refuses('services:\n  s: { url: "http://x" }\ndecision_logs: { reporting: { min_delay_seconds: 5 } }\n', 'decision_logs.reporting.max_delay_seconds', /required/);
  refuses('services:\n  s: { url: "http://x" }\ndecision_logs: { mask: [password] }\n', 'decision_logs.mask', /below \/input or \/result/);
  // decision_logs.service defaults to the first service, as OPA.
  assert.equal(load('services:\n  s: { url: "http://x" }\ndecision_logs: {}\n').decisionLogs?.service?.name, 's');
});
