/**
 * Actions: a dry run (what a reload would change, file by file, nothing
 * applied), a reload, and a rollback to a chosen revision behind a
 * confirmation that names both revisions.
 */
import { get, post, type History, type HistoryEntry, type PolicyFile, type PolicySource, type ReloadFailure } from '../api.js';
import { handOver, type App, type View } from '../app.js';
import { badge, fill, h, ms } from '../dom.js';
import { renderDiff } from '../diff-view.js';
import { errorList, SourcePanel } from '../source-view.js';
import { entryLabel, revisionFiles } from './history.js';

interface DryRun {
  status: 'dry_run';
  revision: string;
  current_revision: string | null;
  would_change: boolean;
  modules: { added: string[]; removed: string[]; changed: string[] };
}

interface Reloaded {
  status: 'reloaded';
  revision: string;
  previous_revision: string | null;
  modules: number;
  duration_ms: number;
  unchanged?: boolean;
}

interface RolledBack {
  status: 'rolled_back';
  revision: string;
  replaced_revision: string;
}

const FAILURE_STATUSES = [400, 404, 409, 500, 502, 503];

export function actionsView(app: App): View {
  const el = h('section', { class: 'view', 'aria-labelledby': 'actions-title' });
  const panel = new SourcePanel();
  const out = h('div', { class: 'action-result', role: 'status', 'aria-live': 'polite', 'data-testid': 'action-result' });
  const select = h('select', { id: 'rollback-target', 'aria-describedby': 'rollback-help' });
  const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' });
  let entries: HistoryEntry[] = [];

  const failure = (what: string, body: ReloadFailure | { error: string }): HTMLElement[] => {
    const errors = 'errors' in body ? body.errors : undefined;
    return [
      h('p', null, badge(`${what} failed`, 'bad'), ' ', h('span', { class: 'error' }, (body.error ?? '').split('\n')[0])),
      errors && errors.length > 0 ? errorList(errors, panel) : null,
    ].filter((x): x is HTMLElement => x !== null);
  };

  /** Runs one action with its button disabled; the result goes to `out`. */
  const running = async (button: HTMLButtonElement, label: string, fn: () => Promise<void>): Promise<void> => {
    button.disabled = true;
    panel.el.hidden = true;
    fill(out, h('p', { class: 'muted' }, `${label}…`));
    try {
      await fn();
    } catch (err) {
      fill(out, h('p', { class: 'error' }, (err as Error).message));
    } finally {
      button.disabled = false;
    }
  };

  async function dryRun(button: HTMLButtonElement): Promise<void> {
    await running(button, 'Compiling the policy directory', async () => {
      const r = await post<DryRun | ReloadFailure>('/policy/reload?dry_run=true', undefined, { accept: FAILURE_STATUSES });
      if (r.status !== 200) return fill(out, ...failure('Dry run', r.body as ReloadFailure));
      const d = r.body as DryRun;
      if (!d.would_change) return fill(out, h('p', null, badge('nothing to apply', 'ok'), ' The files on disk are revision ', h('code', null, d.revision), ', which is already serving.'));
      const m = d.modules;
      const summary = h(
        'p',
        null,
        badge('would change', 'warn'),
        ' Reloading would replace ', h('code', null, d.current_revision ?? 'nothing'), ' with ', h('code', null, d.revision),
        `: ${[m.added.length ? `added ${m.added.join(', ')}` : '', m.removed.length ? `removed ${m.removed.join(', ')}` : '', m.changed.length ? `changed ${m.changed.join(', ')}` : ''].filter(Boolean).join('; ')}.`,
      );
      fill(out, summary, h('p', { class: 'muted' }, 'loading the changes…'));
      const [serving, disk] = await Promise.all([
        d.current_revision ? get<{ files: PolicyFile[] }>(`/policy/history/${encodeURIComponent(d.current_revision)}`).then((x) => x.body.files) : Promise.resolve([]),
        get<{ files: PolicyFile[] }>('/policy/files').then((x) => x.body.files),
      ]);
      fill(out, summary, await renderDiff(serving, disk, [`serving ${d.current_revision ?? '(none)'}`, `on disk ${d.revision}`]));
    });
  }

  async function reload(button: HTMLButtonElement): Promise<void> {
    await running(button, 'Reloading', async () => {
      const r = await post<Reloaded | ReloadFailure>('/policy/reload', undefined, { accept: FAILURE_STATUSES });
      if (r.status !== 200) {
        fill(out, ...failure('Reload', r.body as ReloadFailure), h('p', { class: 'muted' }, 'The previous policy keeps serving.'));
      } else {
        const b = r.body as Reloaded;
        fill(
          out,
          h('p', null, badge(b.unchanged ? 'unchanged' : 'reloaded', 'ok'), ' Now serving ', h('code', { 'data-testid': 'reloaded-revision' }, b.revision), b.unchanged ? ' (the files did not change)' : [' (was ', h('code', null, b.previous_revision ?? 'none'), ')'], `, ${b.modules} modules, ${ms(b.duration_ms)}.`),
        );
      }
      app.policyChanged();
    });
  }

  function confirmRollback(): void {
    const target = entries[Number(select.value)];
    const current = entries.find((e) => e.current);
    if (!target) return;
    const go = h('button', { type: 'button', class: 'danger', value: 'confirm' }, `Roll back to ${target.revision}`);
    const cancel = h('button', { type: 'button', value: 'cancel', autofocus: true }, 'Cancel');
    fill(
      dialog,
      h('h3', { id: 'confirm-title' }, 'Roll back the policy?'),
      h('p', null, 'Replace the serving revision ', h('code', { 'data-testid': 'confirm-from' }, current ? entryLabel(current) : '(none)'), ' with revision ', h('code', { 'data-testid': 'confirm-to' }, entryLabel(target)), ` (applied ${new Date(target.applied_at).toLocaleString()}, via ${target.source})?`),
      h('p', { class: 'muted' }, "Its files are written back into the policy directory and reloaded. The files now there are kept in the history first, so nothing is lost."),
      h('div', { class: 'buttons' }, cancel, go),
    );
    cancel.addEventListener('click', () => dialog.close());
    go.addEventListener('click', () => {
      dialog.close();
      void rollback(go, target);
    });
    dialog.showModal();
    cancel.focus();
  }

  async function rollback(button: HTMLButtonElement, target: HistoryEntry): Promise<void> {
    await running(button, `Rolling back to ${target.revision}`, async () => {
      const r = await post<RolledBack | ReloadFailure>('/policy/rollback', { revision: target.full_revision }, { accept: FAILURE_STATUSES });
      if (r.status !== 200) fill(out, ...failure('Rollback', r.body as ReloadFailure));
      else {
        const b = r.body as RolledBack;
        fill(out, h('p', null, badge('rolled back', 'ok'), ' Now serving ', h('code', { 'data-testid': 'rolled-back-revision' }, b.revision), '; the replaced files are kept as revision ', h('code', null, b.replaced_revision), '.'));
      }
      app.policyChanged();
      await loadTargets();
    });
  }

  async function loadTargets(): Promise<void> {
    const handed = handOver.get('actions');
    handOver.delete('actions');
    const wanted = handed ?? entries[Number(select.value)]?.full_revision;
    try {
      const hist = (await get<History>('/policy/history')).body;
      entries = hist.entries;
      showSource(hist.source);
    } catch (err) {
      fill(select);
      fill(out, h('p', { class: 'error' }, (err as Error).message));
      return;
    }
    const seen = new Set<string>();
    fill(
      select,
      entries.map((e, i) => {
        // One option per revision: the latest application of each.
        if (e.current || seen.has(e.full_revision)) return null;
        seen.add(e.full_revision);
        return h('option', { value: i, selected: e.full_revision === wanted }, `${entryLabel(e)} — ${new Date(e.applied_at).toLocaleString()} (${e.source})`);
      }),
    );
    const none = select.options.length === 0;
    select.disabled = none;
    rollbackButton.disabled = none;
    noTarget.hidden = !none;
    if (handed !== undefined) select.focus();
  }

  const dryButton = h('button', { type: 'button', onclick: (ev: Event) => void dryRun(ev.currentTarget as HTMLButtonElement) }, 'Dry run');
  const reloadButton = h('button', { type: 'button', class: 'primary', onclick: (ev: Event) => void reload(ev.currentTarget as HTMLButtonElement) }, 'Reload');
  const rollbackButton = h('button', { type: 'button', class: 'danger', onclick: confirmRollback }, 'Roll back…');
  const noTarget = h('p', { class: 'muted', hidden: true }, 'No other revision has been applied yet.');
  const reloadTitle = h('h3', null, 'Reload the policy directory');
  const reloadHelp = h('p', { class: 'muted' }, 'A dry run compiles the files on disk and shows what a reload would change, applying nothing. A reload applies them if they compile; otherwise the current policy keeps serving.');

  /** A bundle has no directory to dry-run or to roll back into: those are done on the bundle server. */
  function showSource(source: PolicySource | undefined): void {
    const bundle = source?.type === 'bundle';
    dryButton.hidden = bundle;
    rollbackCard().hidden = bundle;
    reloadTitle.textContent = bundle ? `Download bundle ${String(source?.name ?? '')} now` : 'Reload the policy directory';
    reloadHelp.textContent = bundle
      ? 'The policy comes from a bundle server. A reload downloads the bundle now and activates it if it changed; to roll back, publish the earlier revision on the server.'
      : 'A dry run compiles the files on disk and shows what a reload would change, applying nothing. A reload applies them if they compile; otherwise the current policy keeps serving.';
  }
  const rollbackCard = (): HTMLElement => el.querySelector<HTMLElement>('[data-testid=rollback-card]')!;

  fill(
    el,
    h('h2', { id: 'actions-title' }, 'Actions'),
    h(
      'div',
      { class: 'grid' },
      h('div', { class: 'card' }, reloadTitle, reloadHelp, h('div', { class: 'buttons' }, dryButton, reloadButton)),
      h('div', { class: 'card', 'data-testid': 'rollback-card' }, h('h3', null, 'Roll back'), h('label', { for: 'rollback-target' }, 'Revision'), select, noTarget, h('p', { id: 'rollback-help', class: 'muted' }, 'Writes that revision’s files back into the policy directory and reloads them.'), h('div', { class: 'buttons' }, rollbackButton)),
    ),
    out,
    panel.el,
    dialog,
  );

  return {
    id: 'actions',
    title: 'Actions',
    el,
    show: loadTargets,
  };
}
