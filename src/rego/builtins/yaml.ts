/**
 * `yaml.*` built-ins. OPA goes through sigs.k8s.io/yaml: go-yaml v2 decodes the
 * first document into Go values (YAML 1.1), then sigs.k8s.io/yaml turns the
 * map keys into strings and the result into JSON.
 *
 * The `yaml` package parses the text (its failsafe schema: every scalar a string,
 * tags and styles kept); the values are then resolved here as go-yaml v2's
 * resolve.go and decode.go do: `y`/`yes`/`on` are booleans, `0o17`, `017`,
 * `0x1F`, `1_000` integers, `1e3` a float, timestamps stay strings, `!!binary`
 * is decoded, explicit tags are checked ("cannot decode !!str `x` as a !!int"),
 * duplicate keys keep the last value, `<<` merges in document order, and
 * aliases count towards go-yaml's excessive-aliasing limit. Keys become strings
 * as sigs.k8s.io/yaml writes them (floats with 32-bit precision, booleans as
 * "true"/"false"); a sequence or mapping key is go-yaml's "invalid map key".
 * Not ported: the syntax error texts (those of the `yaml` package).
 *
 * `yaml.marshal` writes go-yaml v2's text with our own emitter (`yaml-emit.ts`).
 */
import YAML from 'yaml';
import type { BuiltinTable } from './builtin.js';
import { builtinError, str } from './operands.js';
import { normalizeBigInt, type JsonObject, type Value } from '../value.js';
import { goMarshal, parseJSON } from './json-text.js';
import { goYAMLMarshal } from './yaml-emit.js';
import { decodeBase64 } from './go-base64.js';
import { formatFloat } from './gofloat.js';
import { goQuote } from './go-quote.js';

const parseOptions = {
  version: '1.1' as const,
  schema: 'failsafe' as const,
  uniqueKeys: false,
  // Policy input must never write to the process's stderr.
  logLevel: 'silent' as const,
};

/** A decoded YAML value with its Go type (go-yaml v2 into interface{}). */
type GoYAML =
  | null
  | boolean
  | string
  | { int: bigint }
  | { float: number }
  | GoYAML[]
  | { pairs: [GoYAML, GoYAML][] };

class YAMLDecodeError extends Error {}

const fail = (msg: string): never => {
  throw new YAMLDecodeError(`yaml: ${msg}`);
};

const TAG = 'tag:yaml.org,2002:';
const STR = TAG + 'str';
const INT = TAG + 'int';
const FLOAT = TAG + 'float';
const BOOL = TAG + 'bool';
const NULL = TAG + 'null';
const TIMESTAMP = TAG + 'timestamp';
const BINARY = TAG + 'binary';
const MERGE = TAG + 'merge';

const shortTag = (t: string) => (t.startsWith(TAG) ? '!!' + t.slice(TAG.length) : t);

/** go-yaml v2 resolve.go resolveMap. */
const RESOLVE_MAP = new Map<string, [string, GoYAML]>();
for (const [v, tag, words] of [
  [true, BOOL, ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']],
  [false, BOOL, ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']],
  [null, NULL, ['', '~', 'null', 'Null', 'NULL']],
  [{ float: NaN }, FLOAT, ['.nan', '.NaN', '.NAN']],
  [{ float: Infinity }, FLOAT, ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']],
  [{ float: -Infinity }, FLOAT, ['-.inf', '-.Inf', '-.INF']],
] as [GoYAML, string, string[]][]) {
  for (const w of words) RESOLVE_MAP.set(w, [tag, v]);
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt/ParseUint with base 0 (sign, 0x/0o/0b/0 prefixes), as a bigint; undefined if not one. */
function parseGoInt(s: string, unsigned: boolean): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m || (unsigned && m[1] !== '')) return undefined;
  let body = m[2]!;
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1);
  let v = BigInt(body.toLowerCase());
  if (m[1] === '-') v = -v;
  if (unsigned ? v > UINT64_MAX : v < INT64_MIN || v > INT64_MAX) return undefined;
  return v;
}

/** The timestamp forms go-yaml v2 recognises (parseTimestamp's allowedTimestampFormats). */
function isTimestamp(s: string): boolean {
  return /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?:[ \t]*(?:Z|[+-]\d{1,2}(?::\d{2})?))?)?$/.test(s);
}

