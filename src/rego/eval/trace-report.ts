/**
 * Showing traces as OPA does: `--explain` modes (full, notes, fails: OPA's
 * lineage filters, which keep a note's or a failure's chain of enclosing
 * Enter/Redo events), the pretty layout of `PrettyTraceWithLocation` (a
 * `file:row` column, then `| ` per query depth before the event), and the
 * raw events as JSON.
 */
import type { TraceEvent } from './trace.js';

export type ExplainMode = 'full' | 'notes' | 'fails' | 'off';

export const EXPLAIN_MODES: readonly ExplainMode[] = ['off', 'full', 'notes', 'fails'];

/** The events a mode shows: everything, or each note / failure with the queries that led to it. */
export function explainEvents(events: readonly TraceEvent[], mode: ExplainMode): TraceEvent[] {
  if (mode === 'off') return [];
  if (mode === 'full') return [...events];
  const keep = mode === 'notes' ? 'Note' : 'Fail';
  const out: TraceEvent[] = [];
  let openers = new Map<number, TraceEvent>();
  for (const event of events) {
    if (event.op === keep) {
      const path = [event];
      let cur = openers.get(event.queryId);
      let prev: TraceEvent | undefined;
      while (cur !== undefined && cur !== prev) {
        path.push(cur);
        prev = cur;
        cur = openers.get(cur.parentId);
      }
      out.push(...path.reverse());
      openers = new Map();
    }
    if ((event.op === 'Enter' || event.op === 'Redo') && event.node !== 'expr') openers.set(event.queryId, event);
  }
  return out;
}

const COLUMN_PADDING = 4;

/** OPA's pretty trace: one line per event, indented by query depth, with `file:row` first when `locations`. */
export function prettyTrace(events: readonly TraceEvent[], opts: { locations?: boolean } = {}): string {
  const depths = new Map<number, number>();
  const depthOf = (e: TraceEvent): number => {
    let d = depths.get(e.queryId) ?? 0;
    if (d === 0) {
      d = (depths.get(e.parentId) ?? 0) + 1;
      depths.set(e.queryId, d);
    }
    return d;
  };
  const rows = events.map((e) => {
    const depth = depthOf(e);
    const spaces = e.op === 'Enter' || (e.op === 'Redo' && e.node !== 'expr') ? depth : depth + 1;
    const pad = spaces > 1 ? '| '.repeat(spaces - 1) : '';
    const text = e.op === 'Note' ? `${pad}Note ${JSON.stringify(e.message ?? '')}` : `${pad}${e.op} ${e.text}`;
    return { where: e.location ? `${e.location.file}:${e.location.row}` : '', text };
  });
  if (!opts.locations) return rows.map((r) => r.text + '\n').join('');
  const width = Math.max(0, ...rows.map((r) => r.where.length)) + COLUMN_PADDING;
  return rows.map((r) => `${r.where.padEnd(width)} ${r.text}\n`).join('');
}

/** The raw events, in the shape of OPA's `explanation` entries (the node as Rego text). */
export function traceJSON(events: readonly TraceEvent[]): object[] {
  return events.map((e) => ({
    op: e.op,
    query_id: e.queryId,
    parent_id: e.parentId,
    type: e.node,
    node: e.text,
    ...(e.location ? { location: { file: e.location.file, row: e.location.row, col: e.location.col } } : {}),
    ...(e.message !== undefined ? { message: e.message } : {}),
  }));
}
