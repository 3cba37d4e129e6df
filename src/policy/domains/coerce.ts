/**
 * Turning a package document (the value of `data.defenseclaw.<domain>`) into a
 * typed output the way the original's Go helpers did: a missing string is "",
 * a non-string is printed, a missing or non-boolean flag is false, lists keep
 * only their strings (sets arrive sorted, as OPA serialises them) and a missing
 * list is [] (the original gave null; an empty list is what callers expect).
 */
import { isObject, objectGet, RegoSet, toJSONText, type JsonObject, type RegoObject, type Value } from '../../rego/value.js';

export type PackageDocument = JsonObject | RegoObject;

export function asPackageDocument(value: Value | undefined): PackageDocument {
  if (value === undefined) throw new Error('empty result set');
  if (!isObject(value)) throw new Error(`unexpected result type ${Array.isArray(value) ? 'array' : typeof value}`);
  return value;
}

export function stringField(doc: PackageDocument, key: string): string {
  const v = objectGet(doc, key);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return toJSONText(v);
}

export function booleanField(doc: PackageDocument, key: string): boolean {
  return objectGet(doc, key) === true;
}

export function stringListField(doc: PackageDocument, key: string): string[] {
  const v = objectGet(doc, key);
  const items = v instanceof RegoSet ? v.sorted() : Array.isArray(v) ? v : [];
  return items.filter((x): x is string => typeof x === 'string');
}
