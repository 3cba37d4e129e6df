/**
 * Go's `time.Duration` text, both ways: `opa test` prints test durations with
 * Go's `Duration.String()` (`1.234567ms`, `850.1µs`, `2.5s`) and takes its
 * `--timeout` in Go's `ParseDuration` syntax (`5s`, `1m30s`, `250ms`).
 */

const NS_PER = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** `whole.fraction` with the fraction's trailing zeros (and a bare dot) removed, as Go prints. */
function decimal(value: bigint, unit: bigint, digits: number): string {
  const whole = value / unit;
  const frac = (value % unit).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

/** Go's `time.Duration.String()` for a duration in nanoseconds. */
export function formatGoDuration(nanoseconds: bigint | number): string {
  let ns = typeof nanoseconds === 'bigint' ? nanoseconds : BigInt(Math.round(nanoseconds));
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  if (ns < 0n) ns = -ns;
  if (ns < NS_PER.us) return `${sign}${ns}ns`;
  if (ns < NS_PER.ms) return `${sign}${decimal(ns, NS_PER.us, 3)}µs`;
  if (ns < NS_PER.s) return `${sign}${decimal(ns, NS_PER.ms, 6)}ms`;
  let text = '';
  const hours = ns / NS_PER.h;
  if (hours > 0n) text += `${hours}h`;
  const minutes = (ns % NS_PER.h) / NS_PER.m;
  if (hours > 0n || minutes > 0n) text += `${minutes}m`;
  text += `${decimal(ns % NS_PER.m, NS_PER.s, 9)}s`;
  return sign + text;
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Go's `time.ParseDuration`, returning nanoseconds (as a float: precision past
 * the microsecond does not matter for timeouts), or undefined when malformed.
 * Like Go, a bare `0` is accepted and any other number needs a unit.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
