/**
 * Go's `net/url.Parse` (Go 1.26), which OPA's `uri.parse` and `uri.is_valid`
 * call (v1/topdown/uri.go). Written from Go's documented algorithm because the
 * WHATWG `URL` class of JavaScript normalises and accepts different inputs.
 *
 * Go works on bytes, so this does too: the input is turned into a "byte string"
 * (one char per UTF-8 byte) and results are decoded back to UTF-8 at the end.
 * Errors are Go's texts: `parse "http://a b/": invalid character " " in host name`.
 */
import { goQuoteRune } from './go-quote.js';
import { parseAddr } from './netip.js';

export interface GoURL {
  scheme: string;
  opaque: string;
  /** host[:port] as Go keeps it (IPv6 in brackets, escapes decoded). */
  host: string;
  path: string;
  /** Set only when the path's default encoding differs from the input's. */
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'fragment' | 'query';

class URLError extends Error {}

const isAlnum = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Go's `shouldEscape` for the modes url.Parse uses. */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    switch (mode) {
      case 'path':
        return c === '?';
      case 'userPassword':
        return c === '@' || c === '/' || c === '?' || c === ':';
      case 'fragment':
        return false;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

/** strconv.Quote of a byte string (invalid UTF-8 bytes as \xNN). */
function quoteBytes(b: string): string {
  const buf = Buffer.from(b, 'latin1');
  let out = '"';
  let i = 0;
  while (i < buf.length) {
    const len = utf8Length(buf, i);
    if (len === 0) {
      out += '\\x' + buf[i]!.toString(16).padStart(2, '0');
      i++;
    } else {
      out += goQuoteRune(buf.toString('utf8', i, i + len), '"');
      i += len;
    }
  }
  return out + '"';
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0. */
function utf8Length(buf: Buffer, i: number): number {
  const b = buf[i]!;
  if (b < 0x80) return 1;
  const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (len === 0 || i + len > buf.length) return 0;
  for (let k = 1; k < len; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return 0;
  const b1 = buf[i + 1]!;
  if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return 0;
  return len;
}

function escapeError(s: string): URLError {
  return new URLError('invalid URL escape ' + quoteBytes(s));
}

/** Go's `unescape`: checks every escape (and, in hosts, every byte), then decodes. */
function unescape(s: string, mode: Mode): string {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === '%') {
      n++;
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) throw escapeError(s.slice(i, i + 3));
      const v = parseInt(s.slice(i + 1, i + 3), 16);
      // Hosts may escape only non-ASCII bytes (and %25 before an IPv6 zone).
      if (mode === 'host' && v < 0x80 && s.slice(i, i + 3) !== '%25') throw escapeError(s.slice(i, i + 3));
      if (mode === 'zone' && s.slice(i, i + 3) !== '%25' && v !== 0x20 && shouldEscape(String.fromCharCode(v), 'host')) {
        throw escapeError(s.slice(i, i + 3));
      }
      i += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
        throw new URLError(`invalid character ${quoteBytes(c)} in host name`);
      }
      i++;
    }
  }
  if (mode === 'query') return s.replace(/%([0-9a-fA-F]{2})|\+/g, (m, h: string | undefined) => (h === undefined ? ' ' : String.fromCharCode(parseInt(h, 16))));
  if (n === 0) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Go's url.QueryUnescape (`+` is a space), or its error message (`invalid URL escape "%zz"`). */
export function queryUnescape(text: string): string | { error: string } {
  try {
    return utf8(unescape(Buffer.from(text, 'utf8').toString('latin1'), 'query'));
  } catch (e) {
    if (e instanceof URLError) return { error: e.message };
    throw e;
  }
}

function escape(s: string, mode: Mode): string {
  let out = '';
  for (const c of s) out += shouldEscape(c, mode) ? '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0') : c;
  return out;
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

