/**
 * A compact JSON Schema (draft 4/6/7) validator for `json.match_schema` and
 * `json.verify_schema`, producing the results of OPA's gojsonschema-based
 * built-ins: error objects `{error, type, field, desc}` with gojsonschema's
 * English descriptions and field paths (`(root)`, `a.b`, `items.0`).
 *
 * Covered: type, enum, const, minimum/maximum (+ exclusive, both draft 4
 * booleans and draft 6 numbers), multipleOf, minLength/maxLength, pattern
 * (RE2), format (date-time, date, time, email, ipv4, ipv6, uri, uuid; others
 * ignored), items/additionalItems, min/maxItems, uniqueItems, contains,
 * properties, required, additionalProperties, patternProperties,
 * min/maxProperties, propertyNames, dependencies, allOf/anyOf/oneOf/not,
 * if/then/else, true/false schemas, and `$ref` to "#" and local JSON pointers.
 * Remote `$ref`s are reported as schema errors.
 */
import { builtinError } from './operands.js';
import { compare, equals, isNumber, isPlainObject, objectGet, typeName, type JsonObject, type Value } from '../value.js';
import { goMarshal, isValidJSON, parseJSON } from './json-text.js';
import { tryCompileRegex } from './regex.js';

type Schema = boolean | JsonObject;

interface SchemaError {
  context: string[];
  type: string;
  desc: string;
}

class SchemaInvalid extends Error {}

function isObj(v: Value | undefined): v is JsonObject {
  return v !== undefined && isPlainObject(v);
}

/** OPA's loader: a JSON string (pre-checked as valid JSON) or an object (marshalled), nothing else. */
function load(v: Value): Value {
  if (typeof v === 'string') {
    if (!isValidJSON(v)) throw new SchemaInvalid('invalid JSON string');
    return parseJSON(v);
  }
  if (typeName(v) === 'object') return parseJSON(goMarshal(v));
  throw new SchemaInvalid('wrong type, expected string or object');
}

const TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];

function fieldOf(context: string[]): string {
  return context.length === 0 ? '(root)' : context.join('.');
}

function jsonType(v: Value): string {
  const t = typeName(v);
  if (t === 'number') return Number.isInteger(Number(v)) ? 'integer' : 'number';
  return t;
}

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s.toUpperCase())),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  time: (s) => /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/.test(s),
  email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
  ipv4: (s) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s),
  ipv6: (s) => s.includes(':') && /^[0-9A-Fa-f:.]+$/.test(s),
  uri: (s) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s),
  uuid: (s) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s),
};

class Validator {
  constructor(readonly root: Schema) {}

