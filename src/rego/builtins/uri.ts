/**
 * `uri.parse` and `uri.is_valid` (OPA v1/topdown/uri.go), both over Go's
 * `net/url.Parse` (`go-url.ts`).
 *
 * `uri.parse` gives the non-empty parts among scheme, hostname, port, path,
 * raw_path (the input's encoding when it differs from the default one, else the
 * decoded path; always present with path), raw_query and fragment (decoded).
 * An opaque URI ("mailto:x@y") gives its scheme only. A URI Go rejects is a
 * builtin error with Go's message. `uri.is_valid` is false for the empty string
 * and for a non-string operand, never an error.
 */
import type { BuiltinTable } from './builtin.js';
import { builtinError, str } from './operands.js';
import { parseURL, splitHostPort } from './go-url.js';
import type { JsonObject, Value } from '../value.js';

function parse(args: Value[]): Value {
  const name = 'uri.parse';
  const u = parseURL(str(name, args, 1));
  if (typeof u === 'string') throw builtinError(name, u);
  const out: JsonObject = {};
  const [hostname, port] = splitHostPort(u.host);
  if (u.scheme !== '') out.scheme = u.scheme;
  if (hostname !== '') out.hostname = hostname;
  if (port !== '') out.port = port;
  if (u.path !== '') {
    out.path = u.path;
    out.raw_path = u.rawPath !== '' ? u.rawPath : u.path;
  }
  if (u.rawQuery !== '') out.raw_query = u.rawQuery;
  if (u.fragment !== '') out.fragment = u.fragment;
  return out;
}

export const builtins: BuiltinTable = {
  'uri.is_valid': (args) => {
    const s = args[0];
    return typeof s === 'string' && s !== '' && typeof parseURL(s) !== 'string';
  },
  'uri.parse': parse,
};
