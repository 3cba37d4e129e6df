/**
 * Overview: the serving revision, since when, from where (a directory or a
 * bundle), how many modules; the last reload attempt with its result, its
 * duration and every error linked to its line; failed attempts since the last
 * success.
 */
import { get, type Health, type PolicySource, type ReloadAttempt, type Reloads } from '../api.js';
import type { App, View } from '../app.js';
import { ago, badge, fill, field, h, ms, time, type Child } from '../dom.js';
import { errorList, SourcePanel } from '../source-view.js';

export function sourceOf(health: Health): PolicySource {
  return health.policy.source ?? { type: 'directory', policy_dir: health.policy.policy_dir ?? '' };
}

/** A policy source in a few words: the directory's path, or the bundle's name and revision. */
export function describeSource(src: PolicySource): Child[] {
  if (src.type === 'bundle') {
    return [badge('bundle'), ' ', h('strong', null, String(src.name ?? '')), src.revision ? [' revision ', h('code', null, String(src.revision))] : null, src.url ? h('div', { class: 'muted small' }, String(src.url)) : null];
  }
  if (src.type === 'directory') return [badge('directory'), ' ', h('code', null, String(src.policy_dir ?? ''))];
  return [badge(src.type), ' ', Object.entries(src).filter(([k]) => k !== 'type').map(([k, v]) => `${k}: ${String(v)}`).join(', ')];
}

function attemptSummary(a: ReloadAttempt): Child[] {
  const ok = a.status === 'success';
  return [
    badge(ok ? (a.unchanged ? 'unchanged' : 'succeeded') : 'failed', ok ? 'ok' : 'bad'),
    ' via ', h('strong', null, a.source), ', ', time(a.at), ` (${ago(a.at)}), took ${ms(a.duration_ms)}`,
    ok && a.revision ? [', now serving ', h('code', null, a.revision)] : null,
    !ok && a.revision ? [', still serving ', h('code', null, a.revision)] : null,
  ];
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0] ?? '';
}

export function overviewView(app: App): View {
  const el = h('section', { class: 'view', 'aria-labelledby': 'overview-title' });
  const panel = new SourcePanel();
  void app;

  async function show(): Promise<void> {
    // Shown again after a change: a file opened before may no longer be what is on disk.
    panel.el.hidden = true;
    let health: Health;
    let reloads: Reloads;
    try {
      [health, reloads] = await Promise.all([get<Health>('/health').then((r) => r.body), get<Reloads>('/policy/reloads').then((r) => r.body)]);
    } catch (err) {
      fill(el, h('h2', { id: 'overview-title' }, 'Overview'), h('p', { class: 'error' }, (err as Error).message));
      return;
    }
    const p = health.policy;
    const serving = h(
      'div',
      { class: 'card' },
      h('h3', null, 'Serving policy'),
      h(
        'dl',
        { class: 'facts' },
        field('Revision', p.revision ? h('code', { class: 'revision', 'data-testid': 'serving-revision' }, p.revision) : badge('none loaded', 'bad')),
        field('Loaded', time(p.loaded_at), ' ', h('span', { class: 'muted' }, `(${ago(p.loaded_at)})`)),
        field('Source', ...describeSource(sourceOf(health))),
        field('Modules', String(p.modules)),
        field('Sidecar', badge(health.status, health.status === 'ok' ? 'ok' : 'warn'), ` version ${health.version}, up ${ago(health.started_at).replace(' ago', '')}`),
        p.missing_domains && p.missing_domains.length > 0 ? field('Undefined domains', badge(p.missing_domains.join(', '), 'warn'), ' answer their fail-closed default') : null,
        // With a policy serving, the last failure is the last reload attempt's (below).
        p.error && !p.revision ? field('Load error', h('span', { class: 'error' }, p.error)) : null,
      ),
    );

    const last = reloads.attempts[0];
    const lastCard = h(
      'div',
      { class: 'card', 'data-testid': 'last-reload' },
      h('h3', null, 'Last reload attempt'),
      last === undefined
        ? h('p', { class: 'muted' }, 'No reload since the sidecar started.')
        : [
            h('p', null, ...attemptSummary(last)),
            last.status === 'failed' ? (last.errors && last.errors.length > 0 ? errorList(last.errors, panel) : h('p', { class: 'error' }, firstLine(last.error))) : null,
          ],
    );

    const failed = reloads.attempts.slice(0, reloads.failed_since_success);
    const failedCard = h(
      'div',
      { class: 'card', 'data-testid': 'failed-since' },
      h('h3', null, `Failed attempts since the last success (${reloads.failed_since_success})`),
      failed.length === 0
        ? h('p', { class: 'muted' }, 'None.')
        : h(
            'ol',
            { class: 'attempts' },
            failed.map((a) =>
              h('li', null, time(a.at), ` via ${a.source}: `, h('span', { class: 'error' }, firstLine(a.error)), a.errors && a.errors.length > 0 ? h('details', null, h('summary', null, `${a.errors.length} error${a.errors.length === 1 ? '' : 's'}`), errorList(a.errors, panel)) : null),
            ),
          ),
    );
    fill(el, h('h2', { id: 'overview-title' }, 'Overview'), h('div', { class: 'grid' }, serving, lastCard, failedCard), panel.el);
    // For the load-time measure: the first moment the page shows the serving policy.
    if (performance.getEntriesByName('console-ready').length === 0) performance.mark('console-ready');
  }

  return { id: 'overview', title: 'Overview', el, show };
}