  /** Resolves a local `$ref` ("#", "#/definitions/x", "#/$defs/x"…). */
  resolve(ref: string): Schema {
    if (!ref.startsWith('#')) throw new SchemaInvalid(`remote reference ${ref} is not supported`);
    let cur: Value = this.root;
    const pointer = decodeURIComponent(ref.slice(1));
    if (pointer !== '') {
      for (const raw of pointer.replace(/^\//, '').split('/')) {
        const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        const next: Value | undefined = Array.isArray(cur) ? cur[Number(seg)] : isObj(cur) ? objectGet(cur, seg) : undefined;
        if (next === undefined) throw new SchemaInvalid(`Object has no key '${seg}'`);
        cur = next;
      }
    }
    if (typeof cur !== 'boolean' && !isObj(cur)) throw new SchemaInvalid(`Invalid reference ${ref}`);
    return cur;
  }

  validate(schema: Schema, v: Value, context: string[], depth = 0): SchemaError[] {
    if (depth > 1000) throw new SchemaInvalid('reference loop');
    const errs: SchemaError[] = [];
    const add = (type: string, desc: string, ctx = context) => errs.push({ context: ctx, type, desc });
    if (schema === true) return errs;
    if (schema === false) {
      add('false', 'False always fails validation');
      return errs;
    }
    const kw = (k: string) => objectGet(schema, k);
    const ref = kw('$ref');
    if (typeof ref === 'string') return this.validate(this.resolve(ref), v, context, depth + 1);

    const type = kw('type');
    if (type !== undefined) {
      const types = (Array.isArray(type) ? type : [type]) as string[];
      const given = jsonType(v);
      const ok = types.includes(given) || (given === 'integer' && types.includes('number'));
      if (!ok) {
        const expected = types.length === 1 ? types[0]! : `[${types.join(',')}]`;
        add('invalid_type', `Invalid type. Expected: ${expected}, given: ${given}`);
        return errs;
      }
    }
    const sub = (s: Value, ctx = context) => this.validate(s as Schema, v, ctx, depth + 1);

    // Combinators (gojsonschema's validateSchema).
    const anyOf = kw('anyOf');
    if (Array.isArray(anyOf) && anyOf.length > 0) {
      const results = anyOf.map((s) => sub(s));
      if (!results.some((r) => r.length === 0)) {
        add('number_any_of', 'Must validate at least one schema (anyOf)');
        errs.push(...closest(results));
      }
    }
    const oneOf = kw('oneOf');
    if (Array.isArray(oneOf) && oneOf.length > 0) {
      const results = oneOf.map((s) => sub(s));
      const valid = results.filter((r) => r.length === 0).length;
      if (valid !== 1) {
        add('number_one_of', 'Must validate one and only one schema (oneOf)');
        if (valid === 0) errs.push(...closest(results));
      }
    }
    const allOf = kw('allOf');
    if (Array.isArray(allOf) && allOf.length > 0) {
      const results = allOf.map((s) => sub(s));
      for (const r of results) errs.push(...r);
      if (results.some((r) => r.length > 0)) add('number_all_of', 'Must validate all the schemas (allOf)');
    }
    const not = kw('not');
    if (not !== undefined && sub(not).length === 0) add('number_not', 'Must not validate the schema (not)');
    const dependencies = kw('dependencies');
    if (isObj(v) && isObj(dependencies)) {
      for (const [k, dep] of Object.entries(dependencies)) {
        if (objectGet(v, k) === undefined) continue;
        if (Array.isArray(dep)) {
          for (const d of dep) if (typeof d === 'string' && objectGet(v, d) === undefined) add('missing_dependency', `Has a dependency on ${d}`);
        } else errs.push(...sub(dep));
      }
    }
    const cond = kw('if');
    if (cond !== undefined) {
      const ifOk = sub(cond).length === 0;
      const branch = ifOk ? kw('then') : kw('else');
      if (branch !== undefined) {
        const r = sub(branch);
        if (r.length > 0) {
          if (ifOk) add('condition_then', 'Must validate "then" as "if" was valid');
          else add('condition_else', 'Must validate "else" as "if" was not valid');
          errs.push(...r);
        }
      }
    }

    if (isNumber(v)) this.numberChecks(schema, Number(v), add);
    if (Array.isArray(v)) this.arrayChecks(schema, v, context, depth, errs, add);
    if (isObj(v)) this.objectChecks(schema, v, context, depth, errs, add);

    // validateCommon: const and enum.
    const field = fieldOf(context);
    const c = kw('const');
    if (c !== undefined && !equals(c, v)) add('const', `${field} does not match: ${goMarshal(c)}`);
    const e = kw('enum');
    if (Array.isArray(e) && !e.some((x) => equals(x, v))) add('enum', `${field} must be one of the following: ${e.map(goMarshal).join(', ')}`);

    if (typeof v === 'string') this.stringChecks(schema, v, add);
    if (isObj(v)) {
      const props = kw('properties');
      if (isObj(props)) {
        for (const k of Object.keys(props).sort()) {
          const x = objectGet(v, k);
          if (x !== undefined) errs.push(...this.validate(props[k] as Schema, x, [...context, k], depth + 1));
        }
      }
    }
    return errs;
  }

  private numberChecks(schema: JsonObject, n: number, add: (t: string, d: string) => void): void {
    const kw = (k: string) => objectGet(schema, k);
    const mult = kw('multipleOf');
    if (typeof mult === 'number' && mult > 0) {
      const q = n / mult;
      if (Math.abs(q - Math.round(q)) > 1e-9) add('multiple_of', `Must be a multiple of ${mult}`);
    }
    const max = kw('maximum');
    const exMax = kw('exclusiveMaximum');
    if (typeof max === 'number') {
      if (exMax === true ? n >= max : n > max) add(exMax === true ? 'number_lt' : 'number_lte', exMax === true ? `Must be less than ${max}` : `Must be less than or equal to ${max}`);
    }
    if (typeof exMax === 'number' && n >= exMax) add('number_lt', `Must be less than ${exMax}`);
    const min = kw('minimum');
    const exMin = kw('exclusiveMinimum');
    if (typeof min === 'number') {
      if (exMin === true ? n <= min : n < min) add(exMin === true ? 'number_gt' : 'number_gte', exMin === true ? `Must be greater than ${min}` : `Must be greater than or equal to ${min}`);
    }
    if (typeof exMin === 'number' && n <= exMin) add('number_gt', `Must be greater than ${exMin}`);
  }

  private stringChecks(schema: JsonObject, s: string, add: (t: string, d: string) => void): void {
    const kw = (k: string) => objectGet(schema, k);
    const len = runeLength(s);
    const minL = kw('minLength');
    if (typeof minL === 'number' && len < minL) add('string_gte', `String length must be greater than or equal to ${minL}`);
    const maxL = kw('maxLength');
    if (typeof maxL === 'number' && len > maxL) add('string_lte', `String length must be less than or equal to ${maxL}`);
    const pattern = kw('pattern');
    if (typeof pattern === 'string') {
      const r = tryCompileRegex(pattern);
      if (r.ok) {
        r.re.lastIndex = 0;
        if (!r.re.test(s)) add('pattern', `Does not match pattern '${pattern}'`);
      }
    }
    const format = kw('format');
    if (typeof format === 'string' && FORMATS[format] && !FORMATS[format]!(s)) add('format', `Does not match format '${format}'`);
  }

  private arrayChecks(schema: JsonObject, a: Value[], context: string[], depth: number, errs: SchemaError[], add: (t: string, d: string) => void): void {
    const kw = (k: string) => objectGet(schema, k);
    const items = kw('items');
    if (items !== undefined && !Array.isArray(items)) {
      a.forEach((x, i) => errs.push(...this.validate(items as Schema, x, [...context, String(i)], depth + 1)));
    } else if (Array.isArray(items)) {
      for (let i = 0; i < items.length && i < a.length; i++) errs.push(...this.validate(items[i] as Schema, a[i]!, [...context, String(i)], depth + 1));
      const extra = kw('additionalItems');
      if (items.length < a.length) {
        if (extra === false) add('array_no_additional_items', 'No additional items allowed on array');
        else if (isObj(extra)) for (let i = items.length; i < a.length; i++) errs.push(...this.validate(extra, a[i]!, [...context, String(i)], depth + 1));
      }
    }
    const minI = kw('minItems');
    if (typeof minI === 'number' && a.length < minI) add('array_min_items', `Array must have at least ${minI} items`);
    const maxI = kw('maxItems');
    if (typeof maxI === 'number' && a.length > maxI) add('array_max_items', `Array must have at most ${maxI} items`);
    if (kw('uniqueItems') === true) {
      outer: for (let i = 0; i < a.length; i++) {
        for (let j = i + 1; j < a.length; j++) {
          if (compare(a[i]!, a[j]!) === 0) {
            add('unique', `array items[${i},${j}] must be unique`);
            break outer;
          }
        }
      }
    }
    const contains = kw('contains');
    if (contains !== undefined && !a.some((x) => this.validate(contains as Schema, x, context, depth + 1).length === 0)) add('contains', 'At least one of the items must match');
  }

  private objectChecks(schema: JsonObject, o: JsonObject, context: string[], depth: number, errs: SchemaError[], add: (t: string, d: string) => void): void {
    const kw = (k: string) => objectGet(schema, k);
    const keys = Object.keys(o).sort();
    const minP = kw('minProperties');
    if (typeof minP === 'number' && keys.length < minP) add('array_min_properties', `Must have at least ${minP} properties`);
    const maxP = kw('maxProperties');
    if (typeof maxP === 'number' && keys.length > maxP) add('array_max_properties', `Must have at most ${maxP} properties`);
    const required = kw('required');
    if (Array.isArray(required)) for (const r of required) if (typeof r === 'string' && objectGet(o, r) === undefined) add('required', `${r} is required`);
    const props = kw('properties');
    const patterns = kw('patternProperties');
    const additional = kw('additionalProperties');
    for (const k of keys) {
      const declared = isObj(props) && objectGet(props, k) !== undefined;
      let matchedPattern = false;
      if (isObj(patterns)) {
        for (const [p, s] of Object.entries(patterns)) {
          const r = tryCompileRegex(p);
          if (!r.ok) continue;
          r.re.lastIndex = 0;
          if (r.re.test(k)) {
            matchedPattern = true;
            errs.push(...this.validate(s as Schema, o[k]!, [...context, k], depth + 1));
          }
        }
      }
      if (!declared && !matchedPattern) {
        if (additional === false) add('additional_property_not_allowed', `Additional property ${k} is not allowed`);
        else if (isObj(additional)) errs.push(...this.validate(additional, o[k]!, [...context, k], depth + 1));
      }
    }
    const names = kw('propertyNames');
    if (names !== undefined) {
      for (const k of keys) if (this.validate(names as Schema, k, context, depth + 1).length > 0) add('invalid_property_name', `Property name of "${k}" does not match`);
    }
  }
}

/** The failing alternative with the fewest errors: gojsonschema reports the "closest" sub-schema's errors. */
function closest(results: SchemaError[][]): SchemaError[] {
  let best: SchemaError[] | undefined;
  for (const r of results) if (best === undefined || r.length < best.length) best = r;
  return best ?? [];
}

/** Structural checks of a schema (what gojsonschema's NewSchema rejects). */
function checkSchema(s: Value, where: string, validator: Validator): void {
  if (typeof s === 'boolean') return;
  if (!isObj(s)) throw new SchemaInvalid(`Invalid type. Expected: object or boolean, given: ${jsonType(s)} at ${where}`);
  const kw = (k: string) => objectGet(s, k);
  const type = kw('type');
  if (type !== undefined) {
    const list = Array.isArray(type) ? type : [type];
    for (const t of list) {
      if (typeof t !== 'string' || !TYPES.includes(t)) {
        throw new SchemaInvalid(`has a primitive type that is NOT VALID -- given: /${typeof t === 'string' ? t : goMarshal(t)}/ Expected valid values are:/array/ /boolean/ /integer/ /number/ /null/ /object/ /string/`);
      }
    }
  }
  for (const k of ['minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
    const v = kw(k);
    if (v !== undefined && !isNumber(v)) throw new SchemaInvalid(`Invalid type. Expected: number, given: ${k}`);
  }
  const required = kw('required');
  if (required !== undefined && (!Array.isArray(required) || !required.every((r) => typeof r === 'string'))) throw new SchemaInvalid('Invalid type. Expected: array of strings, given: required');
  const pattern = kw('pattern');
  if (pattern !== undefined && (typeof pattern !== 'string' || !tryCompileRegex(pattern).ok)) throw new SchemaInvalid(`Invalid regex pattern '${String(pattern)}'`);
  const ref = kw('$ref');
  if (ref !== undefined) {
    if (typeof ref !== 'string') throw new SchemaInvalid('Invalid type. Expected: string, given: $ref');
    validator.resolve(ref);
  }
  for (const k of ['properties', 'patternProperties', 'definitions', '$defs']) {
    const m = kw(k);
    if (m === undefined) continue;
    if (!isObj(m)) throw new SchemaInvalid(`Invalid type. Expected: object, given: ${k}`);
    for (const [name, sub] of Object.entries(m)) checkSchema(sub, `${where}.${k}.${name}`, validator);
  }
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    const list = kw(k);
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) throw new SchemaInvalid(`${k} must be a non-empty array`);
    list.forEach((sub, i) => checkSchema(sub, `${where}.${k}.${i}`, validator));
  }
  for (const k of ['not', 'additionalProperties', 'additionalItems', 'propertyNames', 'contains', 'if', 'then', 'else']) {
    const sub = kw(k);
    if (sub !== undefined) checkSchema(sub, `${where}.${k}`, validator);
  }
  const items = kw('items');
  if (Array.isArray(items)) items.forEach((sub, i) => checkSchema(sub, `${where}.items.${i}`, validator));
  else if (items !== undefined) checkSchema(items, `${where}.items`, validator);
}

