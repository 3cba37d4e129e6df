/** Admission: may a skill, MCP server or plugin be installed and run (spec 2.1)? */
import { PolicyInputError, type AdmissionOutput } from '../types.js';
import { stringOutput } from './coerce.js';
import { outputOf, type DomainSpec } from './domain.js';
import { optInteger, optObject, optObjectArray, optString, requireObject, setDefined, type Fields } from './fields.js';

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
  const entry: AdmissionListEntry = {
    target_type: optString(o, 'target_type', where) ?? '',
    target_name: optString(o, 'target_name', where) ?? '',
  };
  setDefined(entry, 'reason', optString(o, 'reason', where));
  setDefined(entry, 'source_path', optString(o, 'source_path', where));
  return entry;
}

function finding(f: Fields, at: string): NonNullable<AdmissionScanResult['findings']>[number] {
  const out: NonNullable<AdmissionScanResult['findings']>[number] = {};
  setDefined(out, 'severity', optString(f, 'severity', at));
  setDefined(out, 'scanner', optString(f, 'scanner', at));
  setDefined(out, 'title', optString(f, 'title', at));
  return out;
}

function scanResult(o: Fields, where: string): AdmissionScanResult {
  const scan: AdmissionScanResult = {
    max_severity: optString(o, 'max_severity', where) ?? '',
    total_findings: optInteger(o, 'total_findings', where) ?? 0,
  };
  setDefined(scan, 'scanner_name', optString(o, 'scanner_name', where));
  setDefined(scan, 'findings', optObjectArray(o, 'findings', where, finding));
  setDefined(scan, 'exit_code', optInteger(o, 'exit_code', where));
  setDefined(scan, 'scan_error', optString(o, 'scan_error', where));
  return scan;
}

export function parseAdmissionInput(raw: unknown): AdmissionInput {
  const o = requireObject(raw, 'input');
  const target_type = optString(o, 'target_type', 'input') ?? '';
  const target_name = optString(o, 'target_name', 'input') ?? '';
  if (target_type.trim() === '' || target_name.trim() === '') {
    throw new PolicyInputError('input.target_type and input.target_name are required');
  }
  const scan = optObject(o, 'scan_result', 'input');
  const input: AdmissionInput = {
    target_type,
    target_name,
    path: optString(o, 'path', 'input') ?? '',
    block_list: optObjectArray(o, 'block_list', 'input', listEntry) ?? [],
    allow_list: optObjectArray(o, 'allow_list', 'input', listEntry) ?? [],
  };
  if (scan) input.scan_result = scanResult(scan, 'input.scan_result');
  return input;
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
