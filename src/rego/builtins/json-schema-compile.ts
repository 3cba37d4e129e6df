/**
 * The schema side of `json.match_schema` / `json.verify_schema`: OPA's vendored
 * gojsonschema (internal/gojsonschema: schema.go, draft.go, schemaPool.go),
 * written again in TypeScript so that the same schemas are accepted and the same
 * messages come out (`minLength must be of an integer`, `has a primitive type
 * that is NOT VALID -- given: /x/ …`).
 *
 * Drafts: `$schema` names draft 4, 6 or 7; without it gojsonschema's "hybrid"
 * mode accepts every keyword of all three. A `$ref` replaces its schema (its
 * siblings other than `id`/`definitions`/`title`/`description` are not read).
 * References resolve against `$id`/`id` scopes inside the document; anything
 * else would be a network or file fetch, which policies may not make.
 * Go iterates maps in random order; where that order shows (error order), we sort keys.
 */
import { isNumber, isPlainObject, objectGet, plainNumber, type JsonObject, type Value } from '../value.js';
import * as dec from './decimal.js';
import { tryCompileRegex } from './regex.js';
import type RE2 from 're2';

export const DRAFT4 = 4;
export const DRAFT6 = 6;
export const DRAFT7 = 7;
export const HYBRID = 2147483647;

export const JSON_TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

export interface SubSchema {
  property: string;
  draft: number;
  /** A `true`/`false` schema. */
  pass?: boolean;
  refSchema?: SubSchema;
  types: string[];
  properties: SubSchema[];
  additionalProperties?: boolean | SubSchema;
  patternProperties?: [string, RE2, SubSchema][];
  propertyNames?: SubSchema;
  dependencies?: [string, string[] | SubSchema][];
  items: SubSchema[];
  itemsIsSingleSchema: boolean;
  additionalItems?: boolean | SubSchema;
  multipleOf?: dec.Decimal;
  minimum?: dec.Decimal;
  maximum?: dec.Decimal;
  exclusiveMinimum?: dec.Decimal;
  exclusiveMaximum?: dec.Decimal;
  minLength?: number;
  maxLength?: number;
  pattern?: RE2;
  /** The pattern's text, for messages. */
  patternText?: string;
  format?: string;
  minProperties?: number;
  maxProperties?: number;
  required: string[];
  minItems?: number;
  maxItems?: number;
  uniqueItems: boolean;
  contains?: SubSchema;
  /** `const` and `enum` members as canonical JSON text (gojsonschema's marshalWithoutNumber). */
  constText?: string;
  enumPresent: boolean;
  enumTexts: string[];
  oneOf: SubSchema[];
  anyOf: SubSchema[];
  allOf: SubSchema[];
  not?: SubSchema;
  if?: SubSchema;
  then?: SubSchema;
  else?: SubSchema;
}

/** A schema gojsonschema refuses; the message is its text. */
export class SchemaError extends Error {}

function newSubSchema(property: string, draft: number): SubSchema {
  return { property, draft, types: [], properties: [], items: [], itemsIsSingleSchema: false, required: [], uniqueItems: false, enumPresent: false, enumTexts: [], oneOf: [], anyOf: [], allOf: [] };
}

// OPA's copy of gojsonschema names these in Title Case (internal/gojsonschema/locales.go:
// StringSchema, StringArrayOfSchemas, …, StringContextRoot = "(Root)"), unlike the upstream library.
const S_SCHEMA = 'Valid Schema';
const S_ARRAY_OF_SCHEMAS = 'Array Of Schemas';
const S_ARRAY_OF_STRINGS = 'Array Of Strings';
const S_NUMBER = 'Number';
/** The root of the document and of the schema in error contexts and `field`. */
export const CONTEXT_ROOT = '(Root)';
const invalidType = (expected: string, given: string): SchemaError => new SchemaError(`Invalid type. Expected: ${expected}, given: ${given}`);
const mustBeOfA = (x: string, y: string): SchemaError => new SchemaError(`${x} must be of a ${y}`);
const mustBeOfAn = (x: string, y: string): SchemaError => new SchemaError(`${x} must be of an ${y}`);
const parseError = (): SchemaError => new SchemaError(`Expected: ${S_SCHEMA}, given: Invalid JSON`);

