/**
 * `json.match_schema` and `json.verify_schema` (OPA v1/topdown/jsonschema.go)
 * over our port of OPA's vendored gojsonschema: the schema side is in
 * `json-schema-compile.ts`, the validation walk (validation.go) and the format
 * checkers (format_checkers.go) are here.
 *
 * The walk keeps gojsonschema's order of checks and its "score", which picks
 * whose errors an `anyOf`/`oneOf`/`contains` failure reports. Each error is
 * `{error, type, field, desc}`: `field` is the path without `(Root).` (`a.0.b`),
 * `desc` the English text of gojsonschema's default locale, `error` is
 * `"<field>: <desc>"`. Both operands are a JSON string or an object/array.
 */
import { builtinError } from './operands.js';
import { isNumber, isPlainObject, plainNumber, typeName, type JsonObject, type Value } from '../value.js';
import { goMarshal, isValidJSON, parseJSON } from './json-text.js';
import { tryCompileRegex } from './regex.js';
import { canonicalJSON, compileSchema, CONTEXT_ROOT, SchemaError, type SubSchema } from './json-schema-compile.js';
import * as dec from './decimal.js';
import { formatFloat } from './gofloat.js';
import { NAMED_LAYOUTS, parsesWithAny as parsesAs } from './time-layout.js';
import { parseIP } from './net-ip.js';
import { parseURL } from './go-url.js';
import { isEmailAddress } from './mail-address.js';

interface ResultError {
  context: readonly string[];
  type: string;
  desc: string;
}

class Result {
  errors: ResultError[] = [];
  score = 0;

  add(type: string, context: readonly string[], desc: string): void {
    this.errors.push({ type, context, desc });
    this.score -= 2;
  }

  merge(other: Result): void {
    this.errors.push(...other.errors);
    this.score += other.score;
  }

  get valid(): boolean {
    return this.errors.length === 0;
  }
}

function fieldOf(context: readonly string[]): string {
  return context.length === 0 ? CONTEXT_ROOT : context.join('.');
}

/** big.Float's String() of a bound: `%.10g`. */
const bound = (d: dec.Decimal): string => formatFloat(Number(dec.toNumber(d)), 'g', 10);

function typesText(types: string[]): string {
  return types.length > 1 ? `[${types.join(',')}]` : types[0]!;
}

const isObj = (v: Value): v is JsonObject => isPlainObject(v);

function isIntegral(n: number | bigint): boolean {
  return typeof n === 'bigint' || Number.isInteger(n);
}

function subValidate(s: SubSchema, node: Value, context: readonly string[]): Result {
  const r = new Result();
  validateRecursive(s, node, r, context);
  return r;
}

function validateRecursive(s: SubSchema, node: Value, result: Result, context: readonly string[]): void {
  if (s.pass !== undefined) {
    if (!s.pass) result.add('false', context, 'False always fails validation');
    return;
  }
  if (s.refSchema) {
    validateRecursive(s.refSchema, node, result, context);
    return;
  }
  const typed = s.types.length > 0;
  const wrongType = (given: string): void => result.add('invalid_type', context, `Invalid type. Expected: ${typesText(s.types)}, given: ${given}`);
  if (node === null) {
    if (typed && !s.types.includes('null')) return wrongType('null');
    validateSchema(s, node, result, context);
    validateCommon(s, node, result, context);
  } else if (isNumber(node)) {
    const n = plainNumber(node);
    const isInt = isIntegral(n);
    if (typed && !(s.types.includes('number') || (isInt && s.types.includes('integer')))) return wrongType(isInt ? 'integer' : 'number');
    validateSchema(s, node, result, context);
    validateNumber(s, n, result, context);
    validateCommon(s, node, result, context);
  } else if (Array.isArray(node)) {
    if (typed && !s.types.includes('array')) return wrongType('array');
    validateSchema(s, node, result, context);
    validateArray(s, node, result, context);
    validateCommon(s, node, result, context);
  } else if (isObj(node)) {
    if (typed && !s.types.includes('object')) return wrongType('object');
    validateSchema(s, node, result, context);
    validateObject(s, node, result, context);
    validateCommon(s, node, result, context);
    for (const p of s.properties) {
      const next = Object.prototype.hasOwnProperty.call(node, p.property) ? node[p.property] : undefined;
      if (next !== undefined) validateRecursive(p, next, result, [...context, p.property]);
    }
  } else if (typeof node === 'boolean') {
    if (typed && !s.types.includes('boolean')) return wrongType('boolean');
    validateSchema(s, node, result, context);
    validateCommon(s, node, result, context);
  } else if (typeof node === 'string') {
    if (typed && !s.types.includes('string')) return wrongType('string');
    validateSchema(s, node, result, context);
    validateCommon(s, node, result, context);
    validateString(s, node, result, context);
  }
  result.score++;
}

