/**
 * `semver.*` built-ins. OPA parses strict SemVer 2.0.0 (no `v` prefix, no
 * leading zeros in numeric identifiers, no empty sections: OPA's own
 * conformance cases `semverisvalid/*` pin this) with int64 major/minor/patch.
 *
 * Why not the npm `semver` package (removed from package.json): it accepts what
 * OPA rejects (`v1.2.3`, `=1.2.3`, surrounding spaces) and rejects what OPA
 * accepts (components above 2^53-1, strings over 256 characters), so neither
 * its parser nor its version objects give OPA's answers. The precedence rules
 * are twenty lines; the grammar is semver.org's own regular expression.
 */
import type { BuiltinTable } from './builtin.js';
import { builtinError, str } from './operands.js';

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  /** Pre-release identifiers; empty for a release. Build metadata is ignored by comparison. */
  pre: string[];
}

// The regular expression suggested by semver.org (fixed, not user-provided, so JS RegExp is fine).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const INT64_MAX = 2n ** 63n - 1n;

export function parseSemver(s: string): Version | null {
  const m = SEMVER.exec(s);
  if (!m) return null;
  const [major, minor, patch] = [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)];
  if (major > INT64_MAX || minor > INT64_MAX || patch > INT64_MAX) return null; // Go parses them as int64
  return { major, minor, patch, pre: m[4] ? m[4].split('.') : [] };
}

function cmp<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const NUMERIC = /^[0-9]+$/;

/** SemVer 2.0 precedence of pre-release identifiers: numeric < alphanumeric, numerics by value. */
function comparePre(a: string[], b: string[]): number {
  // A release is greater than any of its pre-releases.
  if (a.length === 0 || b.length === 0) return b.length - a.length === 0 ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const xn = NUMERIC.test(x);
    const yn = NUMERIC.test(y);
    let c: number;
    if (xn && yn) c = cmp(BigInt(x), BigInt(y));
    else if (xn !== yn) c = xn ? -1 : 1;
    else c = cmp(x, y); // ASCII order
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
}

export function compareSemver(a: Version, b: Version): number {
  return cmp(a.major, b.major) || cmp(a.minor, b.minor) || cmp(a.patch, b.patch) || comparePre(a.pre, b.pre);
}

export const builtins: BuiltinTable = {
  // Any operand is accepted: a non-string is simply not a valid version.
  'semver.is_valid': ([v]) => typeof v === 'string' && parseSemver(v) !== null,

  'semver.compare': (args) => {
    const name = 'semver.compare';
    const a = str(name, args, 1);
    const b = str(name, args, 2);
    const va = parseSemver(a);
    if (!va) throw builtinError(name, `operand 1: string ${a} is not a valid SemVer`);
    const vb = parseSemver(b);
    if (!vb) throw builtinError(name, `operand 2: string ${b} is not a valid SemVer`);
    return compareSemver(va, vb);
  },
};
