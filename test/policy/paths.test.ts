import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultDataDir, defaultPolicyDir } from '../../src/policy/paths.js';

test('DEFENSECLAW_HOME relocates the data and policy directories', () => {
  assert.equal(defaultDataDir({ DEFENSECLAW_HOME: '/srv/dc' }), '/srv/dc');
  assert.equal(defaultPolicyDir({ DEFENSECLAW_HOME: '/srv/dc' }), join('/srv/dc', 'policies'));
});

test('without DEFENSECLAW_HOME (or with a blank one) the home directory is used', () => {
  assert.equal(defaultDataDir({}), join(homedir(), '.defenseclaw'));
  assert.equal(defaultPolicyDir({ DEFENSECLAW_HOME: '  ' }), join(homedir(), '.defenseclaw', 'policies'));
});