function compile(schemaValue: Value): Validator {
  const schema = load(schemaValue);
  if (typeof schema !== 'boolean' && !isObj(schema)) throw new SchemaInvalid('Invalid type. Expected: object or boolean');
  const v = new Validator(schema);
  checkSchema(schema, '(root)', v);
  return v;
}

/** `json.verify_schema(schema)`: `[true, null]` or `[false, "jsonschema: <reason>"]`. */
export function verifySchema(schema: Value): Value {
  try {
    compile(schema);
    return [true, null];
  } catch (e) {
    if (e instanceof SchemaInvalid) return [false, `jsonschema: ${e.message}`];
    throw e;
  }
}

/** `json.match_schema(document, schema)`: `[valid, [ {error, type, field, desc}… ]]`. */
export function matchSchema(name: string, document: Value, schema: Value): Value {
  try {
    const doc = load(document);
    const validator = compile(schema);
    const errors = validator.validate(validator.root, doc, []);
    return [
      errors.length === 0,
      errors.map((e) => {
        const field = fieldOf(e.context);
        return { error: `${field}: ${e.desc}`, type: e.type, field, desc: e.desc };
      }),
    ];
  } catch (e) {
    if (e instanceof SchemaInvalid) throw builtinError(name, e.message);
    throw e;
  }
}
