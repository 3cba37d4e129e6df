/** Skill actions: what to do at a given scan severity (spec 2.6). */
import { PolicyInputError, type SkillActionsOutput } from '../types.js';
import { booleanOutput, stringOutput } from './coerce.js';
import { outputOf, type DomainSpec } from './domain.js';
import { optString, requireObject } from './fields.js';

export interface SkillActionsInput {
  severity: string;
  /** Omitted when empty, as the original. */
  target_type?: string;
}

export function parseSkillActionsInput(raw: unknown): SkillActionsInput {
  const o = requireObject(raw, 'input');
  const severity = optString(o, 'severity', 'input') ?? '';
  if (severity.trim() === '') throw new PolicyInputError('severity is required');
  const targetType = optString(o, 'target_type', 'input') ?? '';
  return targetType === '' ? { severity } : { severity, target_type: targetType };
}

export const skillActionsDomain: DomainSpec<SkillActionsInput, SkillActionsOutput> = {
  name: 'skill_actions',
  failClosed: () => ({ runtime_action: 'block', file_action: 'quarantine', install_action: 'block', should_block: true }),
  parseInput: parseSkillActionsInput,
  ...outputOf<SkillActionsOutput>({
    runtime_action: stringOutput,
    file_action: stringOutput,
    install_action: stringOutput,
    should_block: booleanOutput,
  }),
};