/** go-yaml v2 resolve(): the value of a scalar given its tag ('' for a plain scalar). */
function resolve(tag: string, text: string): [string, GoYAML] {
  const resolvable = tag === '' || tag === STR || tag === BOOL || tag === INT || tag === FLOAT || tag === TIMESTAMP;
  if (!resolvable) return [tag, text];
  let rtag = STR;
  let out: GoYAML = text;
  const c = text[0];
  const hint = text === '' ? 'N' : c === '+' || c === '-' ? 'S' : c !== undefined && c >= '0' && c <= '9' ? 'D' : c !== undefined && 'yYnNtTfFoO~'.includes(c) ? 'M' : c === '.' ? '.' : '';
  if (hint !== '' && tag !== STR) {
    const hit = RESOLVE_MAP.get(text);
    if (hit) [rtag, out] = hit;
    else if (hint === '.') {
      const f = goParseFloat(text);
      if (f !== undefined) [rtag, out] = [FLOAT, { float: f }];
    } else if (hint === 'D' || hint === 'S') {
      if ((tag === '' || tag === TIMESTAMP) && isTimestamp(text)) rtag = TIMESTAMP;
      else {
        const plain = text.replace(/_/g, '');
        const i = parseGoInt(plain, false) ?? parseGoInt(plain, true);
        if (i !== undefined) [rtag, out] = [INT, { int: i }];
        else if (YAML_STYLE_FLOAT.test(plain) && goParseFloat(plain) !== undefined) [rtag, out] = [FLOAT, { float: goParseFloat(plain)! }];
      }
    }
  }
  if (tag === '' || tag === rtag || tag === STR) return [tag === STR ? STR : rtag, tag === STR ? text : out];
  if (tag === FLOAT && rtag === INT) return [FLOAT, { float: Number((out as { int: bigint }).int) }];
  return fail(`cannot decode ${shortTag(rtag)} \`${text}\` as a ${shortTag(tag)}`);
}

/** strconv.ParseFloat(s, 64) for the decimal forms YAML uses; undefined when out of range or not a number. */
function goParseFloat(s: string): number | undefined {
  if (!/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return undefined;
  const f = Number(s);
  return Number.isFinite(f) ? f : undefined;
}

/** go-yaml v2's decoder over the `yaml` package's nodes: counts, aliases, merges. */
class Decoder {
  decodeCount = 0;
  aliasCount = 0;
  aliasDepth = 0;
  private readonly expanding = new Set<unknown>();
  constructor(private readonly doc: YAML.Document.Parsed) {}

  decode(n: unknown): GoYAML {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
      fail('document contains excessive aliasing');
    }
    if (n === null || n === undefined) return null;
    if (YAML.isAlias(n)) {
      const target = n.resolve(this.doc);
      if (this.expanding.has(target)) fail(`anchor '${n.source}' value contains itself`);
      this.expanding.add(target);
      this.aliasDepth++;
      try {
        return this.decode(target);
      } finally {
        this.aliasDepth--;
        this.expanding.delete(target);
      }
    }
    if (YAML.isScalar(n)) return this.scalar(n);
    if (YAML.isSeq(n)) return n.items.map((x) => this.decode(x));
    if (YAML.isMap(n)) {
      const entries: [GoYAML, GoYAML][] = [];
      this.mapping(n, entries);
      return { pairs: entries };
    }
    return null;
  }

  private scalar(n: YAML.Scalar): GoYAML {
    const text = String(n.source ?? n.value ?? '');
    const plain = n.type === 'PLAIN' || n.type === undefined;
    const tag = n.tag ?? '';
    // An untagged quoted or block scalar is a string (go-yaml: tag "" and not implicit).
    if (tag === '' && !plain) return text;
    if (tag === '!') return text;
    const [rtag, value] = resolve(tag, text);
    if (rtag === BINARY) {
      const d = decodeBase64(String(value), false, true);
      if (!d.ok) fail('!!binary value contains invalid base64 data');
      return (d as { bytes: Buffer }).bytes.toString('latin1');
    }
    if (rtag === TIMESTAMP) return text; // go-yaml v2 keeps timestamps as strings in interface{}
    return value;
  }

  private mapping(n: YAML.YAMLMap, entries: [GoYAML, GoYAML][]): void {
    for (const pair of n.items) {
      const k = pair.key;
      if (YAML.isScalar(k) && String(k.source ?? k.value) === '<<' && ((k.type === 'PLAIN' && !k.tag) || k.tag === MERGE)) {
        this.merge(pair.value, entries);
        continue;
      }
      const key = this.decode(k);
      if (Array.isArray(key) || (key !== null && typeof key === 'object' && 'pairs' in key)) fail(`invalid map key: ${goSharpV(key)}`);
      entries.push([key, this.decode(pair.value)]);
    }
  }

  private merge(v: unknown, entries: [GoYAML, GoYAML][]): void {
    const wantMap = () => fail('map merge requires map or sequence of maps as the value');
    const into = (x: unknown) => {
      const m = this.decode(x);
      if (m === null || typeof m !== 'object' || Array.isArray(m) || !('pairs' in m)) return wantMap();
      entries.push(...m.pairs);
    };
    const target = YAML.isAlias(v) ? v.resolve(this.doc) : v;
    if (YAML.isMap(target)) into(v);
    else if (YAML.isSeq(target) && !YAML.isAlias(v)) {
      // Earlier maps take precedence: they are merged last.
      for (let i = target.items.length - 1; i >= 0; i--) {
        const item = target.items[i];
        const m = YAML.isAlias(item) ? item.resolve(this.doc) : item;
        if (!YAML.isMap(m)) wantMap();
        into(item);
      }
    } else wantMap();
  }
}

