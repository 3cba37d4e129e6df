/** Bundle activations in the policy history: listed with their bundle, but not restorable from it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyHistory } from '../../src/policy/history.js';

test('a bundle revision is recorded with its name and manifest revision; rolling back to it points to the server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-history-bundle-'));
  try {
    const history = new PolicyHistory(join(dir, 'policy-history'));
    const full = 'a'.repeat(64);
    history.record({ revision: 'v1.2.3', full_revision: full, applied_at: new Date().toISOString(), source: 'bundle', modules: 3, bundle: { name: 'dc', revision: 'v1.2.3' } }, []);
    const [entry] = history.entries();
    assert.deepEqual(entry && { revision: entry.revision, source: entry.source, bundle: entry.bundle }, { revision: 'v1.2.3', source: 'bundle', bundle: { name: 'dc', revision: 'v1.2.3' } });
    assert.throws(() => history.files('aaaa'), /revision v1\.2\.3 came from bundle "dc": its files are kept by the bundle server/);
    // A revision that is neither the hash prefix nor the bundle's is refused.
    assert.throws(() => history.record({ revision: 'other', full_revision: full, applied_at: new Date().toISOString(), source: 'bundle', modules: 3, bundle: { name: 'dc', revision: 'v1.2.3' } }, []), /refusing entry/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
