/** `defenseclaw policy bench`, run as a user runs it (short bench times: the figures are not asserted, their shape is). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFloat, histogram } from '../../src/cli/bench-report.js';

function bench(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/defenseclaw.ts', 'policy', 'bench', '--benchtime', '50', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function input(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dc-bench-')), 'input.json');
  writeFileSync(file, JSON.stringify({ destination: 'github.com', port: 443 }));
  return file;
}

test('policy bench prints opa bench\'s table: samples, ns/op, heap bytes/op, the latency histogram', () => {
  const r = bench('--rego-dir', 'policies', '--input', input(), 'data.defenseclaw.firewall.action');
  assert.equal(r.code, 0, r.stderr);
  const rows = new Map(
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('| '))
      .map((l) => l.split('|').map((c) => c.trim()))
      .map((c) => [c[1]!, Number(c[2])]),
  );
  assert.ok(rows.get('samples')! >= 1);
  assert.ok(rows.get('ns/op')! > 0);
  assert.ok(rows.get('B/op (heap, approx.)')! >= 0);
  assert.equal(rows.get('histogram_timer_rego_query_eval_ns_count'), Math.min(rows.get('samples')!, 10000));
  assert.ok(rows.get('histogram_timer_rego_query_eval_ns_min')! <= rows.get('histogram_timer_rego_query_eval_ns_median')!);
  assert.ok(rows.get('histogram_timer_rego_query_eval_ns_median')! <= rows.get('histogram_timer_rego_query_eval_ns_max')!);
  assert.match(r.stdout, /^\+-+\+-+\+\n/);
});

test('policy bench --count, --format json and gobench', () => {
  const j = bench('--rego-dir', 'policies', '--input', input(), '--format', 'json', '--count', '2', '--no-metrics', 'data.defenseclaw.firewall.action');
  assert.equal(j.code, 0, j.stderr);
  const docs = j.stdout.trim().split(/\n(?=\{)/).map((t) => JSON.parse(t) as { N: number; T: number; MemBytes: number; Extra: object });
  assert.equal(docs.length, 2);
  for (const d of docs) {
    assert.ok(d.N >= 1 && d.T > 0 && d.MemBytes >= 0);
    assert.deepEqual(d.Extra, {});
  }
  const g = bench('--rego-dir', 'policies', '--input', input(), '--format', 'gobench', '--no-benchmem', 'data.defenseclaw.firewall.action');
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /^BenchmarkOPAEval\t +\d+\t +\d+(\.\d+)? ns\/op\t/);
});

test('policy bench fails on an undefined query unless --no-fail, and on policy errors', () => {
  const undef = bench('--rego-dir', 'policies', 'data.defenseclaw.nothing_here');
  assert.equal(undef.code, 1);
  assert.match(undef.stderr, /undefined result/);
  assert.equal(bench('--rego-dir', 'policies', '--no-fail', '--no-metrics', 'data.defenseclaw.nothing_here').code, 0);
  const bad = bench('--rego-dir', 'policies', 'data.defenseclaw[');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /rego_parse_error/);
});

test('bench figures use Go\'s number format and go-metrics percentiles', () => {
  assert.equal(formatFloat(53787.4), '     53787');
  assert.equal(formatFloat(12.34), '        12.3');
  assert.equal(formatFloat(1.5), '         1.50');
  const h = histogram('h', [1, 2, 3, 4]);
  assert.equal(h['h_median'], 2.5);
  assert.equal(h['h_min'], 1);
  assert.equal(h['h_max'], 4);
  assert.equal(h['h_count'], 4);
  assert.equal(h['h_75%'], 3.75);
  assert.equal(h['h_stddev'], Math.sqrt(1.25));
});
