/** What the engine needs to know about one policy domain. */
import type { Value } from '../../rego/value.js';
import type { DomainName } from '../types.js';
import type { FieldList } from './coerce.js';

export interface DomainSpec<In, Out> {
  name: DomainName;
  /** Validates caller input (throws `PolicyInputError`) into the exact document the policy sees. */
  parseInput(raw: unknown): In;
  /** The rules of the domain's package that `readOutput` reads: the only ones a decision evaluates. */
  outputFields: readonly string[];
  /** Reads the values of `outputFields`, in that order (undefined: the package has no such value), into the typed output. */
  readOutput(values: FieldList): Out;
  /** The answer when the policy does not define the domain at all: the safe one (deny, block, retain). */
  failClosed(input: In): Out;
}

/** Why a domain answers its fail-closed default without evaluating. */
export function missingDomainReason(name: DomainName): string {
  return `the policy does not define data.defenseclaw.${name}`;
}

/** Typed inputs are plain JSON objects, hence Rego values as they stand (no copy, no round trip). */
export function asValue(input: object): Value {
  return input as unknown as Value;
}

/** How each output field is coerced from its rule's value. */
export type OutputReaders<Out> = { [K in keyof Out]: (v: Value | undefined) => Out[K] };

/** A domain's output fields and reader, from one table (the field names are said once). */
export function outputOf<Out>(readers: OutputReaders<Out>): Pick<DomainSpec<unknown, Out>, 'outputFields' | 'readOutput'> {
  const entries = Object.entries(readers) as [string, (v: Value | undefined) => unknown][];
  const names = entries.map(([name]) => name);
  const reads = entries.map(([, read]) => read);
  return {
    outputFields: Object.freeze(names.slice()),
    readOutput: (values) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) out[names[i]!] = reads[i]!(values[i]);
      return out as Out;
    },
  };
}
