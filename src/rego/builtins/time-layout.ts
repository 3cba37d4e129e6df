/**
 * Go's time layouts ("2006-01-02T15:04:05Z07:00") for `time.format` and
 * `time.parse_ns`, over a civil-time record. Follows Go's `nextStdChunk`,
 * `Time.Format` and `time.Parse` (with their error messages).
 */
import { goTimeQuote } from './time-duration.js';

export interface Civil {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  nsec: number;
  /** Offset east of UTC, seconds. */
  offset: number;
  /** Zone abbreviation ("UTC", "CET", "+03"…). */
  zone: string;
}

// ---------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, any year)

/** Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

export function daysIn(month: number, year: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

export const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function weekday(c: Pick<Civil, 'year' | 'month' | 'day'>): number {
  return (((daysFromCivil(c.year, c.month, c.day) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

function yearDay(c: Civil): number {
  return daysFromCivil(c.year, c.month, c.day) - daysFromCivil(c.year, 1, 1) + 1;
}

// ---------------------------------------------------------------------------
// Layout tokens (Go's nextStdChunk)

type Std =
  | { kind: 'lit'; text: string }
  | { kind: 'std'; code: string }
  | { kind: 'frac'; zeros: boolean; digits: number; sep: string };

const STD0X = ['01', '02', '03', '04', '05', '06'];

const isDigitAt = (s: string, i: number) => i < s.length && s[i]! >= '0' && s[i]! <= '9';
const startsLower = (s: string) => s.length > 0 && s[0]! >= 'a' && s[0]! <= 'z';

/** Splits a layout into literal text and standard elements. */
export function tokenize(layout: string): Std[] {
  const out: Std[] = [];
  let lit = '';
  const push = (t: Std, len: number, i: number): number => {
    if (lit) out.push({ kind: 'lit', text: lit });
    lit = '';
    out.push(t);
    return i + len;
  };
  let i = 0;
  while (i < layout.length) {
    const rest = layout.slice(i);
    const std = (code: string) => (i = push({ kind: 'std', code }, code.length, i));
    const c = layout[i]!;
    if (c === 'J' && rest.startsWith('January')) std('January');
    else if (c === 'J' && rest.startsWith('Jan') && !startsLower(rest.slice(3))) std('Jan');
    else if (c === 'M' && rest.startsWith('Monday')) std('Monday');
    else if (c === 'M' && rest.startsWith('Mon') && !startsLower(rest.slice(3))) std('Mon');
    else if (c === 'M' && rest.startsWith('MST')) std('MST');
    else if (c === '0' && rest.length >= 2 && STD0X.includes(rest.slice(0, 2))) std(rest.slice(0, 2));
    else if (c === '0' && rest.startsWith('002')) std('002');
    else if (c === '1') std(rest.startsWith('15') ? '15' : '1');
    else if (c === '2') std(rest.startsWith('2006') ? '2006' : '2');
    else if (c === '_' && rest.startsWith('_2006')) {
      lit += '_';
      i++;
      std('2006');
    } else if (c === '_' && rest.startsWith('__2')) std('__2');
    else if (c === '_' && rest.startsWith('_2')) std('_2');
    else if (c === '3' || c === '4' || c === '5') std(c);
    else if (c === 'P' && rest.startsWith('PM')) std('PM');
    else if (c === 'p' && rest.startsWith('pm')) std('pm');
    else if (c === '-' || c === 'Z') {
      const code = ['070000', '07:00:00', '0700', '07:00', '07'].map((s) => c + s).find((s) => rest.startsWith(s));
      if (code) std(code);
      else {
        lit += c;
        i++;
      }
    } else if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const ch = layout[i + 1]!;
      let j = i + 1;
      while (j < layout.length && layout[j] === ch) j++;
      if (!isDigitAt(layout, j)) i = push({ kind: 'frac', zeros: ch === '0', digits: j - i - 1, sep: c }, j - i, i);
      else {
        lit += c;
        i++;
      }
    } else {
      lit += c;
      i++;
    }
  }
  if (lit) out.push({ kind: 'lit', text: lit });
  return out;
}

export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

// ---------------------------------------------------------------------------
// Formatting

const pad = (n: number, width: number, ch = '0') => {
  const s = String(Math.abs(n)).padStart(width, ch);
  return n < 0 ? '-' + s : s;
};

function formatZone(code: string, offset: number): string {
  const iso = code.startsWith('Z');
  if (iso && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor(abs / 60) % 60, 2);
  const ss = pad(abs % 60, 2);
  const shape = code.slice(1);
  switch (shape) {
    case '07':
      return sign + hh;
    case '0700':
      return sign + hh + mm;
    case '07:00':
      return sign + hh + ':' + mm;
    case '070000':
      return sign + hh + mm + ss;
    default:
      return sign + hh + ':' + mm + ':' + ss;
  }
}

