/** Guardrail: the verdict for one prompt or completion from precomputed scanner results (spec 2.2). */
import { PolicyInputError, type GuardrailOutput } from '../types.js';
import { stringListOutput, stringOutput } from './coerce.js';
import { missingDomainReason, outputOf, type DomainSpec } from './domain.js';
import { optBoolean, optInteger, optObject, optString, optStringArray, requireObject, setDefined, type Fields } from './fields.js';

export interface ScannerResult {
  action: string;
  severity: string;
  findings: string[];
  reason: string;
  is_safe?: boolean;
}

export interface GuardrailInput {
  direction: string;
  model: string;
  mode: 'observe' | 'action';
  scanner_mode: string;
  local_result: ScannerResult | null;
  cisco_result: ScannerResult | null;
  content_length: number;
  hilt?: { enabled: boolean; min_severity: string };
}

/**
 * The verdict when the policy cannot decide: block in action mode, alert in
 * observe mode (observe never blocks), always HIGH and attributed to the outage.
 */
export function guardrailOutageVerdict(mode: string, why: string): GuardrailOutput {
  return {
    action: mode === 'observe' ? 'alert' : 'block',
    severity: 'HIGH',
    reason: `guardrail failing closed: ${why}`,
    scanner_sources: ['policy-outage'],
  };
}

function scannerResult(o: Fields | undefined, where: string): ScannerResult | null {
  if (!o) return null;
  const result: ScannerResult = {
    action: optString(o, 'action', where) ?? '',
    severity: optString(o, 'severity', where) ?? '',
    findings: optStringArray(o, 'findings', where) ?? [],
    reason: optString(o, 'reason', where) ?? '',
  };
  setDefined(result, 'is_safe', optBoolean(o, 'is_safe', where));
  return result;
}

export function parseGuardrailInput(raw: unknown): GuardrailInput {
  const o = requireObject(raw, 'input');
  const mode = (optString(o, 'mode', 'input') ?? '').trim().toLowerCase();
  if (mode !== 'observe' && mode !== 'action') throw new PolicyInputError('input.mode must be observe or action');
  const hilt = optObject(o, 'hilt', 'input');
  const contentLength = optInteger(o, 'content_length', 'input') ?? 0;
  if (contentLength < 0) throw new PolicyInputError('input.content_length must not be negative');
  const input: GuardrailInput = {
    direction: (optString(o, 'direction', 'input') ?? '').trim().toLowerCase(),
    model: optString(o, 'model', 'input') ?? '',
    mode,
    scanner_mode: (optString(o, 'scanner_mode', 'input') ?? '').trim().toLowerCase(),
    local_result: scannerResult(optObject(o, 'local_result', 'input'), 'input.local_result'),
    cisco_result: scannerResult(optObject(o, 'cisco_result', 'input'), 'input.cisco_result'),
    content_length: contentLength,
  };
  if (hilt) {
    input.hilt = {
      enabled: optBoolean(hilt, 'enabled', 'input.hilt') ?? false,
      min_severity: (optString(hilt, 'min_severity', 'input.hilt') ?? '').trim().toUpperCase() || 'HIGH',
    };
  }
  return input;
}

export const guardrailDomain: DomainSpec<GuardrailInput, GuardrailOutput> = {
  name: 'guardrail',
  failClosed: (input) => guardrailOutageVerdict(input.mode, missingDomainReason('guardrail')),
  parseInput: parseGuardrailInput,
  ...outputOf<GuardrailOutput>({
    action: stringOutput,
    severity: stringOutput,
    reason: stringOutput,
    scanner_sources: stringListOutput,
  }),
};
