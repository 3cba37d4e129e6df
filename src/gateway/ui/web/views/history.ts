/**
 * History: every applied revision with its source (start, api, watch,
 * rollback, bundle) and time; pick two to see their per-file diff.
 */
import { get, type History, type HistoryEntry, type RevisionFiles } from '../api.js';
import type { App, View } from '../app.js';
import { ago, badge, fill, h, time } from '../dom.js';
import { renderDiff } from '../diff-view.js';

export function entryLabel(e: HistoryEntry): string {
  return e.bundle ? `${e.revision} (bundle ${e.bundle.name} ${e.bundle.revision})` : e.revision;
}

export function revisionFiles(e: HistoryEntry): Promise<RevisionFiles> {
  return get<RevisionFiles>(`/policy/history/${encodeURIComponent(e.full_revision)}`).then((r) => r.body);
}

export function historyView(app: App): View {
  const el = h('section', { class: 'view', 'aria-labelledby': 'history-title' });
  const diffOut = h('div', { class: 'diff-out', 'aria-live': 'polite' });
  let entries: HistoryEntry[] = [];

  const picked = (group: string): HistoryEntry | undefined => {
    const input = el.querySelector<HTMLInputElement>(`input[name="${group}"]:checked`);
    return input ? entries[Number(input.value)] : undefined;
  };

  async function compare(): Promise<void> {
    const a = picked('from');
    const b = picked('to');
    if (!a || !b) return;
    fill(diffOut, h('p', { class: 'muted' }, 'loading…'));
    try {
      const [fa, fb] = await Promise.all([revisionFiles(a), revisionFiles(b)]);
      fill(diffOut, await renderDiff(fa.files, fb.files, [entryLabel(a), entryLabel(b)]));
    } catch (err) {
      fill(diffOut, h('p', { class: 'error' }, (err as Error).message));
    }
  }

  async function show(): Promise<void> {
    let hist: History;
    try {
      hist = (await get<History>('/policy/history')).body;
    } catch (err) {
      fill(el, h('h2', { id: 'history-title' }, 'History'), h('p', { class: 'error' }, (err as Error).message));
      return;
    }
    const keepFrom = picked('from')?.full_revision;
    const keepTo = picked('to')?.full_revision;
    entries = hist.entries;
    // A bundle's earlier revision is published again on its server, not rolled back into a directory.
    const canRollBack = hist.source?.type !== 'bundle';
    // A bundle's files stay on its server: such revisions cannot be compared here.
    const comparable = (e: HistoryEntry): boolean => e.bundle === undefined;
    const pick = (keep: string | undefined, nth: number): number => {
      const kept = entries.findIndex((e) => e.full_revision === keep && comparable(e));
      if (kept !== -1) return kept;
      const candidates = entries.map((e, i) => (comparable(e) ? i : -1)).filter((i) => i !== -1);
      return candidates[Math.min(nth, candidates.length - 1)] ?? -1;
    };
    const defaultFrom = pick(keepFrom, 1);
    const toIdx = pick(keepTo, 0);
    const comparableCount = entries.filter(comparable).length;
    const rows = entries.map((e, i) =>
      h(
        'tr',
        { class: e.current ? 'current' : null, 'data-revision': e.revision },
        h('td', { class: 'pick' }, h('input', { type: 'radio', name: 'from', value: i, checked: i === defaultFrom, disabled: !comparable(e), 'aria-label': `compare from ${e.revision}` })),
        h('td', { class: 'pick' }, h('input', { type: 'radio', name: 'to', value: i, checked: i === toIdx, disabled: !comparable(e), 'aria-label': `compare to ${e.revision}` })),
        h('td', null, h('code', null, e.revision), e.current ? [' ', badge('serving', 'ok')] : null),
        h('td', null, time(e.applied_at), h('div', { class: 'muted small' }, ago(e.applied_at))),
        h('td', null, badge(e.source), e.bundle ? h('div', { class: 'small' }, `${e.bundle.name} ${e.bundle.revision}`) : null),
        h('td', { class: 'num' }, String(e.modules)),
        h('td', null, e.current || !canRollBack ? null : h('button', { type: 'button', class: 'small-button', onclick: () => app.go('actions', e.full_revision) }, 'Roll back…')),
      ),
    );
    fill(
      el,
      h('h2', { id: 'history-title' }, 'History'),
      h('p', { class: 'muted' }, `Every revision this sidecar applied, newest first (the last ${hist.limit} are kept). Pick two to compare their files.`, comparableCount < entries.length ? ' Revisions from a bundle keep their files on the bundle server and cannot be compared here.' : ''),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'history' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'From'), h('th', { scope: 'col' }, 'To'), h('th', { scope: 'col' }, 'Revision'), h('th', { scope: 'col' }, 'Applied'), h('th', { scope: 'col' }, 'Source'), h('th', { scope: 'col' }, 'Modules'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', null, rows.length > 0 ? rows : h('tr', null, h('td', { colspan: 7, class: 'muted' }, 'No revision has been recorded in the history yet.'))),
        ),
      ),
      h('p', null, h('button', { type: 'button', class: 'primary', onclick: () => void compare(), disabled: comparableCount < 2 }, 'Compare')),
      diffOut,
    );
  }

  return { id: 'history', title: 'History', el, show };
}