export function format(c: Civil, layout: string): string {
  let out = '';
  for (const t of tokenize(layout)) {
    if (t.kind === 'lit') {
      out += t.text;
      continue;
    }
    if (t.kind === 'frac') {
      const digits = String(c.nsec).padStart(9, '0').slice(0, t.digits);
      if (t.zeros) out += t.sep + digits;
      else {
        const trimmed = digits.replace(/0+$/, '');
        if (trimmed) out += t.sep + trimmed;
      }
      continue;
    }
    const h12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
    switch (t.code) {
      case '2006':
        out += pad(c.year, 4);
        break;
      case '06':
        out += pad(((c.year % 100) + 100) % 100, 2);
        break;
      case 'January':
        out += LONG_MONTHS[c.month - 1];
        break;
      case 'Jan':
        out += LONG_MONTHS[c.month - 1]!.slice(0, 3);
        break;
      case '1':
        out += c.month;
        break;
      case '01':
        out += pad(c.month, 2);
        break;
      case 'Monday':
        out += LONG_DAYS[weekday(c)];
        break;
      case 'Mon':
        out += LONG_DAYS[weekday(c)]!.slice(0, 3);
        break;
      case '2':
        out += c.day;
        break;
      case '_2':
        out += pad(c.day, 2, ' ');
        break;
      case '02':
        out += pad(c.day, 2);
        break;
      case '__2':
        out += pad(yearDay(c), 3, ' ');
        break;
      case '002':
        out += pad(yearDay(c), 3);
        break;
      case '15':
        out += pad(c.hour, 2);
        break;
      case '3':
        out += h12;
        break;
      case '03':
        out += pad(h12, 2);
        break;
      case '4':
        out += c.minute;
        break;
      case '04':
        out += pad(c.minute, 2);
        break;
      case '5':
        out += c.second;
        break;
      case '05':
        out += pad(c.second, 2);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        out += c.zone || formatZone('-0700', c.offset);
        break;
      default:
        out += formatZone(t.code, c.offset);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Parsing

export class TimeParseError extends Error {}

/** Go's time package quoting (non-ASCII bytes as \xNN). */
const quote = goTimeQuote;

/** Go's `skip`: the layout's literal must prefix the value; runs of spaces are equivalent. */
function skip(value: string, prefix: string): string | null {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') return null;
      prefix = prefix.replace(/^ +/, '');
      value = value.replace(/^ +/, '');
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) return null;
    value = value.slice(1);
    prefix = prefix.slice(1);
  }
  return value;
}

/** Result of parsing: the civil fields and, if the value named one, the zone offset. */
export interface Parsed {
  civil: Omit<Civil, 'zone' | 'offset'>;
  offset: number | undefined;
}

/** Whether any of the layouts parses the value (Go callers that try layouts in turn and keep the first success). */
export function parsesWithAny(layouts: readonly string[], value: string): boolean {
  for (const layout of layouts) {
    try {
      parse(layout, value);
      return true;
    } catch (e) {
      if (!(e instanceof TimeParseError)) throw e;
    }
  }
  return false;
}

export function parse(layout: string, value: string): Parsed {
  const orig = value;
  const tokens = tokenize(layout);
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nsec = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  const layoutText = (t: Std) => (t.kind === 'lit' ? t.text : t.kind === 'std' ? t.code : t.sep + (t.zeros ? '0' : '9').repeat(t.digits));
  const bad = (valueElem: string, layoutElem: string, extra = ''): never => {
    throw new TimeParseError(`parsing time ${quote(orig)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}${extra}`);
  };
  const outOfRange = (what: string): never => {
    throw new TimeParseError(`parsing time ${quote(orig)}: ${what} out of range`);
  };
  const num = (fixed: boolean, width = 2): number | null => {
    let n = 0;
    let k = 0;
    while (k < width && isDigitAt(value, k)) n = n * 10 + Number(value[k++]);
    if (k === 0 || (fixed && k < width)) return null;
    value = value.slice(k);
    return n;
  };
  for (let ti = 0; ti < tokens.length; ti++) {
    const t = tokens[ti]!;
    const before = value;
    if (t.kind === 'lit') {
      const rest = skip(value, t.text);
      if (rest === null) bad(value, t.text);
      value = rest!;
      continue;
    }
    const fail = () => bad(before, layoutText(t));
    if (t.kind === 'frac') {
      if (t.zeros) {
        if (value.length < t.digits + 1 || value[0] !== t.sep) fail();
        const digits = value.slice(1, t.digits + 1);
        if (!/^[0-9]+$/.test(digits)) fail();
        nsec = Number(digits.padEnd(9, '0').slice(0, 9));
        value = value.slice(t.digits + 1);
      } else if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
        let k = 1;
        while (isDigitAt(value, k)) k++;
        nsec = Number(value.slice(1, k).padEnd(9, '0').slice(0, 9));
        value = value.slice(k);
      }
      continue;
    }
    switch (t.code) {
      case '2006': {
        if (value.length < 4 || !/^[0-9]{4}/.test(value)) fail();
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      }
      case '06': {
        const n = num(true);
        if (n === null) fail();
        year = n! + (n! >= 69 ? 1900 : 2000);
        break;
      }
      case 'January':
      case 'Jan': {
        const names = t.code === 'Jan' ? LONG_MONTHS.map((m) => m.slice(0, 3)) : LONG_MONTHS;
        const k = names.findIndex((m) => value.slice(0, m.length).toLowerCase() === m.toLowerCase());
        if (k < 0) fail();
        month = k + 1;
        value = value.slice(names[k]!.length);
        break;
      }
      case 'Monday':
      case 'Mon': {
        const names = t.code === 'Mon' ? LONG_DAYS.map((m) => m.slice(0, 3)) : LONG_DAYS;
        const k = names.findIndex((m) => value.slice(0, m.length).toLowerCase() === m.toLowerCase());
        if (k < 0) fail();
        value = value.slice(names[k]!.length);
        break;
      }
      case '1':
      case '01': {
        const n = num(t.code === '01');
        if (n === null) fail();
        if (n! <= 0 || n! > 12) outOfRange('month');
        month = n!;
        break;
      }
      case '2':
      case '_2':
      case '02': {
        if (t.code === '_2' && value[0] === ' ') value = value.slice(1);
        const n = num(t.code === '02');
        if (n === null) fail();
        day = n!;
        break;
      }
      case '__2':
      case '002': {
        if (t.code === '__2') value = value.replace(/^ {1,2}/, '');
        const n = num(t.code === '002', 3);
        if (n === null) fail();
        if (n! < 1 || n! > 366) outOfRange('day-of-year');
        yday = n!;
        break;
      }
      case '15': {
        const n = num(false);
        if (n === null) fail();
        if (n! > 23) outOfRange('hour');
        hour = n!;
        break;
      }
      case '3':
      case '03': {
        const n = num(t.code === '03');
        if (n === null) fail();
        if (n! > 12) outOfRange('hour');
        hour = n!;
        break;
      }
      case '4':
      case '04':
      case '5':
      case '05': {
        const n = num(t.code.length === 2);
        if (n === null) fail();
        if (n! > 59) outOfRange(t.code.endsWith('4') ? 'minute' : 'second');
        if (t.code.endsWith('4')) minute = n!;
        else {
          second = n!;
          // A fractional second in the value without one in the layout is accepted.
          const next = tokens[ti + 1];
          if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1) && next?.kind !== 'frac') {
            let k = 1;
            while (isDigitAt(value, k)) k++;
            nsec = Number(value.slice(1, k).padEnd(9, '0').slice(0, 9));
            value = value.slice(k);
          }
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const p = value.slice(0, 2);
        const want = t.code === 'PM' ? ['PM', 'AM'] : ['pm', 'am'];
        if (p === want[0]) pm = true;
        else if (p === want[1]) pm = false;
        else fail();
        value = value.slice(2);
        break;
      }
      case 'MST': {
        const m = /^(UTC|GMT|[A-Z]{3,5}|[+-]\d{2})/.exec(value);
        if (!m) fail();
        value = value.slice(m![0].length);
        if (m![0] === 'UTC' || m![0] === 'GMT') offset = 0;
        else if (/^[+-]/.test(m![0])) offset = Number(m![0]) * 3600;
        else offset ??= 0; // an unknown abbreviation: Go fabricates a zero-offset zone
        break;
      }
      default: {
        // Numeric zones: Z07:00 and friends.
        if (t.code.startsWith('Z') && value[0] === 'Z') {
          value = value.slice(1);
          offset = 0;
          break;
        }
        const shape = t.code.slice(1);
        const re = {
          '07': /^([+-])(\d{2})/,
          '0700': /^([+-])(\d{2})(\d{2})/,
          '07:00': /^([+-])(\d{2}):(\d{2})/,
          '070000': /^([+-])(\d{2})(\d{2})(\d{2})/,
          '07:00:00': /^([+-])(\d{2}):(\d{2}):(\d{2})/,
        }[shape]!;
        const m = re.exec(value);
        if (!m) fail();
        const [, sign, hh, mm = '0', ss = '0'] = m!;
        // Go checks the parts in this order; the last one out of range names the error.
        let range = '';
        if (Number(hh) > 24) range = 'time zone offset hour';
        if (Number(mm) > 60) range = 'time zone offset minute';
        if (Number(ss) > 60) range = 'time zone offset second';
        if (range !== '') outOfRange(range);
        offset = (sign === '-' ? -1 : 1) * (Number(hh) * 3600 + Number(mm) * 60 + Number(ss));
        value = value.slice(m![0].length);
      }
    }
  }
  if (value.length > 0) throw new TimeParseError(`parsing time ${quote(orig)}: extra text: ${quote(value)}`);
  if (pm === true && hour < 12) hour += 12;
  else if (pm === false && hour === 12) hour = 0;
  if (yday >= 0) {
    if (yday > (isLeap(year) ? 366 : 365)) outOfRange('day-of-year');
    const [, m, d] = civilFromDays(daysFromCivil(year, 1, 1) + yday - 1);
    if ((month >= 0 && month !== m) || (day >= 0 && day !== d)) outOfRange('day-of-year');
    month = m;
    day = d;
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > daysIn(month, year)) outOfRange('day');
  return { civil: { year, month, day, hour, minute, second, nsec }, offset };
}
