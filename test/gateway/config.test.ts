/** Configuration, `.env` and token resolution. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError, DEFAULT_API_PORT, DEFAULT_LIMITS } from '../../src/gateway/config.js';
import { parseDotEnv, writeDotEnvVar } from '../../src/gateway/dotenv.js';
import { ensureToken, resolveToken, TOKEN_ENV_VAR } from '../../src/gateway/token.js';
import { ensureHome } from '../../src/gateway/home.js';
import { tempHome } from './helpers/harness.js';

describe('config', () => {
  test('defaults without a config file', () => {
    const t = tempHome();
    try {
      const c = loadConfig({}, t.env);
      assert.equal(c.configFileFound, false);
      assert.equal(c.dataDir, t.home);
      assert.equal(c.policyDir, join(t.home, 'policies'));
      assert.equal(c.auditDb, join(t.home, 'audit.db'));
      assert.equal(c.gateway.apiBind, '127.0.0.1');
      assert.equal(c.gateway.apiPort, DEFAULT_API_PORT);
      assert.equal(DEFAULT_API_PORT, 18970);
      assert.deepEqual(c.watch, { policy: true, debounceMs: 500 });
      assert.deepEqual(c.guardrail.hilt, { enabled: false, minSeverity: 'HIGH' });
    } finally {
      t.cleanup();
    }
  });

  test('keys from the file, flags override, DEFENSECLAW_CONFIG moves the file', () => {
    const t = tempHome();
    try {
      const file = join(t.home, 'elsewhere.yaml');
      writeFileSync(
        file,
        [
          'data_dir: data',
          'policy_dir: /srv/policies',
          'gateway:',
          '  api_bind: 0.0.0.0',
          '  api_port: 19000',
          '  token: from-file',
          '  token_env: MY_TOKEN',
          'watch:',
          '  policy: false',
          '  debounce_ms: 250',
          'guardrail:',
          '  judge: { base_url: "http://judge", model: m, api_key_env: KEY, timeout_ms: 1000 }',
        ].join('\n'),
      );
      const env = { ...t.env, DEFENSECLAW_CONFIG: file };
      let c = loadConfig({}, env);
      assert.equal(c.dataDir, join(t.home, 'data'));
      assert.equal(c.policyDir, '/srv/policies');
      assert.equal(c.auditDb, join(t.home, 'data', 'audit.db'));
      assert.deepEqual(c.gateway, { apiBind: '0.0.0.0', apiPort: 19000, token: 'from-file', tokenEnv: 'MY_TOKEN', limits: c.gateway.limits });
      assert.deepEqual(c.watch, { policy: false, debounceMs: 250 });
      assert.deepEqual(c.guardrail.judge, { baseUrl: 'http://judge', model: 'm', apiKeyEnv: 'KEY', timeoutMs: 1000, maxResponseBytes: 1024 * 1024 });
      c = loadConfig({ bind: '127.0.0.2', port: 0, policyDir: '/tmp/p' }, env);
      assert.deepEqual([c.gateway.apiBind, c.gateway.apiPort, c.policyDir], ['127.0.0.2', 0, '/tmp/p']);
    } finally {
      t.cleanup();
    }
  });

  test('gateway.limits: defaults, and keys from the file', () => {
    const t = tempHome();
    try {
      let c = loadConfig({}, t.env);
      assert.deepEqual({ ...c.gateway.limits, maxConnections: 0 }, { ...DEFAULT_LIMITS, maxConnections: 0 });
      assert.ok(c.gateway.limits.maxConnections >= 1 && c.gateway.limits.maxConnections <= 1024);
      writeFileSync(
        join(t.home, 'config.yaml'),
        'gateway:\n  limits:\n    max_connections: 10\n    request_timeout_ms: 0\n    headers_timeout_ms: 5000\n    events_max_clients: 2\n',
      );
      c = loadConfig({}, t.env);
      assert.deepEqual([c.gateway.limits.maxConnections, c.gateway.limits.requestTimeoutMs, c.gateway.limits.headersTimeoutMs, c.gateway.limits.eventsMaxClients], [10, 0, 5000, 2]);
    } finally {
      t.cleanup();
    }
  });

  test('a bad value is one ConfigError naming the key', () => {
    const t = tempHome();
    try {
      for (const [yaml, key] of [
        ['gateway:\n  api_port: "80"\n', 'gateway.api_port'],
        ['gateway:\n  api_port: 70000\n', 'gateway.api_port'],
        ['gateway: 3\n', 'gateway'],
        ['watch:\n  policy: yes please\n', 'watch.policy'],
        ['watch:\n  debounce_ms: -1\n', 'watch.debounce_ms'],
        ['watch:\n  debounce_ms: 3000000000\n', 'watch.debounce_ms'],
        ['guardrail:\n  judge:\n    timeout_ms: 1e12\n', 'guardrail.judge.timeout_ms'],
        ['policy_dir: 42\n', 'policy_dir'],
        ['gateway:\n  limits:\n    max_connections: 0\n', 'gateway.limits.max_connections'],
        ['gateway:\n  limits:\n    request_timeout_ms: -5\n', 'gateway.limits.request_timeout_ms'],
        ['gateway:\n  limits:\n    headers_timeout_ms: 20000\n    request_timeout_ms: 10000\n', 'gateway.limits.headers_timeout_ms'],
        ['gateway:\n  limits:\n    events_max_queued_bytes: lots\n', 'gateway.limits.events_max_queued_bytes'],
        ['guardrail:\n  judge:\n    max_response_bytes: 0\n', 'guardrail.judge.max_response_bytes'],
      ]) {
        writeFileSync(join(t.home, 'config.yaml'), yaml!);
        assert.throws(
          () => loadConfig({}, t.env),
          (e: unknown) => e instanceof ConfigError && e.key === key && e.message.includes(key!),
          yaml,
        );
      }
      writeFileSync(join(t.home, 'config.yaml'), 'gateway: [unclosed\n');
      assert.throws(() => loadConfig({}, t.env), (e: unknown) => e instanceof ConfigError && /not valid YAML/.test(e.message));
      writeFileSync(join(t.home, 'config.yaml'), '- a list\n');
      assert.throws(() => loadConfig({}, t.env), /must be a YAML mapping/);
    } finally {
      t.cleanup();
    }
  });
});

describe('.env and token', () => {
  test('parseDotEnv handles comments, export and quotes', () => {
    const m = parseDotEnv('# c\nexport A=1\nB="two words"\nC=\'x\'\n bad line\nD = 4 \n');
    assert.deepEqual([...m], [['A', '1'], ['B', 'two words'], ['C', 'x'], ['D', '4']]);
  });

  test('writeDotEnvVar replaces the key, keeps others, mode 0600', () => {
    const t = tempHome();
    try {
      const f = join(t.home, '.env');
      writeFileSync(f, 'OTHER=1\nDEFENSECLAW_GATEWAY_TOKEN=old\n');
      writeDotEnvVar(f, TOKEN_ENV_VAR, 'new');
      assert.equal(readFileSync(f, 'utf8'), 'OTHER=1\nDEFENSECLAW_GATEWAY_TOKEN=new\n');
      assert.equal(statSync(f).mode & 0o777, 0o600);
    } finally {
      t.cleanup();
    }
  });

  test('resolution order: token_env, DEFENSECLAW_GATEWAY_TOKEN, gateway.token, .env', () => {
    const t = tempHome();
    try {
      writeFileSync(join(t.home, 'config.yaml'), 'gateway:\n  token: file-token\n  token_env: MY_TOKEN\n');
      const cfg = loadConfig({}, t.env);
      assert.equal(resolveToken(cfg, { ...t.env })!.token, 'file-token');
      assert.equal(resolveToken(cfg, { ...t.env, [TOKEN_ENV_VAR]: 'env-token' })!.token, 'env-token');
      assert.equal(resolveToken(cfg, { ...t.env, [TOKEN_ENV_VAR]: 'env-token', MY_TOKEN: 'named' })!.token, 'named');
      writeFileSync(join(t.home, '.env'), `${TOKEN_ENV_VAR}=dotenv-token\n`);
      const env = { ...t.env };
      assert.equal(resolveToken(cfg, env)!.token, 'dotenv-token');
      assert.equal(env[TOKEN_ENV_VAR], 'dotenv-token');
    } finally {
      t.cleanup();
    }
  });

  test('first start generates 64 hex chars into <data_dir>/.env; the next start reuses it', () => {
    const t = tempHome();
    try {
      const cfg = loadConfig({}, t.env);
      assert.equal(resolveToken(cfg, { ...t.env }), null);
      const first = ensureToken(cfg, { ...t.env });
      assert.equal(first.generated, true);
      assert.match(first.token, /^[0-9a-f]{64}$/);
      assert.equal(readFileSync(join(t.home, '.env'), 'utf8'), `${TOKEN_ENV_VAR}=${first.token}\n`);
      assert.equal(statSync(join(t.home, '.env')).mode & 0o777, 0o600);
      const second = ensureToken(cfg, { ...t.env });
      assert.deepEqual([second.generated, second.token], [false, first.token]);
    } finally {
      t.cleanup();
    }
  });

  test('ensureHome seeds the policy directory only when absent', () => {
    const t = tempHome();
    try {
      const bundled = join(t.home, 'bundled');
      mkdirSync(join(bundled, 'rego'), { recursive: true });
      writeFileSync(join(bundled, 'rego', 'a.rego'), 'package a\n');
      const cfg = loadConfig({}, t.env);
      assert.deepEqual(ensureHome(cfg, bundled), { seededPolicies: true });
      assert.equal(readFileSync(join(cfg.policyDir, 'rego', 'a.rego'), 'utf8'), 'package a\n');
      writeFileSync(join(cfg.policyDir, 'rego', 'a.rego'), 'package edited\n');
      assert.deepEqual(ensureHome(cfg, bundled), { seededPolicies: false });
      assert.equal(readFileSync(join(cfg.policyDir, 'rego', 'a.rego'), 'utf8'), 'package edited\n');
    } finally {
      t.cleanup();
    }
  });
});
