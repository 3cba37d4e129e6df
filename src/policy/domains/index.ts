/** Every domain's spec by name (the snapshot prepares each domain's output fields). */
import type { DomainName } from '../types.js';
import type { DomainSpec } from './domain.js';
import { admissionDomain } from './admission.js';
import { auditDomain } from './audit.js';
import { firewallDomain } from './firewall.js';
import { guardrailDomain } from './guardrail.js';
import { sandboxDomain } from './sandbox.js';
import { skillActionsDomain } from './skill-actions.js';

/** The output fields each domain reads from its package `data.defenseclaw.<domain>`. */
export const DOMAIN_OUTPUT_FIELDS: Readonly<Record<DomainName, readonly string[]>> = Object.freeze({
  admission: admissionDomain.outputFields,
  guardrail: guardrailDomain.outputFields,
  firewall: firewallDomain.outputFields,
  sandbox: sandboxDomain.outputFields,
  audit: auditDomain.outputFields,
  skill_actions: skillActionsDomain.outputFields,
});

/** Every domain's spec, by name (the evaluation worker reads outputs as the engine does). */
export const DOMAIN_SPECS: Readonly<Record<DomainName, DomainSpec<unknown, unknown>>> = Object.freeze({
  admission: admissionDomain,
  guardrail: guardrailDomain,
  firewall: firewallDomain,
  sandbox: sandboxDomain,
  audit: auditDomain,
  skill_actions: skillActionsDomain,
});
