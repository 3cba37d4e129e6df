/**
 * Turning a domain's output fields (rules of `data.defenseclaw.<domain>`) into
 * a typed output the way the original's Go helpers did: a missing string is "",
 * a non-string is printed, a missing or non-boolean flag is false, lists keep
 * only their strings (sets arrive sorted, as OPA serialises them) and a missing
 * list is [] (the original gave null; an empty list is what callers expect).
 */
import type { FieldList } from '../../rego/api.js';
import { isObject, objectGet, RegoSet, sortStrings, toJSONText, type Value } from '../../rego/value.js';

export type { FieldList };

/**
 * The selected fields of a whole package document (the slow path, for policies
 * whose package is not simply the object of its rules). Throws when the
 * document is undefined or not an object, as the original did.
 */
export function fieldsOfDocument(value: Value | undefined, fields: readonly string[]): FieldList {
  if (value === undefined) throw new Error('empty result set');
  if (!isObject(value)) throw new Error(`unexpected result type ${Array.isArray(value) ? 'array' : typeof value}`);
  return fields.map((f) => objectGet(value, f));
}

export function stringOutput(v: Value | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return toJSONText(v);
}

export function booleanOutput(v: Value | undefined): boolean {
  return v === true;
}

export function stringListOutput(v: Value | undefined): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (!(v instanceof RegoSet)) return [];
  // Strings are one contiguous run of OPA's order, so sorting just them (with
  // OPA's string order) gives the same list as sorting the set and filtering.
  const out: string[] = [];
  for (const x of v.map.values()) if (typeof x === 'string') out.push(x);
  return out.length > 1 ? sortStrings(out) : out;
}