/** The failing alternative with the best score (the first of equals), as gojsonschema picks it. */
function better(best: Result | undefined, r: Result): Result {
  return best === undefined || r.score > best.score ? r : best;
}

function validateSchema(s: SubSchema, node: Value, result: Result, context: readonly string[]): void {
  if (s.anyOf.length > 0) {
    let ok = false;
    let best: Result | undefined;
    for (const alt of s.anyOf) {
      const r = subValidate(alt, node, context);
      ok = r.valid;
      if (ok) break;
      best = better(best, r);
    }
    if (!ok) {
      result.add('number_any_of', context, 'Must validate at least one schema (anyOf)');
      if (best) result.merge(best);
    }
  }
  if (s.oneOf.length > 0) {
    let validated = 0;
    let best: Result | undefined;
    for (const alt of s.oneOf) {
      const r = subValidate(alt, node, context);
      if (r.valid) validated++;
      else if (validated === 0) best = better(best, r);
    }
    if (validated !== 1) {
      result.add('number_one_of', context, 'Must validate one and only one schema (oneOf)');
      if (validated === 0 && best) result.merge(best);
    }
  }
  if (s.allOf.length > 0) {
    let validated = 0;
    for (const alt of s.allOf) {
      const r = subValidate(alt, node, context);
      if (r.valid) validated++;
      result.merge(r);
    }
    if (validated !== s.allOf.length) result.add('number_all_of', context, 'Must validate all the schemas (allOf)');
  }
  if (s.not && subValidate(s.not, node, context).valid) result.add('number_not', context, 'Must not validate the schema (not)');
  if (s.dependencies && isObj(node)) {
    for (const [key, dependency] of s.dependencies) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
      if (Array.isArray(dependency)) {
        for (const d of dependency) {
          if (!Object.prototype.hasOwnProperty.call(node, d)) result.add('missing_dependency', context, `Has a dependency on ${d}`);
        }
      } else validateRecursive(dependency, node, result, context);
    }
  }
  if (s.if) {
    const ifValid = subValidate(s.if, node, context).valid;
    const branch = ifValid ? s.then : s.else;
    if (branch) {
      const r = subValidate(branch, node, context);
      if (!r.valid) {
        if (ifValid) result.add('condition_then', context, 'Must validate "then" as "if" was valid');
        else result.add('condition_else', context, 'Must validate "else" as "if" was not valid');
        result.merge(r);
      }
    }
  }
  result.score++;
}

function validateCommon(s: SubSchema, node: Value, result: Result, context: readonly string[]): void {
  const field = fieldOf(context);
  if (s.constText !== undefined && canonicalJSON(node) !== s.constText) result.add('const', context, `${field} does not match: ${s.constText}`);
  if (s.enumPresent && !s.enumTexts.includes(canonicalJSON(node))) {
    const allowed = s.enumTexts.length === 0 ? '(none)' : s.enumTexts.join(', ');
    result.add('enum', context, `${field} must be one of the following: ${allowed}`);
  }
  if (s.format !== undefined && typeof node === 'string') {
    const check = FORMATS[s.format];
    if (check && !check(node)) result.add('format', context, `Does not match format '${s.format}'`);
  }
  result.score++;
}

