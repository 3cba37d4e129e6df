/**
 * The one registration table of built-in functions: every namespace file exports
 * `builtins` (and optionally `relations`); they are merged here so that the
 * evaluator resolves a call name to its implementation once, at compile time.
 */
import type { BuiltinImpl, BuiltinTable, RelationImpl, RelationTable } from './builtin.js';
import * as aggregates from './aggregates.js';
import * as arrays from './arrays.js';
import * as sets from './sets.js';
import * as objects from './objects.js';
import * as numbers from './numbers.js';
import * as bits from './bits.js';
import * as comparison from './comparison.js';
import * as types from './types.js';
import * as strings from './strings.js';
import * as sprintf from './sprintf.js';
import * as units from './units.js';
import * as regex from './regex.js';
import * as glob from './glob.js';
import * as encoding from './encoding.js';
import * as json from './json.js';
import * as yaml from './yaml.js';
import * as uri from './uri.js';
import * as uuid from './uuid.js';
import * as time from './time.js';
import * as net from './net.js';
import * as semver from './semver.js';
import * as crypto from './crypto.js';
import * as jwt from './jwt.js';
import * as graph from './graph.js';
import * as template from './template.js';
import * as unsupported from './unsupported.js';
import * as rego from './rego.js';

interface Namespace {
  builtins: BuiltinTable;
  relations?: RelationTable;
}

const namespaces: Namespace[] = [
  aggregates, arrays, sets, objects, numbers, bits, comparison, types, strings, sprintf, units, regex, glob,
  encoding, json, yaml, uri, uuid, time, net, semver, crypto, jwt, graph, template, unsupported, rego,
] as Namespace[];

function merge<T>(pick: (ns: Namespace) => Record<string, T> | undefined): Map<string, T> {
  const out = new Map<string, T>();
  for (const ns of namespaces) {
    const table = pick(ns);
    if (table) for (const name of Object.keys(table)) out.set(name, table[name]!);
  }
  return out;
}

/** Every function built-in, by full name (`strings.replace_n`). */
export const builtinTable: ReadonlyMap<string, BuiltinImpl> = merge((ns) => ns.builtins);

/** Relation built-ins (several outputs per call, e.g. `walk`). */
export const relationTable: ReadonlyMap<string, RelationImpl> = merge((ns) => ns.relations);
