/**
 * `regex.globs_match(a, b)`: do two "globs" match at least one common string?
 * OPA uses yashtewari/glob-intersection, whose globs are a small regex subset:
 * characters, `.` (any character), sets `[a-z0-9]`, `\` escapes, each optionally
 * followed by `*` (zero or more) or `+` (one or more). We parse both into token
 * lists and search the product automaton for a path to the end of both.
 */

/** A character class: `null` is `.` (any character); otherwise inclusive code point ranges. */
type CharSet = [number, number][] | null;

interface Token {
  chars: CharSet;
  repeat: boolean; // `*` (after `+` is expanded into one mandatory token and one starred)
}

function invalid(input: string, pos: number, why: string): string {
  return `input:${input}, pos:${pos}, ${why}: the input provided is invalid`;
}

/** Parses a glob; returns its tokens or an error message in OPA's wording. */
function parse(input: string): Token[] | string {
  const cps = Array.from(input, (c) => c.codePointAt(0)!);
  const out: Token[] = [];
  let i = 0;
  while (i < cps.length) {
    const c = cps[i]!;
    let chars: CharSet;
    if (c === 0x2e /* . */) {
      chars = null;
      i++;
    } else if (c === 0x5c /* \ */) {
      if (i + 1 >= cps.length) return invalid(input, i, 'input ends with a \\\\ (escape) character');
      chars = [[cps[i + 1]!, cps[i + 1]!]];
      i += 2;
    } else if (c === 0x5d /* ] */) {
      return invalid(input, i + 1, "set-close ']' with no preceding '['");
    } else if (c === 0x5b /* [ */) {
      const set = parseSet(input, cps, i + 1);
      if (typeof set === 'string') return set;
      chars = set.ranges;
      i = set.next;
    } else if (c === 0x2a || c === 0x2b) {
      return invalid(input, i, `'${String.fromCodePoint(c)}' with no preceding character`);
    } else {
      chars = [[c, c]];
      i++;
    }
    const q = cps[i];
    if (q === 0x2a /* * */) {
      out.push({ chars, repeat: true });
      i++;
    } else if (q === 0x2b /* + */) {
      out.push({ chars, repeat: false }, { chars, repeat: true });
      i++;
    } else {
      out.push({ chars, repeat: false });
    }
  }
  return out;
}

function parseSet(input: string, cps: number[], from: number): { ranges: [number, number][]; next: number } | string {
  const ranges: [number, number][] = [];
  let i = from;
  const readChar = (): number | string => {
    if (i >= cps.length) return invalid(input, cps.length, 'found [ without matching ]');
    let c = cps[i]!;
    if (c === 0x5c) {
      if (i + 1 >= cps.length) return invalid(input, i, 'input ends with a \\\\ (escape) character');
      c = cps[++i]!;
    }
    i++;
    return c;
  };
  for (;;) {
    if (i >= cps.length) return invalid(input, cps.length, 'found [ without matching ]');
    if (cps[i] === 0x5d) return { ranges, next: i + 1 };
    const lo = readChar();
    if (typeof lo === 'string') return lo;
    if (cps[i] === 0x2d /* - */ && i + 1 < cps.length && cps[i + 1] !== 0x5d) {
      i++;
      const hi = readChar();
      if (typeof hi === 'string') return hi;
      if (hi < lo) {
        const a = String.fromCodePoint(hi);
        const b = String.fromCodePoint(lo);
        return invalid(input, i, `range is out of order: '${a}' comes before '${b}' in Unicode`);
      }
      ranges.push([lo, hi]);
    } else {
      ranges.push([lo, lo]);
    }
  }
}

function overlaps(a: CharSet, b: CharSet): boolean {
  if (a === null) return b === null || b.length > 0;
  if (b === null) return a.length > 0;
  for (const [alo, ahi] of a) for (const [blo, bhi] of b) if (alo <= bhi && blo <= ahi) return true;
  return false;
}

/** True if some string matches both globs; a string is an error message for an invalid glob. */
export function globsIntersect(a: string, b: string): boolean | string {
  const x = parse(a);
  if (typeof x === 'string') return x;
  const y = parse(b);
  if (typeof y === 'string') return y;
  const width = y.length + 1;
  const seen = new Uint8Array((x.length + 1) * width);
  const stack: [number, number][] = [[0, 0]];
  seen[0] = 1;
  const push = (i: number, j: number) => {
    if (!seen[i * width + j]) {
      seen[i * width + j] = 1;
      stack.push([i, j]);
    }
  };
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    if (i === x.length && j === y.length) return true;
    const s = x[i];
    const t = y[j];
    if (s?.repeat) push(i + 1, j);
    if (t?.repeat) push(i, j + 1);
    if (s && t && overlaps(s.chars, t.chars)) push(s.repeat ? i : i + 1, t.repeat ? j : j + 1);
  }
  return false;
}
