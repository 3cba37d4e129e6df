/**
 * `uri.is_valid` and `uri.parse`, following Go's net/url.Parse (which OPA's
 * implementation relies on): control characters are rejected, `%XX` escapes
 * must be well formed, IPv6 hosts are bracketed (zone `%25` unescaped).
 *
 * `uri.parse` returns only the non-empty parts among: scheme, user, hostname,
 * port, path, raw_path (Go's EscapedPath), query (raw), fragment. An opaque
 * URI ("mailto:x@y") yields just its scheme. Invalid input → undefined.
 */
import type { BuiltinTable } from './builtin.js';
import { str } from './operands.js';
import { makeObject, type Value } from '../value.js';

interface ParsedURI {
  scheme: string;
  user: string;
  hostname: string;
  port: string;
  path: string;
  rawPath: string;
  query: string;
  fragment: string;
}

/** Go's `unescape` for paths and hosts: undefined on a malformed escape. */
function unescape(s: string): string | undefined {
  if (!/^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(s)) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    // Escapes that are not UTF-8: keep the bytes as Latin-1 text rather than fail.
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

function parseURI(raw: string): ParsedURI | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return undefined; // net/url: invalid control character in URL
  let rest = raw;
  const out: ParsedURI = { scheme: '', user: '', hostname: '', port: '', path: '', rawPath: '', query: '', fragment: '' };
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    const f = unescape(rest.slice(hash + 1));
    if (f === undefined) return undefined;
    out.fragment = f;
    rest = rest.slice(0, hash);
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (m) {
    out.scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (/^[^/?]*:/.test(rest)) return undefined; // "missing protocol scheme" / first path segment cannot contain colon
  const q = rest.indexOf('?');
  if (q >= 0) {
    out.query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (out.scheme !== '' && !rest.startsWith('/')) return { ...out, path: '', rawPath: '' }; // opaque: only the scheme is reported
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    const at = authority.lastIndexOf('@');
    let host = authority;
    if (at >= 0) {
      const u = unescape(authority.slice(0, at));
      if (u === undefined) return undefined;
      out.user = u;
      host = authority.slice(at + 1);
    }
    if (host.startsWith('[')) {
      const close = host.indexOf(']');
      if (close < 0) return undefined; // missing ']' in host
      const h = unescape(host.slice(1, close));
      if (h === undefined) return undefined;
      out.hostname = h;
      const after = host.slice(close + 1);
      if (after !== '' && !/^:[0-9]*$/.test(after)) return undefined;
      out.port = after.slice(1);
    } else {
      const colon = host.lastIndexOf(':');
      const name = colon >= 0 ? host.slice(0, colon) : host;
      const port = colon >= 0 ? host.slice(colon + 1) : '';
      if (!/^[0-9]*$/.test(port)) return undefined; // invalid port
      const h = unescape(name);
      if (h === undefined) return undefined;
      out.hostname = h;
      out.port = port;
    }
  }
  const p = unescape(rest);
  if (p === undefined) return undefined;
  out.path = p;
  out.rawPath = rest;
  return out;
}

export const builtins: BuiltinTable = {
  'uri.is_valid': (args) => parseURI(str('uri.is_valid', args, 1)) !== undefined,

  'uri.parse': (args): Value | undefined => {
    const u = parseURI(str('uri.parse', args, 1));
    if (u === undefined) return undefined;
    const fields: [string, string][] = [
      ['scheme', u.scheme],
      ['user', u.user],
      ['hostname', u.hostname],
      ['port', u.port],
      ['path', u.path],
      ['raw_path', u.rawPath],
      ['query', u.query],
      ['fragment', u.fragment],
    ];
    return makeObject(fields.filter(([, v]) => v !== ''));
  },
};
