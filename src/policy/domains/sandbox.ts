/** Sandbox: the endpoints and permissions a skill's sandbox gets (spec 2.4). */
import type { SandboxOutput } from '../types.js';
import { stringListOutput } from './coerce.js';
import { outputOf, type DomainSpec } from './domain.js';
import { optString, optStringArray, requireObject } from './fields.js';

export interface SandboxInput {
  skill_name: string;
  requested_endpoints: string[];
  requested_permissions: string[];
}

export function parseSandboxInput(raw: unknown): SandboxInput {
  const o = requireObject(raw, 'input');
  return {
    skill_name: optString(o, 'skill_name', 'input') ?? '',
    requested_endpoints: optStringArray(o, 'requested_endpoints', 'input') ?? [],
    requested_permissions: optStringArray(o, 'requested_permissions', 'input') ?? [],
  };
}

export const sandboxDomain: DomainSpec<SandboxInput, SandboxOutput> = {
  name: 'sandbox',
  // Nothing allowed: every requested endpoint denied, no permissions.
  failClosed: (input) => ({
    allowed_endpoints: [],
    denied_endpoints: [...input.requested_endpoints],
    denied_from_request: [...input.requested_endpoints],
    permissions: [],
    allowed_skills: [],
  }),
  parseInput: parseSandboxInput,
  ...outputOf<SandboxOutput>({
    allowed_endpoints: stringListOutput,
    denied_endpoints: stringListOutput,
    denied_from_request: stringListOutput,
    permissions: stringListOutput,
    allowed_skills: stringListOutput,
  }),
};