function invalidPort(colonPort: string): URLError {
  return new URLError(`invalid port ${quoteBytes(colonPort)} after host`);
}

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new URLError('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw invalidPort(colonPort);
    const hostname = host.slice(1, close);
    const zone = hostname.indexOf('%25');
    const unescaped = zone >= 0 ? unescape(hostname.slice(0, zone), 'host') + unescape(hostname.slice(zone), 'zone') : unescape(hostname, 'host');
    // Only an IPv6 address may stand in brackets (an IPv4-mapped one is fine).
    const addr = parseAddr(Buffer.from(unescaped, 'latin1').toString('utf8'));
    if (typeof addr === 'string') throw new URLError(`invalid host: ${addr}`);
    if (addr.bytes.length === 4) throw new URLError('invalid IP-literal');
    return '[' + unescaped + ']' + colonPort;
  }
  let colon = host.indexOf(':');
  if (colon >= 0) {
    // Only http and https insist that the first colon starts the port.
    if (scheme !== 'http' && scheme !== 'https') colon = host.lastIndexOf(':');
    const colonPort = host.slice(colon);
    if (!validOptionalPort(colonPort)) throw invalidPort(colonPort);
  }
  return unescape(host, 'host');
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseAuthority(scheme: string, authority: string): string {
  const at = authority.lastIndexOf('@');
  const host = parseHost(scheme, at < 0 ? authority : authority.slice(at + 1));
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!validUserinfo(userinfo)) throw new URLError('net/url: invalid userinfo');
    // Go unescapes the user name and the password (split at the first colon) only to check them.
    const colon = userinfo.indexOf(':');
    unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), 'userPassword');
    if (colon >= 0) unescape(userinfo.slice(colon + 1), 'userPassword');
  }
  return host;
}

/** Splits "scheme:rest"; a colon first is an error, any other non-scheme byte means no scheme. */
function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.') {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new URLError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parseWithoutFragment(raw: string): GoURL {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw new URLError('net/url: invalid control character in URL');
  const url: GoURL = { scheme: '', opaque: '', host: '', path: '', rawPath: '', rawQuery: '', fragment: '' };
  if (raw === '*') return { ...url, path: '*' };
  let [scheme, rest] = getScheme(raw);
  url.scheme = scheme.toLowerCase();
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
  else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') return { ...url, opaque: rest };
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) throw new URLError('first path segment in URL cannot contain colon');
  }
  if ((url.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    url.host = parseAuthority(url.scheme, authority);
  }
  url.path = unescape(rest, 'path');
  url.rawPath = escape(url.path, 'path') === rest ? '' : rest;
  return url;
}

const utf8 = (b: string): string => Buffer.from(b, 'latin1').toString('utf8');

/** Go's url.Parse: the parts (UTF-8 text), or Go's error message (`parse "…": …`). */
export function parseURL(input: string): GoURL | string {
  const raw = Buffer.from(input, 'utf8').toString('latin1');
  const hash = raw.indexOf('#');
  const noFrag = hash < 0 ? raw : raw.slice(0, hash);
  let url: GoURL;
  try {
    url = parseWithoutFragment(noFrag);
  } catch (e) {
    if (e instanceof URLError) return `parse ${quoteBytes(noFrag)}: ${e.message}`;
    throw e;
  }
  if (hash >= 0) {
    try {
      url.fragment = unescape(raw.slice(hash + 1), 'fragment');
    } catch (e) {
      if (e instanceof URLError) return `parse ${quoteBytes(raw)}: ${e.message}`;
      throw e;
    }
  }
  return {
    scheme: utf8(url.scheme),
    opaque: utf8(url.opaque),
    host: utf8(url.host),
    path: utf8(url.path),
    rawPath: utf8(url.rawPath),
    rawQuery: utf8(url.rawQuery),
    fragment: utf8(url.fragment),
  };
}

/** Go's URL.Hostname() and URL.Port(): the host without brackets, and the digits after its last colon. */
export function splitHostPort(host: string): [string, string] {
  let name = host;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && validOptionalPort(host.slice(colon))) {
    name = host.slice(0, colon);
    port = host.slice(colon + 1);
  }
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return [name, port];
}
