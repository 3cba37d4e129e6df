/**
 * `yaml.*` built-ins. OPA goes through sigs.k8s.io/yaml (go-yaml v2, YAML 1.1:
 * `yes`/`on`/`y` are booleans, timestamps stay strings, keys become strings).
 * We use the `yaml` package with the YAML 1.1 schema minus the timestamp,
 * binary, set, omap and pairs tags. `yaml.unmarshal` returns the first document
 * but, as OPA, rejects a stream with any malformed document.
 *
 * `yaml.marshal` writes go-yaml v2's text with our own emitter (`yaml-emit.ts`):
 * the npm package's quoting, folding and key order are not go-yaml's.
 */
import YAML from 'yaml';
import type { BuiltinTable } from './builtin.js';
import { builtinError, str } from './operands.js';
import { fromJS, type Value } from '../value.js';
import { goMarshal, parseJSON } from './json-text.js';
import { goYAMLMarshal } from './yaml-emit.js';

const YAML_11_TAGS_NOT_IN_GO = /timestamp|binary|set|omap|pairs/;

const parseOptions = {
  version: '1.1' as const,
  intAsBigInt: true,
  // Policy input must never write to the process's stderr (the yaml package warns about collection keys).
  logLevel: 'error' as const,
  customTags: (tags: YAML.Tags) => tags.filter((t) => typeof t === 'string' || !YAML_11_TAGS_NOT_IN_GO.test(t.tag)),
};

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
    // Through JSON text: keys become strings, numbers keep bigint precision.
    return { value: normalize(docs[0]!.toJS({ maxAliasCount: 1000 })) };
  } catch (e) {
    return { error: e instanceof Error ? firstLine(e.message) : String(e) };
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}

/** YAML's JS output → Rego value (non-finite numbers are not JSON, as in OPA). */
function normalize(x: unknown): Value {
  if (typeof x === 'number' && !Number.isFinite(x)) throw new Error(`json: unsupported value: ${x}`);
  if (x instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of x) Object.defineProperty(out, String(k), { value: v, enumerable: true, writable: true, configurable: true });
    x = out;
  }
  if (Array.isArray(x)) return x.map(normalize);
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, Value> = {};
    for (const k of Object.keys(x)) Object.defineProperty(out, k, { value: normalize((x as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return fromJS(x);
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
