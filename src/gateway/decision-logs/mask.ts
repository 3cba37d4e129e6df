/**
 * Masking of decision-log events before they leave the host, after OPA's
 * `system.log.mask`: each rule is a JSON pointer (RFC 6901) under `/input` or
 * `/result` whose field is erased (recorded in the event's `erased`), or
 * `{op: upsert, path, value}` which writes the value instead (recorded in
 * `masked`). A pointer to nothing is ignored. Values are never modified in
 * place (inputs are shared with the evaluation): the objects along the
 * pointer are copied.
 */

export type MaskRule = { op: 'remove'; path: string; tokens: string[] } | { op: 'upsert'; path: string; tokens: string[]; value: unknown };

const ROOTS = new Set(['input', 'result']);

export function parsePointer(pointer: string): string[] | null {
  if (!pointer.startsWith('/')) return null;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Validates the configured rules; `fail` builds the configuration error. */
export function parseMask(value: unknown, fail: (what: string) => Error): MaskRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail('must be a list of JSON pointers or {op, path, value} rules');
  return value.map((item, i) => {
    const rule = typeof item === 'string' ? { op: 'remove', path: item } : (item as Record<string, unknown> | null);
    if (typeof rule !== 'object' || rule === null || typeof rule['path'] !== 'string') throw fail(`entry ${i}: must be a JSON pointer or {op, path, value}`);
    const path = rule['path'];
    const tokens = parsePointer(path);
    if (tokens === null || tokens.length < 2 || !ROOTS.has(tokens[0]!)) throw fail(`entry ${i}: ${JSON.stringify(path)} must point below /input or /result`);
    const op = rule['op'] ?? 'remove';
    if (op === 'remove') return { op, path, tokens };
    if (op === 'upsert') {
      if (!('value' in rule)) throw fail(`entry ${i}: upsert needs a value`);
      return { op, path, tokens, value: rule['value'] };
    }
    throw fail(`entry ${i}: op must be remove or upsert`);
  });
}

export interface Maskable {
  input?: unknown;
  result?: unknown;
  erased?: string[];
  masked?: string[];
}

/** Applies the rules to the event's `input` and `result` (copying what changes). */
export function applyMask(event: Maskable, rules: readonly MaskRule[]): void {
  for (const rule of rules) {
    const [root, ...rest] = rule.tokens as [keyof Maskable & ('input' | 'result'), ...string[]];
    const target = event[root];
    if (rule.op === 'remove') {
      const next = removeAt(target, rest);
      if (next === NOT_FOUND) continue;
      event[root] = next;
      (event.erased ??= []).push(rule.path);
    } else {
      const next = upsertAt(target, rest, rule.value);
      if (next === NOT_FOUND) continue;
      event[root] = next;
      (event.masked ??= []).push(rule.path);
    }
  }
}

const NOT_FOUND = Symbol('not found');

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function index(arr: unknown[], token: string): number {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : -1;
}

function removeAt(node: unknown, tokens: string[]): unknown {
  const [head, ...rest] = tokens;
  if (head === undefined) return NOT_FOUND;
  if (isObject(node)) {
    if (!Object.prototype.hasOwnProperty.call(node, head)) return NOT_FOUND;
    const copy = { ...node };
    if (rest.length === 0) delete copy[head];
    else {
      const child = removeAt(node[head], rest);
      if (child === NOT_FOUND) return NOT_FOUND;
      copy[head] = child;
    }
    return copy;
  }
  if (Array.isArray(node)) {
    const i = index(node, head);
    if (i < 0 || i >= node.length) return NOT_FOUND;
    const copy = [...node];
    if (rest.length === 0) copy.splice(i, 1);
    else {
      const child = removeAt(node[i], rest);
      if (child === NOT_FOUND) return NOT_FOUND;
      copy[i] = child;
    }
    return copy;
  }
  return NOT_FOUND;
}

function upsertAt(node: unknown, tokens: string[], value: unknown): unknown {
  const [head, ...rest] = tokens;
  if (head === undefined) return value;
  if (node === undefined || node === null) node = {};
  if (isObject(node)) {
    const child = upsertAt(node[head], rest, value);
    if (child === NOT_FOUND) return NOT_FOUND;
    return { ...node, [head]: child };
  }
  if (Array.isArray(node)) {
    const i = index(node, head);
    if (i < 0 || i >= node.length) return NOT_FOUND;
    const child = upsertAt(node[i], rest, value);
    if (child === NOT_FOUND) return NOT_FOUND;
    const copy = [...node];
    copy[i] = child;
    return copy;
  }
  return NOT_FOUND;
}
