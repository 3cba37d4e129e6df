/** `evaluation.*` in config.yaml: defaults, keys, and errors naming the key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/gateway/config.js';
import { defaultWorkers } from '../../src/gateway/evaluation-config.js';
import { tempHome } from './helpers/harness.js';

test('evaluation budgets: defaults, configured values, and a bad value names its key', () => {
  const t = tempHome();
  try {
    assert.deepEqual(loadConfig({}, t.env).evaluation, {
      timeoutMs: 1000,
      maxElements: 20_000_000,
      maxStringChars: 50_000_000,
      offloadAfterMs: 5,
      workers: defaultWorkers(),
      workerHeapMb: 512,
    });
    writeFileSync(
      join(t.home, 'config.yaml'),
      'evaluation:\n  timeout_ms: 250\n  max_elements: 1000\n  max_string_chars: 2000\n  offload_after_ms: 2\n  workers: 0\n  worker_heap_mb: 64\n',
    );
    assert.deepEqual(loadConfig({}, t.env).evaluation, { timeoutMs: 250, maxElements: 1000, maxStringChars: 2000, offloadAfterMs: 2, workers: 0, workerHeapMb: 64 });
    for (const [yaml, key] of [
      ['evaluation:\n  timeout_ms: 0\n', 'evaluation.timeout_ms'],
      ['evaluation:\n  max_elements: -1\n', 'evaluation.max_elements'],
      ['evaluation:\n  max_elements: 500000000\n', 'evaluation.max_elements'],
      ['evaluation:\n  workers: many\n', 'evaluation.workers'],
      ['evaluation:\n  worker_heap_mb: 8\n', 'evaluation.worker_heap_mb'],
    ] as const) {
      writeFileSync(join(t.home, 'config.yaml'), yaml);
      assert.throws(() => loadConfig({}, t.env), (e: unknown) => e instanceof ConfigError && e.key === key, yaml);
    }
  } finally {
    t.cleanup();
  }
});
