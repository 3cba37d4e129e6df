/** Admission: may a skill, MCP server or plugin be installed and run (spec 2.1)? */
import { PolicyInputError, type AdmissionOutput } from '../types.js';
import { stringOutput } from './coerce.js';
import { outputOf, type DomainSpec } from './domain.js';
import { definedOnly, optInteger, optObject, optObjectArray, optString, requireObject, type Fields } from './fields.js';

export interface AdmissionListEntry {
  target_type: string;
  target_name: string;
  reason?: string;
  /** Optional path pin: the entry only matches installs at this path. */
  source_path?: string;
}

export interface AdmissionScanResult {
  max_severity: string;
  total_findings: number;
  scanner_name?: string;
  findings?: { severity?: string; scanner?: string; title?: string }[];
  exit_code?: number;
  scan_error?: string;
}

export interface AdmissionInput {
  target_type: string;
  target_name: string;
  path: string;
  block_list: AdmissionListEntry[];
  allow_list: AdmissionListEntry[];
  scan_result?: AdmissionScanResult;
}

/** Whatever goes wrong, admission denies (the original's fail-closed default). */
export const ADMISSION_DENY_DEFAULT: Readonly<AdmissionOutput> = Object.freeze({
  verdict: 'rejected',
  reason: 'policy evaluation failed — denied by default',
  file_action: 'quarantine',
  install_action: 'block',
  runtime_action: 'block',
});

function listEntry(o: Fields, where: string): AdmissionListEntry {
  return definedOnly({
    target_type: optString(o, 'target_type', where) ?? '',
    target_name: optString(o, 'target_name', where) ?? '',
    reason: optString(o, 'reason', where),
    source_path: optString(o, 'source_path', where),
  });
}

function scanResult(o: Fields, where: string): AdmissionScanResult {
  return definedOnly({
    max_severity: optString(o, 'max_severity', where) ?? '',
    total_findings: optInteger(o, 'total_findings', where) ?? 0,
    scanner_name: optString(o, 'scanner_name', where),
    findings: optObjectArray(o, 'findings', where, (f, at) =>
      definedOnly({ severity: optString(f, 'severity', at), scanner: optString(f, 'scanner', at), title: optString(f, 'title', at) }),
    ),
    exit_code: optInteger(o, 'exit_code', where),
    scan_error: optString(o, 'scan_error', where),
  });
}

export function parseAdmissionInput(raw: unknown): AdmissionInput {
  const o = requireObject(raw, 'input');
  const target_type = optString(o, 'target_type', 'input') ?? '';
  const target_name = optString(o, 'target_name', 'input') ?? '';
  if (target_type.trim() === '' || target_name.trim() === '') {
    throw new PolicyInputError('input.target_type and input.target_name are required');
  }
  const scan = optObject(o, 'scan_result', 'input');
  return definedOnly({
    target_type,
    target_name,
    path: optString(o, 'path', 'input') ?? '',
    block_list: optObjectArray(o, 'block_list', 'input', listEntry) ?? [],
    allow_list: optObjectArray(o, 'allow_list', 'input', listEntry) ?? [],
    scan_result: scan && scanResult(scan, 'input.scan_result'),
  });
}

export const admissionDomain: DomainSpec<AdmissionInput, AdmissionOutput> = {
  name: 'admission',
  failClosed: () => ({ ...ADMISSION_DENY_DEFAULT }),
  parseInput: parseAdmissionInput,
  ...outputOf<AdmissionOutput>({
    verdict: stringOutput,
    reason: stringOutput,
    file_action: stringOutput,
    install_action: stringOutput,
    runtime_action: stringOutput,
  }),
};
