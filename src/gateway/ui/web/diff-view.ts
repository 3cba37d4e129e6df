/**
 * Side-by-side, per-file diff of two sets of policy files (modules and data),
 * with jsdiff's line diff (loaded on first use). Unchanged runs are folded to
 * a few lines of context.
 */
import type { PolicyFile } from './api.js';
import { h, type Child } from './dom.js';

const CONTEXT = 3;

type Row = { left: [number, string] | null; right: [number, string] | null; kind: 'same' | 'change' } | { fold: number };

interface Part {
  value: string;
  added?: boolean;
  removed?: boolean;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Pairs a diff's removed and added lines side by side; folds long unchanged runs. */
export function sideBySide(parts: Part[]): { rows: Row[]; added: number; removed: number } {
  const rows: Row[] = [];
  let l = 1;
  let r = 1;
  let added = 0;
  let removed = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const lines = splitLines(p.value);
    if (p.removed) {
      const next = parts[i + 1];
      const adds = next?.added ? splitLines(next.value) : [];
      if (next?.added) i++;
      removed += lines.length;
      added += adds.length;
      for (let k = 0; k < Math.max(lines.length, adds.length); k++) {
        rows.push({ left: k < lines.length ? [l++, lines[k]!] : null, right: k < adds.length ? [r++, adds[k]!] : null, kind: 'change' });
      }
    } else if (p.added) {
      added += lines.length;
      for (const line of lines) rows.push({ left: null, right: [r++, line], kind: 'change' });
    } else {
      const first = i === 0;
      const last = i === parts.length - 1;
      const keepHead = first ? 0 : CONTEXT;
      const keepTail = last ? 0 : CONTEXT;
      lines.forEach((line, k) => {
        const shown = k < keepHead || k >= lines.length - keepTail || lines.length <= keepHead + keepTail + 1;
        if (shown) rows.push({ left: [l, line], right: [r, line], kind: 'same' });
        else if (k === keepHead) rows.push({ fold: lines.length - keepHead - keepTail });
        l++;
        r++;
      });
    }
  }
  return { rows, added, removed };
}

function cell(side: [number, string] | null, cls: string): Child[] {
  if (side === null) return [h('td', { class: 'ln empty' }), h('td', { class: 'empty' })];
  return [h('td', { class: 'ln' }, side[0]), h('td', { class: cls }, h('code', null, side[1] === '' ? ' ' : side[1]))];
}

function table(rows: Row[]): HTMLElement {
  return h(
    'div',
    { class: 'diff-scroll' },
    h(
      'table',
      { class: 'diff' },
      h('colgroup', null, h('col', { class: 'ln' }), h('col'), h('col', { class: 'ln' }), h('col')),
      h('tbody', null,
        rows.map((row) =>
          'fold' in row
            ? h('tr', { class: 'fold' }, h('td', { colspan: 4 }, `… ${row.fold} unchanged line${row.fold === 1 ? '' : 's'}`))
            : h('tr', { class: row.kind }, cell(row.left, row.kind === 'change' ? 'del' : 'same'), cell(row.right, row.kind === 'change' ? 'add' : 'same')),
        ),
      ),
    ),
  );
}

/** The per-file diff of `before` → `after`; `labels` name the two sides. */
export async function renderDiff(before: PolicyFile[], after: PolicyFile[], labels: [string, string]): Promise<HTMLElement> {
  const { diffLines } = await import('diff');
  const old = new Map(before.map((f) => [f.name, f.content]));
  const now = new Map(after.map((f) => [f.name, f.content]));
  const names = [...new Set([...old.keys(), ...now.keys()])].sort();
  const same: string[] = [];
  const blocks: HTMLElement[] = [];
  for (const name of names) {
    const a = old.get(name);
    const b = now.get(name);
    if (a === b) {
      same.push(name);
      continue;
    }
    const { rows, added, removed } = sideBySide(diffLines(a ?? '', b ?? ''));
    const status = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    blocks.push(
      h(
        'details',
        { class: `file ${status}`, open: true, 'data-file': name },
        h('summary', null, h('strong', null, name), ` ${status} `, h('span', { class: 'add-count' }, `+${added}`), ' ', h('span', { class: 'del-count' }, `−${removed}`)),
        table(rows),
      ),
    );
  }
  return h(
    'div',
    { class: 'diff-result' },
    h('p', { class: 'diff-sides' }, h('span', { class: 'del-count' }, labels[0]), ' → ', h('span', { class: 'add-count' }, labels[1])),
    blocks.length === 0 ? h('p', null, 'The two revisions have the same files.') : blocks,
    same.length > 0 ? h('p', { class: 'muted' }, `Unchanged: ${same.join(', ')}`) : null,
  );
}
