/**
 * Decisions read only their domain's output rules (`Policy.prepareFields`, by
 * position when `evalFieldList` is offered, else by name); a policy without
 * that API is read from the whole package document. All must give the same
 * decision, for every domain of the shipped policies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compile } from '../../src/rego/index.js';
import type { CompileFn } from '../../src/policy/snapshot.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { stringListOutput, stringOutput } from '../../src/policy/domains/coerce.js';
import { RegoSet } from '../../src/rego/value.js';
import { DOMAIN_INPUTS } from '../../bench/inputs.js';

const POLICIES = join(import.meta.dirname, '..', '..', 'policies');

/** The real compiler with `prepareFields` hidden: the engine must fall back to the package document. */
const wholeDocumentOnly: CompileFn = (sources, options) => {
  const p = compile(sources, options);
  return { modules: p.modules, prepare: (q) => p.prepare(q) };
};

/** The real compiler whose selected fields come by name only (`evalFields`, no positional `evalFieldList`). */
const fieldsByNameOnly: CompileFn = (sources, options) => {
  const p = compile(sources, options);
  return {
    modules: p.modules,
    prepare: (q) => p.prepare(q),
    prepareFields: (path, fields) => {
      const selected = p.prepareFields!(path, fields);
      return selected && { evalFields: (opts) => selected.evalFields(opts) };
    },
  };
};

test('selected fields and the whole package document give the same decisions', () => {
  const fast = PolicyEngine.open(POLICIES, { compile });
  const slow = PolicyEngine.open(POLICIES, { compile: wholeDocumentOnly });
  const byName = PolicyEngine.open(POLICIES, { compile: fieldsByNameOnly });
  const variants: Record<string, Record<string, unknown>[]> = {
    admission: [DOMAIN_INPUTS.admission, { target_type: 'skill', target_name: 'evil-skill', path: '/x' }, { target_type: 'mcp', target_name: 'm' }],
    guardrail: [DOMAIN_INPUTS.guardrail, { mode: 'observe', direction: 'completion' }],
    firewall: [DOMAIN_INPUTS.firewall, { destination: '169.254.169.254', port: 80 }, { destination: 'unknown.example', port: 1 }],
    sandbox: [DOMAIN_INPUTS.sandbox, { skill_name: 'x' }],
    audit: [DOMAIN_INPUTS.audit, { event_type: 'x', severity: 'critical', age_days: 1000 }],
    skill_actions: [DOMAIN_INPUTS.skill_actions, { severity: 'low' }, { severity: 'CRITICAL', target_type: 'skill' }],
  };
  const call = (e: PolicyEngine, domain: string, input: unknown): unknown => {
    switch (domain) {
      case 'admission':
        return e.admission(input);
      case 'guardrail':
        return e.guardrail(input);
      case 'firewall':
        return e.firewall(input);
      case 'sandbox':
        return e.sandbox(input);
      case 'audit':
        return e.audit(input);
      default:
        return e.skillActions(input);
    }
  };
  for (const [domain, inputs] of Object.entries(variants)) {
    for (const input of inputs) {
      const a = call(fast, domain, structuredClone(input)) as { failure?: string };
      assert.equal(a.failure, undefined, `${domain}: ${a.failure}`);
      assert.deepEqual(a, call(slow, domain, structuredClone(input)), `${domain} ${JSON.stringify(input)}`);
      assert.deepEqual(a, call(byName, domain, structuredClone(input)), `${domain} by name ${JSON.stringify(input)}`);
    }
  }
});

test('output coercion: strings printed, lists keep their strings in OPA order', () => {
  assert.equal(stringOutput(undefined), '');
  assert.equal(stringOutput(null), '');
  assert.equal(stringOutput(3), '3');
  assert.equal(stringOutput({ a: [1] }), '{"a":[1]}');
  assert.deepEqual(stringListOutput(new RegoSet(['b', 1, 'a', '\u{1F600}', '\uFFFD', null])), ['a', 'b', '\uFFFD', '\u{1F600}']);
  assert.deepEqual(stringListOutput(['z', 2, 'a']), ['z', 'a']);
  assert.deepEqual(stringListOutput('x'), []);
});
