/**
 * Reading caller input into a domain's typed input, with messages that name the
 * offending field. Absent and `null` fields are the same (as Go's JSON decoding
 * into a struct); a field of the wrong type is a `PolicyInputError`.
 */
import { PolicyInputError } from '../types.js';

export type Fields = Record<string, unknown>;

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

function isRecord(x: unknown): x is Fields {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The value must be a JSON object (`what` names it in the message). */
export function requireObject(raw: unknown, what: string): Fields {
  if (!isRecord(raw)) throw new PolicyInputError(`${what} must be a JSON object`);
  return raw;
}

function field(obj: Fields, key: string): unknown {
  if (!hasOwn(obj, key)) return undefined;
  const v = obj[key];
  return v === null ? undefined : v;
}

export function optString(obj: Fields, key: string, where: string): string | undefined {
  const v = field(obj, key);
  if (v === undefined || typeof v === 'string') return v;
  throw new PolicyInputError(`${where}.${key} must be a string`);
}

export function optInteger(obj: Fields, key: string, where: string): number | undefined {
  const v = field(obj, key);
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw new PolicyInputError(`${where}.${key} must be an integer`);
}

export function optBoolean(obj: Fields, key: string, where: string): boolean | undefined {
  const v = field(obj, key);
  if (v === undefined || typeof v === 'boolean') return v;
  throw new PolicyInputError(`${where}.${key} must be a boolean`);
}

export function optObject(obj: Fields, key: string, where: string): Fields | undefined {
  const v = field(obj, key);
  if (v === undefined) return undefined;
  return requireObject(v, `${where}.${key}`);
}

export function optStringArray(obj: Fields, key: string, where: string): string[] | undefined {
  const v = field(obj, key);
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new PolicyInputError(`${where}.${key} must be an array of strings`);
}

/** An array of objects, each read by `item` (which receives the element's path for messages). */
export function optObjectArray<T>(obj: Fields, key: string, where: string, item: (o: Fields, path: string) => T): T[] | undefined {
  const v = field(obj, key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new PolicyInputError(`${where}.${key} must be an array`);
  return v.map((x, i) => {
    const at = `${where}.${key}[${i}]`;
    return item(requireObject(x, at), at);
  });
}

/**
 * Sets an optional field when it has a value, so that absent optional fields
 * stay absent in the policy input. (Objects are built field by field: copying
 * a finished object without its undefined entries cost a tenth of a decision.)
 */
export function setDefined<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) obj[key] = value;
}