/** JSON text of a value after a float64 round trip (1.0 and 1 agree), keys sorted: gojsonschema's marshalWithoutNumber. */
export function canonicalJSON(v: Value): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (isNumber(v)) return String(Number(v));
  if (typeof v === 'string') return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (Array.isArray(v)) return '[' + v.map(canonicalJSON).join(',') + ']';
  const o = v as JsonObject;
  return '{' + Object.keys(o).sort().map((k) => canonicalJSON(k) + ':' + canonicalJSON(o[k]!)).join(',') + '}';
}

const isMap = (v: Value | undefined): v is JsonObject => v !== undefined && isPlainObject(v);
const sortedKeys = (o: JsonObject): string[] => Object.keys(o).sort();

function getString(m: JsonObject, key: string): string | undefined {
  const v = objectGet(m, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidType('string', key);
  return v;
}

function getSlice(m: JsonObject, key: string): Value[] {
  const v = objectGet(m, key);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw mustBeOfAn(key, 'array');
  return v;
}

function mustBeNumber(v: Value | undefined): dec.Decimal | undefined {
  return v !== undefined && isNumber(v) ? dec.fromNumber(plainNumber(v)) : undefined;
}

/** A non-negative-checked integer keyword (minLength, maxItems, …). */
function integerKeyword(m: JsonObject, key: string): number | undefined {
  const v = objectGet(m, key);
  if (v === undefined) return undefined;
  if (!isNumber(v) || !Number.isInteger(Number(v))) throw mustBeOfAn(key, 'integer');
  const n = Number(v);
  if (n < 0) throw new SchemaError(`${key} must be greater than or equal to 0`);
  return n;
}

// ---------------------------------------------------------------------------
// References: the document's `$id` scopes and the JSON pointers into them.

/** Minimal RFC 3986 resolution, enough for `$id` and `$ref` inside one document. */
function resolveRef(base: string, ref: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref)) return ref;
  if (ref.startsWith('#')) return base.replace(/#.*$/, '') + ref;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(base)) {
    try {
      return new URL(ref, base).href;
    } catch {
      return ref;
    }
  }
  return ref;
}

/** The key gojsonreference gives a reference: without an empty trailing `#`. */
const refKey = (r: string): string => (r.endsWith('#') ? r.slice(0, -1) : r);

/** gojsonpointer's Get over a decoded fragment. */
function pointerGet(doc: Value, fragment: string): Value {
  if (fragment === '') return doc;
  if (!fragment.startsWith('/')) throw new SchemaError(`JSON pointer must be empty or start with a "/"`);
  let node = doc;
  for (const raw of fragment.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (isMap(node)) {
      const next = objectGet(node, token);
      if (next === undefined) throw new SchemaError(`Object has no key '${token}'`);
      node = next;
    } else if (Array.isArray(node)) {
      if (!/^-?[0-9]+$/.test(token)) throw new SchemaError(`Invalid array index '${token}'`);
      const i = Number(token);
      if (i < 0 || i >= node.length) throw new SchemaError(`Out of bound array[0,${node.length - 1}] index '${i}'`);
      node = node[i]!;
    } else {
      throw new SchemaError(`Invalid token reference '${token}'`);
    }
  }
  return node;
}

class Compiler {
  /** Documents by absolute reference (the root under ""), as gojsonschema's schema pool. */
  readonly pool = new Map<string, Value>();
  /** Each `$ref` string resolved against its `$id` scope (the input is never modified). */
  readonly absoluteRefs = new WeakMap<object, string>();
  /** Schemas being or already parsed for a reference: recursion ends here. */
  readonly referencePool = new Map<string, SubSchema>();

  constructor(readonly validatePatterns: boolean) {}