/** go-yaml v2 allowedAliasRatio. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - 400_000) / 3_600_000);
}

/** Go's %#v of a decoded value (for go-yaml's "invalid map key" message). */
function goSharpV(v: GoYAML): string {
  if (v === null) return 'interface {}(nil)';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return goQuote(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  if ('int' in v) return v.int.toString();
  if ('float' in v) return formatFloat(v.float, 'g', -1);
  const items = v.pairs.map(([k, x]) => [goSharpV(k), goSharpV(x)] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `map[interface {}]interface {}{${items.map(([k, x]) => `${k}:${x}`).join(', ')}}`;
}

/** sigs.k8s.io/yaml convertToJSONableObject + encoding/json: the JSON value of a decoded document. */
function toJSONValue(v: GoYAML): Value {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toJSONValue);
  if ('int' in v) return normalizeBigInt(v.int);
  if ('float' in v) {
    if (!Number.isFinite(v.float)) throw new YAMLDecodeError(`json: unsupported value: ${formatFloat(v.float, 'g', -1)}`);
    // encoding/json writes a float below 1e21 in full from its shortest digits
    // ("123456789012345680000"): OPA reads that text back as an exact integer.
    if (Number.isInteger(v.float) && !Number.isSafeInteger(v.float) && Math.abs(v.float) < 1e21) {
      return normalizeBigInt(BigInt(formatFloat(v.float, 'f', -1)));
    }
    return v.float;
  }
  const out: JsonObject = {};
  for (const [k, x] of v.pairs) {
    Object.defineProperty(out, keyString(k, x), { value: toJSONValue(x), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** sigs.k8s.io/yaml's map key as a string. */
function keyString(k: GoYAML, value: GoYAML): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'boolean') return String(k);
  if (k !== null && !Array.isArray(k) && 'int' in k && k.int <= INT64_MAX) return k.int.toString();
  if (k !== null && !Array.isArray(k) && 'float' in k) {
    const s = formatFloat(k.float, 'g', -1, 32);
    return s === '+Inf' ? '.inf' : s === '-Inf' ? '-.inf' : s === 'NaN' ? '.nan' : s;
  }
  const type = k === null ? '%!s(<nil>)' : 'uint64';
  const key = k === null ? '<nil>' : '0x' + (k as { int: bigint }).int.toString(16);
  throw new YAMLDecodeError(`unsupported map key of type: ${type}, key: ${key}, value: ${goSharpV(value)}`);
}

/** Parses YAML text into a Rego value, or returns an error message. */
function parseYAML(text: string): { value: Value } | { error: string } {
  let docs: YAML.Document.Parsed[];
  try {
    docs = YAML.parseAllDocuments(text, parseOptions) as YAML.Document.Parsed[];
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  if (!Array.isArray(docs)) return { error: 'invalid YAML stream' };
  for (const d of docs) if (d.errors.length > 0) return { error: firstLine(d.errors[0]!.message) };
  if (docs.length === 0) return { value: null };
  try {
    return { value: toJSONValue(new Decoder(docs[0]!).decode(docs[0]!.contents)) };
  } catch (e) {
    if (e instanceof YAMLDecodeError) return { error: e.message };
    throw e;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}

export const builtins: BuiltinTable = {
  'yaml.marshal': (args) => {
    // The JSON view of the value (sets as arrays, non-string keys as JSON text), then YAML.
    return goYAMLMarshal(parseJSON(goMarshal(args[0]!)));
  },

  'yaml.unmarshal': (args) => {
    const r = parseYAML(str('yaml.unmarshal', args, 1));
    if ('error' in r) throw builtinError('yaml.unmarshal', r.error);
    return r.value;
  },

  'yaml.is_valid': (args) => typeof args[0] === 'string' && 'value' in parseYAML(args[0]),
};