function validateArray(s: SubSchema, a: Value[], result: Result, context: readonly string[]): void {
  if (s.itemsIsSingleSchema) {
    a.forEach((x, i) => result.merge(subValidate(s.items[0]!, x, [...context, String(i)])));
  } else if (s.items.length > 0) {
    for (let i = 0; i < s.items.length && i < a.length; i++) result.merge(subValidate(s.items[i]!, a[i]!, [...context, String(i)]));
    if (s.items.length < a.length) {
      if (s.additionalItems === false) result.add('array_no_additional_items', context, 'No additional items allowed on array');
      else if (typeof s.additionalItems === 'object') {
        for (let i = s.items.length; i < a.length; i++) result.merge(subValidate(s.additionalItems, a[i]!, [...context, String(i)]));
      }
    }
  }
  if (s.minItems !== undefined && a.length < s.minItems) result.add('array_min_items', context, `Array must have at least ${s.minItems} items`);
  if (s.maxItems !== undefined && a.length > s.maxItems) result.add('array_max_items', context, `Array must have at most ${s.maxItems} items`);
  if (s.uniqueItems) {
    const seen = new Map<string, number>();
    a.forEach((x, j) => {
      const text = canonicalJSON(x);
      const i = seen.get(text);
      if (i !== undefined) result.add('unique', context, `array items[${i},${j}] must be unique`);
      seen.set(text, j);
    });
  }
  if (s.contains) {
    let ok = false;
    let best: Result | undefined;
    for (let i = 0; i < a.length; i++) {
      const r = subValidate(s.contains, a[i]!, [...context, String(i)]);
      if (r.valid) {
        ok = true;
        break;
      }
      best = better(best, r);
    }
    if (!ok) {
      result.add('contains', context, 'At least one of the items must match');
      if (best) result.merge(best);
    }
  }
  result.score++;
}

function matches(re: { lastIndex: number; test(s: string): boolean }, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

function validateObject(s: SubSchema, o: JsonObject, result: Result, context: readonly string[]): void {
  const keys = Object.keys(o).sort();
  if (s.minProperties !== undefined && keys.length < s.minProperties) result.add('array_min_properties', context, `Must have at least ${s.minProperties} properties`);
  if (s.maxProperties !== undefined && keys.length > s.maxProperties) result.add('array_max_properties', context, `Must have at most ${s.maxProperties} properties`);
  for (const r of s.required) {
    if (Object.prototype.hasOwnProperty.call(o, r)) result.score++;
    else result.add('required', context, `${r} is required`);
  }
  for (const k of keys) {
    const declared = s.properties.some((p) => p.property === k);
    let patternMatched = false;
    for (const [, re, sub] of s.patternProperties ?? []) {
      if (!matches(re, k)) continue;
      patternMatched = true;
      result.merge(subValidate(sub, o[k]!, [...context, k]));
    }
    if (patternMatched) result.score++;
    if (declared || patternMatched) continue;
    if (s.additionalProperties === false) result.add('additional_property_not_allowed', context, `Additional property ${k} is not allowed`);
    else if (typeof s.additionalProperties === 'object') result.merge(subValidate(s.additionalProperties, o[k]!, [...context, k]));
  }
  if (s.propertyNames) {
    for (const k of keys) {
      const r = subValidate(s.propertyNames, k, context);
      if (!r.valid) {
        result.add('invalid_property_name', context, `Property name of "${k}" does not match`);
        result.merge(r);
      }
    }
  }
  result.score++;
}

function validateString(s: SubSchema, str: string, result: Result, context: readonly string[]): void {
  const runes = s.minLength !== undefined || s.maxLength !== undefined ? Array.from(str).length : 0;
  if (s.minLength !== undefined && runes < s.minLength) result.add('string_gte', context, `String length must be greater than or equal to ${s.minLength}`);
  if (s.maxLength !== undefined && runes > s.maxLength) result.add('string_lte', context, `String length must be less than or equal to ${s.maxLength}`);
  if (s.pattern && !matches(s.pattern, str)) result.add('pattern', context, `Does not match pattern '${s.patternText!}'`);
  result.score++;
}

function validateNumber(s: SubSchema, n: number | bigint, result: Result, context: readonly string[]): void {
  const v = dec.fromNumber(n);
  if (s.multipleOf && !isMultiple(v, s.multipleOf)) result.add('multiple_of', context, `Must be a multiple of ${bound(s.multipleOf)}`);
  if (s.maximum && dec.compare(v, s.maximum) > 0) result.add('number_lte', context, `Must be less than or equal to ${bound(s.maximum)}`);
  if (s.exclusiveMaximum && dec.compare(v, s.exclusiveMaximum) >= 0) result.add('number_lt', context, `Must be less than ${bound(s.exclusiveMaximum)}`);
  if (s.minimum && dec.compare(v, s.minimum) < 0) result.add('number_gte', context, `Must be greater than or equal to ${bound(s.minimum)}`);
  if (s.exclusiveMinimum && dec.compare(v, s.exclusiveMinimum) <= 0) result.add('number_gt', context, `Must be greater than ${bound(s.exclusiveMinimum)}`);
  result.score++;
}

/** Whether a / b is an integer, exactly (big.Rat in gojsonschema). */
function isMultiple(a: dec.Decimal, b: dec.Decimal): boolean {
  if (a.e >= b.e) return (a.m * 10n ** BigInt(a.e - b.e)) % b.m === 0n;
  return a.m % (b.m * 10n ** BigInt(b.e - a.e)) === 0n;
}

// ---------------------------------------------------------------------------
// Formats (format_checkers.go); an unknown format always passes.

const HOSTNAME = /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]))*$/;
const URI_TEMPLATE = /^([^{]*({[^}]*})?)*$/;
const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/i;
const JSON_POINTER = /^(?:\/(?:[^~/]|~0|~1)*)*$/;
const RELATIVE_JSON_POINTER = /^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$/;