  collect(node: Value, base: string): void {
    if (Array.isArray(node)) {
      for (const v of node) this.collect(v, base);
      return;
    }
    if (!isMap(node)) return;
    let local = base;
    const idKey = objectGet(node, 'id') !== undefined ? 'id' : '$id';
    const id = objectGet(node, idKey);
    if (typeof id === 'string') {
      local = resolveRef(base, id);
      const key = refKey(local);
      if (this.pool.has(key)) throw new SchemaError(`Reference already exists: "${key}"`);
      this.pool.set(key, node);
    }
    const ref = objectGet(node, '$ref');
    if (typeof ref === 'string') this.absoluteRefs.set(node, resolveRef(local, ref));
    for (const k of sortedKeys(node)) {
      if (k === 'const' || k === 'enum') continue;
      const v = node[k]!;
      if (k === 'properties' || k === 'dependencies' || k === 'patternProperties') {
        if (isMap(v)) for (const c of sortedKeys(v)) this.collect(v[c]!, local);
      } else this.collect(v, local);
    }
  }

  document(ref: string): Value {
    const key = refKey(ref);
    const direct = this.pool.get(key);
    if (direct !== undefined) return direct;
    const hash = key.indexOf('#');
    const baseKey = hash < 0 ? key : key.slice(0, hash);
    const base = this.pool.get(baseKey);
    if (base !== undefined) return pointerGet(base, hash < 0 ? '' : decodeURIComponent(key.slice(hash + 1)));
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(key)) throw new SchemaError(`Reference ${ref} must be canonical`);
    throw new SchemaError(`remote reference ${ref} is not allowed: policies cannot reach the network or files`);
  }

  parse(node: Value, s: SubSchema): void {
    if (s.draft >= DRAFT6 && typeof node === 'boolean') {
      s.pass = node;
      return;
    }
    if (!isMap(node)) throw parseError();
    const m = node;
    const keyID = s.draft === DRAFT4 ? 'id' : s.draft === HYBRID && objectGet(m, 'id') !== undefined ? 'id' : '$id';
    getString(m, keyID);

    const definitions = objectGet(m, 'definitions');
    if (definitions !== undefined) {
      if (!isMap(definitions)) throw invalidType(S_ARRAY_OF_SCHEMAS, 'definitions');
      for (const k of sortedKeys(definitions)) {
        const dv = definitions[k]!;
        if (typeof dv !== 'boolean' && !isMap(dv)) throw invalidType(S_ARRAY_OF_SCHEMAS, 'definitions');
        this.parse(dv, newSubSchema('definitions', s.draft));
      }
    }
    getString(m, 'title');
    getString(m, 'description');

    const ref = getString(m, '$ref');
    if (ref !== undefined) {
      const absolute = this.absoluteRefs.get(m) ?? ref;
      const cached = this.referencePool.get(absolute);
      if (cached) s.refSchema = cached;
      else {
        const target = newSubSchema('$ref', s.draft);
        this.referencePool.set(absolute, target);
        const doc = this.document(absolute);
        if (typeof doc !== 'boolean' && !isMap(doc)) throw new SchemaError(`${S_SCHEMA} must be of type object`);
        this.parse(doc, target);
        s.refSchema = target;
      }
      return;
    }

    const type = objectGet(m, 'type');
    if (type !== undefined) {
      const list = typeof type === 'string' ? [type] : Array.isArray(type) ? type : undefined;
      if (list === undefined) throw invalidType('type', `string/${S_ARRAY_OF_STRINGS}`);
      for (const t of list) {
        if (typeof t !== 'string') throw invalidType('type', `string/${S_ARRAY_OF_STRINGS}`);
        if (!JSON_TYPES.includes(t)) throw new SchemaError(`has a primitive type that is NOT VALID -- given: /${t}/ Expected valid values are:[${JSON_TYPES.join(' ')}]`);
        if (s.types.includes(t)) throw new SchemaError(`${t} type is duplicated`);
        s.types.push(t);
      }
    }

    const properties = objectGet(m, 'properties');
    if (properties !== undefined) {
      if (!isMap(properties)) throw new SchemaError('Properties must be of type object');
      for (const k of sortedKeys(properties)) {
        const child = newSubSchema(k, s.draft);
        s.properties.push(child);
        this.parse(properties[k]!, child);
      }
    }

    const additional = objectGet(m, 'additionalProperties');
    if (additional !== undefined) {
      if (typeof additional === 'boolean') s.additionalProperties = additional;
      else if (isMap(additional)) s.additionalProperties = this.child(additional, 'additionalProperties', s);
      else throw invalidType(`boolean/${S_SCHEMA}`, 'additionalProperties');
    }

    const patternProperties = objectGet(m, 'patternProperties');
    if (patternProperties !== undefined) {
      if (!isMap(patternProperties)) throw invalidType(S_SCHEMA, 'patternProperties');
      const keys = sortedKeys(patternProperties);
      if (keys.length > 0) s.patternProperties = [];
      for (const k of keys) {
        const re = tryCompileRegex(k);
        if (!re.ok) throw new SchemaError(`Invalid regex pattern '${k}'`);
        s.patternProperties!.push([k, re.re, this.child(patternProperties[k]!, k, s)]);
      }
    }

    const propertyNames = objectGet(m, 'propertyNames');
    if (propertyNames !== undefined && s.draft >= DRAFT6) {
      if (typeof propertyNames !== 'boolean' && !isMap(propertyNames)) throw invalidType(S_SCHEMA, 'patternProperties');
      s.propertyNames = this.child(propertyNames, 'propertyNames', s);
    }

    const dependencies = objectGet(m, 'dependencies');
    if (dependencies !== undefined) {
      if (!isMap(dependencies)) throw new SchemaError('dependencies must be of type object');
      s.dependencies = [];
      for (const k of sortedKeys(dependencies)) {
        const d = dependencies[k]!;
        if (Array.isArray(d)) {
          if (!d.every((x): x is string => typeof x === 'string')) throw new SchemaError('Dependency must be of type Schema Or Array Of Strings');
          if (d.length > 0) s.dependencies.push([k, d]);
        } else if (typeof d === 'boolean' || isMap(d)) s.dependencies.push([k, this.child(d, k, s)]);
        else throw new SchemaError('Dependency must be of type Schema Or Array Of Strings');
      }
    }

    const items = objectGet(m, 'items');
    if (items !== undefined) {
      if (Array.isArray(items)) {
        for (const it of items) {
          if (typeof it !== 'boolean' && !isMap(it)) throw invalidType(`${S_SCHEMA}/${S_ARRAY_OF_SCHEMAS}`, 'items');
          s.items.push(this.child(it, 'items', s));
        }
      } else if (typeof items === 'boolean' || isMap(items)) {
        s.items.push(this.child(items, 'items', s));
        s.itemsIsSingleSchema = true;
      } else throw invalidType(`${S_SCHEMA}/${S_ARRAY_OF_SCHEMAS}`, 'items');
    }

    const additionalItems = objectGet(m, 'additionalItems');
    if (additionalItems !== undefined) {
      if (typeof additionalItems === 'boolean') s.additionalItems = additionalItems;
      else if (isMap(additionalItems)) s.additionalItems = this.child(additionalItems, 'additionalItems', s);
      else throw invalidType(`boolean/${S_SCHEMA}`, 'additionalItems');
    }

    this.numberKeywords(m, s);

    s.minLength = integerKeyword(m, 'minLength');
    s.maxLength = integerKeyword(m, 'maxLength');
    if (s.minLength !== undefined && s.maxLength !== undefined && s.minLength > s.maxLength) throw new SchemaError('minLength cannot be greater than maxLength');
    const pattern = getString(m, 'pattern');
    if (pattern !== undefined && this.validatePatterns) {
      const re = tryCompileRegex(pattern);
      if (!re.ok) throw new SchemaError('pattern must be a valid regex');
      s.pattern = re.re;
      s.patternText = pattern;
    }
    s.format = getString(m, 'format');

    s.minProperties = integerKeyword(m, 'minProperties');
    s.maxProperties = integerKeyword(m, 'maxProperties');
    if (s.minProperties !== undefined && s.maxProperties !== undefined && s.minProperties > s.maxProperties) {
      throw new SchemaError('minProperties cannot be greater than maxProperties');
    }
    for (const r of getSlice(m, 'required')) {
      if (typeof r !== 'string') throw invalidType('string', 'required');
      if (s.required.includes(r)) throw new SchemaError('required items must be unique');
      s.required.push(r);
    }

    s.minItems = integerKeyword(m, 'minItems');
    s.maxItems = integerKeyword(m, 'maxItems');
    const unique = objectGet(m, 'uniqueItems');
    if (unique !== undefined) {
      if (typeof unique !== 'boolean') throw mustBeOfA('uniqueItems', 'boolean');
      s.uniqueItems = unique;
    }
    const contains = objectGet(m, 'contains');
    if (contains !== undefined && s.draft >= DRAFT6) s.contains = this.child(contains, 'contains', s);

    const c = objectGet(m, 'const');
    if (c !== undefined && s.draft >= DRAFT6) s.constText = canonicalJSON(c);
    s.enumPresent = objectGet(m, 'enum') !== undefined;
    for (const e of getSlice(m, 'enum')) {
      const text = canonicalJSON(e);
      if (s.enumTexts.includes(text)) throw new SchemaError('enum items must be unique');
      s.enumTexts.push(text);
    }

    for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
      for (const v of getSlice(m, key)) s[key].push(this.child(v, key, s));
    }
    const not = objectGet(m, 'not');
    if (not !== undefined) {
      if (typeof not !== 'boolean' && !isMap(not)) throw mustBeOfAn('not', 'object');
      s.not = this.child(not, 'not', s);
    }
    if (s.draft >= DRAFT7) {
      for (const key of ['if', 'then', 'else'] as const) {
        const v = objectGet(m, key);
        if (v === undefined) continue;
        if (typeof v !== 'boolean' && !isMap(v)) throw mustBeOfAn(key, 'object');
        s[key] = this.child(v, key, s);
      }
    }
  }

  private child(node: Value, property: string, parent: SubSchema): SubSchema {
    const s = newSubSchema(property, parent.draft);
    this.parse(node, s);
    return s;
  }

  private numberKeywords(m: JsonObject, s: SubSchema): void {
    const multipleOf = objectGet(m, 'multipleOf');
    if (multipleOf !== undefined) {
      const d = mustBeNumber(multipleOf);
      if (d === undefined) throw invalidType(S_NUMBER, 'multipleOf');
      if (d.m <= 0n) throw new SchemaError('multipleOf must be strictly greater than 0');
      s.multipleOf = d;
    }
    for (const [key, exclusiveKey] of [['minimum', 'exclusiveMinimum'], ['maximum', 'exclusiveMaximum']] as const) {
      const v = objectGet(m, key);
      if (v !== undefined) {
        const d = mustBeNumber(v);
        if (d === undefined) throw mustBeOfA(key, S_NUMBER);
        s[key] = d;
      }
      const ex = objectGet(m, exclusiveKey);
      if (ex === undefined) continue;
      const withoutBound = (): SchemaError => new SchemaError(`${exclusiveKey} cannot be used without ${key}`);
      if (s.draft === DRAFT4 || (s.draft === HYBRID && typeof ex === 'boolean')) {
        if (typeof ex !== 'boolean') throw invalidType('boolean', exclusiveKey);
        if (s[key] === undefined) throw withoutBound();
        if (ex) {
          s[exclusiveKey] = s[key];
          s[key] = undefined;
        }
      } else if (isNumber(ex)) s[exclusiveKey] = dec.fromNumber(plainNumber(ex));
      else throw invalidType(s.draft === HYBRID ? 'boolean/number' : 'number', exclusiveKey);
    }
  }
}

const DRAFT_URLS: Record<string, number> = {
  'http://json-schema.org/draft-04/schema': DRAFT4,
  'http://json-schema.org/draft-06/schema': DRAFT6,
  'http://json-schema.org/draft-07/schema': DRAFT7,
};

/** gojsonschema's SchemaLoader.Compile (auto-detected draft, hybrid by default). */
export function compileSchema(doc: Value, validatePatterns = true): SubSchema {
  if (typeof doc !== 'boolean' && !isMap(doc)) throw new SchemaError('schema is invalid');
  let draft = HYBRID;
  if (isMap(doc)) {
    const url = objectGet(doc, '$schema');
    if (url !== undefined) {
      if (typeof url !== 'string') throw new SchemaError('$schema must be of type string');
      draft = DRAFT_URLS[refKey(url)] ?? HYBRID;
    }
  }
  const c = new Compiler(validatePatterns);
  c.collect(doc, '');
  c.pool.set('', doc);
  const root = newSubSchema(CONTEXT_ROOT, draft);
  c.parse(doc, root);
  return root;
}
