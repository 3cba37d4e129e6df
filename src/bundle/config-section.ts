/**
 * Typed reading of a configuration mapping whose keys are names (services,
 * bundles, keys may contain `.` or `/`, so dotted lookups cannot reach them).
 * Every wrong value is a `ConfigError` naming its full key.
 */
import type { ConfigError } from '../gateway/config.js';

export type Fail = (key: string, what: string) => ConfigError;

export class Section {
  constructor(
    readonly value: Record<string, unknown>,
    /** The dotted key of this mapping, for messages. */
    readonly key: string,
    private readonly fail: Fail,
  ) {}

  /** A mapping value as a Section; `undefined`/`null` → undefined. */
  static of(value: unknown, key: string, fail: Fail): Section | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw fail(key, 'must be a mapping');
    return new Section(value as Record<string, unknown>, key, fail);
  }

  private at(k: string): string {
    if (k === '') return this.key;
    return this.key === '' ? k : `${this.key}.${k}`;
  }

  error(k: string, what: string): ConfigError {
    return this.fail(this.at(k), what);
  }

  raw(k: string): unknown {
    const v = this.value[k];
    return v === null ? undefined : v;
  }

  section(k: string): Section | undefined {
    return Section.of(this.raw(k), this.at(k), this.fail);
  }

  string(k: string): string | undefined {
    const v = this.raw(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw this.error(k, 'must be a string');
    return v;
  }

  boolean(k: string): boolean | undefined {
    const v = this.raw(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.error(k, 'must be true or false');
    return v;
  }

  /** A non-negative integer, at most `max`. */
  integer(k: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.raw(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw this.error(k, 'must be a non-negative integer');
    if (v > max) throw this.error(k, `must be at most ${max}`);
    return v;
  }

  stringList(k: string): string[] | undefined {
    const v = this.raw(k);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw this.error(k, 'must be a list of strings');
    return v as string[];
  }

  /** A mapping of strings to strings (headers, labels). */
  stringMap(k: string): Record<string, string> {
    const s = this.section(k);
    const out: Record<string, string> = {};
    if (s === undefined) return out;
    for (const [name, v] of Object.entries(s.value)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw s.error(name, 'must be a string');
      out[name] = String(v);
    }
    return out;
  }

  /** The entries of a named collection, given as a mapping (`name: {...}`) or OPA's list form (`- name: ...`). */
  static named(value: unknown, key: string, fail: Fail): [string, Section][] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) {
      return value.map((item, i) => {
        const s = Section.of(item, `${key}[${i}]`, fail);
        const name = s?.string('name');
        if (s === undefined || name === undefined || name === '') throw fail(`${key}[${i}].name`, 'is required');
        return [name, s];
      });
    }
    const map = Section.of(value, key, fail)!;
    return Object.keys(map.value).map((name) => [name, map.section(name) ?? new Section({}, `${key}.${name}`, fail)]);
  }
}
