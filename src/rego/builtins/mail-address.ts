/**
 * Whether Go's `net/mail.ParseAddress` accepts a string: the `email` format of
 * OPA's gojsonschema. One address: `addr-spec` (`local@domain`, the local part a
 * dot-atom or a quoted string, the domain a dot-atom or an IP `[literal]`),
 * optionally followed by a `(comment)`, or `Display Name <addr-spec>`, or a
 * group `name: addr-spec;` holding exactly one address. Atoms may hold any
 * visible character but `()<>[]:;@\,"`, non-ASCII included, as in Go.
 */
import { parseIP } from './net-ip.js';

const SPECIALS = '()<>[]:;@\\,"';
const isVchar = (c: string): boolean => (c >= '!' && c <= '~') || c.codePointAt(0)! >= 0x80;
const isAtext = (c: string, dot: boolean): boolean => (c === '.' ? dot : !SPECIALS.includes(c) && isVchar(c));
const isWSP = (c: string): boolean => c === ' ' || c === '\t';

class Parser {
  private i = 0;
  private readonly s: string[];

  constructor(text: string) {
    this.s = Array.from(text);
  }

  private peek(): string | undefined {
    return this.s[this.i];
  }

  private consume(c: string): boolean {
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  empty(): boolean {
    return this.i >= this.s.length;
  }

  skipSpace(): void {
    while (this.i < this.s.length && isWSP(this.s[this.i]!)) this.i++;
  }

  /** Skips `(comment)`s (nested, with escapes) and spaces; false on an unclosed one. */
  skipCFWS(): boolean {
    this.skipSpace();
    while (this.consume('(')) {
      if (!this.skipComment()) return false;
      this.skipSpace();
    }
    return true;
  }

  private skipComment(): boolean {
    let depth = 1;
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!;
      if (c === '\\') this.i++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return true;
    }
    return false;
  }

  private atom(dot: boolean, permissive: boolean): string | undefined {
    const start = this.i;
    while (this.i < this.s.length && isAtext(this.s[this.i]!, dot)) this.i++;
    if (this.i === start) return undefined;
    const atom = this.s.slice(start, this.i).join('');
    if (!permissive && (atom.startsWith('.') || atom.endsWith('.') || atom.includes('..'))) return undefined;
    return atom;
  }

  private quotedString(): string | undefined {
    if (!this.consume('"')) return undefined;
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!;
      if (c === '"') return out;
      if (c === '\\') {
        const e = this.s[this.i++];
        if (e === undefined || !(isVchar(e) || isWSP(e))) return undefined;
        out += e;
      } else if (isVchar(c) || isWSP(c)) out += c;
      else return undefined;
    }
    return undefined;
  }

  private domainLiteral(): boolean {
    if (!this.consume('[')) return false;
    let text = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) return false;
      if (c === ']') break;
      if (c === '[' || c === '\\' || !isVchar(c)) return false;
      text += c;
      this.i++;
    }
    this.i++;
    return parseIP(text) !== null;
  }

  /** `local@domain`; restores the position when it fails. */
  addrSpec(): boolean {
    const start = this.i;
    const ok = ((): boolean => {
      this.skipSpace();
      if (this.empty()) return false;
      const local = this.peek() === '"' ? this.quotedString() : this.atom(true, false);
      if (local === undefined || local === '' || !this.consume('@')) return false;
      this.skipSpace();
      if (this.empty()) return false;
      return this.peek() === '[' ? this.domainLiteral() : this.atom(true, false) !== undefined;
    })();
    if (!ok) this.i = start;
    return ok;
  }

  /** `1*word`, words being atoms (dots allowed) or quoted strings; true with at least one. */
  private phrase(): boolean {
    let words = 0;
    for (;;) {
      if (words > 0 && !this.skipCFWS()) return false;
      this.skipSpace();
      if (this.empty()) break;
      const word = this.peek() === '"' ? this.quotedString() : this.atom(true, true);
      if (word === undefined) break;
      words++;
    }
    return words > 0;
  }

  /** Go's parseAddress(handleGroup): how many addresses it read, or -1. */
  address(handleGroup: boolean): number {
    this.skipSpace();
    if (this.empty()) return -1;
    if (this.addrSpec()) {
      this.skipSpace();
      if (this.peek() === '(') {
        this.i++;
        if (!this.skipComment()) return -1;
      }
      return 1;
    }
    if (this.peek() !== '<' && !this.phrase()) return -1;
    this.skipSpace();
    if (handleGroup && this.consume(':')) return this.groupList();
    if (!this.consume('<')) return -1;
    if (!this.addrSpec()) return -1;
    return this.consume('>') ? 1 : -1;
  }

  private groupList(): number {
    let n = 0;
    if (!this.skipCFWS()) return -1;
    if (this.consume(';')) return this.skipCFWS() ? 0 : -1;
    for (;;) {
      this.skipSpace();
      const got = this.address(false);
      if (got < 0 || !this.skipCFWS()) return -1;
      n += got;
      if (this.consume(';')) return this.skipCFWS() ? n : -1;
      if (!this.consume(',')) return -1;
    }
  }
}

export function isEmailAddress(s: string): boolean {
  const p = new Parser(s);
  const n = p.address(true);
  return n === 1 && p.skipCFWS() && p.empty();
}
