/**
 * The documents the policy sees: each domain's `parseInput` keeps the fields it
 * knows, fills the defaults, and leaves absent (or null) optional fields absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAdmissionInput } from '../../src/policy/domains/admission.js';
import { parseGuardrailInput } from '../../src/policy/domains/guardrail.js';
import { PolicyInputError } from '../../src/policy/types.js';

test('admission: optional fields of list entries, scan results and findings stay absent', () => {
  const doc = parseAdmissionInput({
    target_type: 'skill',
    target_name: 'x',
    extra: 'dropped',
    block_list: [{ target_type: 'skill', target_name: 'y', reason: null }, { target_name: 'z', source_path: '/p', reason: 'r' }],
    scan_result: { max_severity: 'HIGH', exit_code: 0, scan_error: null, findings: [{ title: 't' }, {}] },
  });
  assert.deepEqual(doc, {
    target_type: 'skill',
    target_name: 'x',
    path: '',
    block_list: [
      { target_type: 'skill', target_name: 'y' },
      { target_type: '', target_name: 'z', reason: 'r', source_path: '/p' },
    ],
    allow_list: [],
    scan_result: { max_severity: 'HIGH', total_findings: 0, findings: [{ title: 't' }, {}], exit_code: 0 },
  });
  assert.equal('scan_result' in parseAdmissionInput({ target_type: 'skill', target_name: 'x', scan_result: null }), false);
  assert.throws(
    () => parseAdmissionInput({ target_type: 'skill', target_name: 'x', allow_list: [{}, { reason: 1 }] }),
    (e: unknown) => e instanceof PolicyInputError && e.message === 'input.allow_list[1].reason must be a string',
  );
});

test('guardrail: is_safe and hilt only when given; labels normalised; first invalid field reported', () => {
  const doc = parseGuardrailInput({
    mode: ' Action ',
    direction: 'PROMPT ',
    local_result: { severity: 'LOW', is_safe: null },
    cisco_result: { action: 'block', is_safe: false },
  });
  assert.deepEqual(doc, {
    direction: 'prompt',
    model: '',
    mode: 'action',
    scanner_mode: '',
    local_result: { action: '', severity: 'LOW', findings: [], reason: '' },
    cisco_result: { action: 'block', severity: '', findings: [], reason: '', is_safe: false },
    content_length: 0,
  });
  assert.equal('hilt' in doc, false);
  assert.deepEqual(parseGuardrailInput({ mode: 'observe', hilt: { min_severity: ' low ' } }).hilt, { enabled: false, min_severity: 'LOW' });
  assert.throws(
    () => parseGuardrailInput({ mode: 'observe', direction: 1, hilt: { enabled: 'yes' } }),
    (e: unknown) => e instanceof PolicyInputError && e.message === 'input.direction must be a string',
  );
});
