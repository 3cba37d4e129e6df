/** What the engine needs to know about one policy domain. */
import type { Value } from '../../rego/value.js';
import type { DomainName } from '../types.js';
import type { PackageDocument } from './coerce.js';

export interface DomainSpec<In, Out> {
  name: DomainName;
  /** Validates caller input (throws `PolicyInputError`) into the exact document the policy sees. */
  parseInput(raw: unknown): In;
  /** Reads the package document into the typed output. */
  readOutput(doc: PackageDocument): Out;
}

/** Typed inputs are plain JSON objects, hence Rego values as they stand (no copy, no round trip). */
export function asValue(input: object): Value {
  return input as unknown as Value;
}