function uri(s: string, needScheme: boolean): boolean {
  const u = parseURL(s);
  return typeof u !== 'string' && (!needScheme || u.scheme !== '') && !s.includes('\\');
}

const FORMATS: Record<string, (s: string) => boolean> = {
  date: (s) => parsesAs(['2006-01-02'], s),
  time: (s) => parsesAs(['15:04:05Z07:00', '15:04:05'], s),
  'date-time': (s) => parsesAs(['15:04:05', '15:04:05Z07:00', '2006-01-02', NAMED_LAYOUTS.RFC3339!, NAMED_LAYOUTS.RFC3339Nano!], s),
  hostname: (s) => HOSTNAME.test(s) && s.length < 256,
  email: isEmailAddress,
  'idn-email': isEmailAddress,
  ipv4: (s) => parseIP(s) !== null && s.includes('.'),
  ipv6: (s) => parseIP(s) !== null && s.includes(':'),
  uri: (s) => uri(s, true),
  iri: (s) => uri(s, true),
  'uri-reference': (s) => uri(s, false),
  'iri-reference': (s) => uri(s, false),
  'uri-template': (s) => {
    const u = parseURL(s);
    return typeof u !== 'string' && !s.includes('\\') && URI_TEMPLATE.test(u.path);
  },
  uuid: (s) => UUID.test(s),
  regex: (s) => s === '' || tryCompileRegex(s).ok,
  'json-pointer': (s) => JSON_POINTER.test(s),
  'relative-json-pointer': (s) => RELATIVE_JSON_POINTER.test(s),
};

// ---------------------------------------------------------------------------
// The built-ins.

class LoadError extends Error {}

/** OPA's astValueToJSONSchemaLoader: a JSON string (checked first), or an object or array (as its JSON). */
function load(v: Value): Value {
  if (typeof v === 'string') {
    if (!isValidJSON(v)) throw new LoadError('invalid JSON string');
    return parseJSON(v);
  }
  const t = typeName(v);
  if (t === 'object' || t === 'array') return parseJSON(goMarshal(v));
  throw new LoadError('wrong type, expected string or object');
}

/** `json.verify_schema(schema)`: `[true, null]` or `[false, "jsonschema: <reason>"]`. */
export function verifySchema(schema: Value): Value {
  try {
    compileSchema(load(schema));
    return [true, null];
  } catch (e) {
    if (e instanceof LoadError || e instanceof SchemaError) return [false, `jsonschema: ${e.message}`];
    throw e;
  }
}

/** `json.match_schema(document, schema)`: `[valid, [{error, type, field, desc}, …]]`; a bad operand is a builtin error. */
export function matchSchema(name: string, document: Value, schema: Value): Value {
  try {
    const doc = load(document);
    const root = compileSchema(load(schema));
    const result = new Result();
    validateRecursive(root, doc, result, []);
    return [
      result.valid,
      result.errors.map((e) => {
        const field = fieldOf(e.context);
        return { error: `${field}: ${e.desc}`, type: e.type, field, desc: e.desc };
      }),
    ];
  } catch (e) {
    if (e instanceof LoadError || e instanceof SchemaError) throw builtinError(name, e.message);
    throw e;
  }
}
