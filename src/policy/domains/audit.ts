/** Audit: retention and export of one audit event (spec 2.5). */
import type { AuditOutput } from '../types.js';
import { booleanOutput, stringListOutput, stringOutput } from './coerce.js';
import { missingDomainReason, outputOf, type DomainSpec } from './domain.js';
import { optInteger, optString, optStringArray, requireObject } from './fields.js';

export interface AuditInput {
  event_type: string;
  severity: string;
  age_days: number;
  export_targets: string[];
}

export function parseAuditInput(raw: unknown): AuditInput {
  const o = requireObject(raw, 'input');
  return {
    event_type: optString(o, 'event_type', 'input') ?? '',
    severity: optString(o, 'severity', 'input') ?? '',
    age_days: optInteger(o, 'age_days', 'input') ?? 0,
    export_targets: optStringArray(o, 'export_targets', 'input') ?? [],
  };
}

export const auditDomain: DomainSpec<AuditInput, AuditOutput> = {
  name: 'audit',
  // Keeping an event is the safe side of a retention decision; nothing is exported.
  failClosed: () => ({ retain: true, retain_reason: `retained by default: ${missingDomainReason('audit')}`, export_to: [] }),
  parseInput: parseAuditInput,
  ...outputOf<AuditOutput>({
    retain: booleanOutput,
    retain_reason: stringOutput,
    export_to: stringListOutput,
  }),
};
