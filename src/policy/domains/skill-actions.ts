/** Skill actions: what to do at a given scan severity (spec 2.6). */
import { PolicyInputError, type SkillActionsOutput } from '../types.js';
import { booleanField, stringField } from './coerce.js';
import type { DomainSpec } from './domain.js';
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
  parseInput: parseSkillActionsInput,
  readOutput: (doc) => ({
    runtime_action: stringField(doc, 'runtime_action'),
    file_action: stringField(doc, 'file_action'),
    install_action: stringField(doc, 'install_action'),
    should_block: booleanField(doc, 'should_block'),
  }),
};
