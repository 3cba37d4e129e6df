/**
 * Go's `filepath.Match` for `--ignore` patterns (OPA matches them against each
 * file and directory *name* met while walking). Hand-written rather than
 * translated to a regular expression: patterns come from the user, and this
 * keeps the semantics exactly Go's: `*` any run of non-separator characters,
 * `?` one character, `[a-z]`/`[^a-z]` classes, `\` escapes.
 */

/** True when `name` matches the whole `pattern`; a malformed pattern matches nothing. */
export function globMatch(pattern: string, name: string): boolean {
  return matchFrom(Array.from(pattern), 0, Array.from(name), 0);
}

function matchFrom(p: string[], pi: number, s: string[], si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi] === '*') pi++;
      for (let k = si; k <= s.length; k++) {
        if (matchFrom(p, pi, s, k)) return true;
        if (k < s.length && s[k] === '/') return false;
      }
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      if (s[si] === '/') return false;
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const cls = matchClass(p, pi + 1, s[si]!);
      if (!cls || !cls.matched) return false;
      pi = cls.next;
      si++;
      continue;
    }
    let literal = c;
    if (c === '\\') {
      if (pi + 1 >= p.length) return false;
      literal = p[pi + 1]!;
      pi++;
    }
    if (s[si] !== literal) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** Matches one character against the class starting after `[`; undefined when the class is malformed. */
function matchClass(p: string[], start: number, ch: string): { matched: boolean; next: number } | undefined {
  let i = start;
  const negated = p[i] === '^';
  if (negated) i++;
  let matched = false;
  let first = true;
  while (i < p.length && (first || p[i] !== ']')) {
    first = false;
    let lo = p[i]!;
    if (lo === '\\') lo = p[++i] ?? '';
    if (lo === '') return undefined;
    i++;
    let hi = lo;
    if (p[i] === '-' && p[i + 1] !== undefined && p[i + 1] !== ']') {
      i++;
      hi = p[i]!;
      if (hi === '\\') hi = p[++i] ?? '';
      if (hi === '') return undefined;
      i++;
    }
    if (lo <= ch && ch <= hi) matched = true;
  }
  if (p[i] !== ']') return undefined;
  return { matched: matched !== negated && ch !== '/', next: i + 1 };
}
