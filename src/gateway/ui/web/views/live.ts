/**
 * Live: lifecycle events as they stream from `GET /events`, and small charts
 * from `/metrics` (uPlot, loaded on first use): reload attempts by status,
 * decisions per second by domain, latency percentiles.
 */
import type uPlotType from 'uplot';
import type { App, View } from '../app.js';
import type { LifecycleEvent } from '../events.js';
import { bucketDelta, quantile, sumBuckets, type Buckets, type Snapshot } from '../metrics.js';
import { badge, fill, h, ms } from '../dom.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777'];
/** Percentiles over this many seconds of samples. */
const WINDOW_S = 60;

type Series = { label: string; values: (number | null)[] };

function eventLine(e: LifecycleEvent): HTMLElement {
  const d = e.lifecycle.details;
  const bad = ['failed', 'degraded', 'alert'].includes(e.lifecycle.transition);
  const facts = ['source', 'revision', 'previous_revision', 'error'].filter((k) => d[k] !== undefined && d[k] !== null).map((k) => `${k}: ${String(d[k])}`);
  return h(
    'li',
    { 'data-transition': e.lifecycle.transition, 'data-subsystem': e.lifecycle.subsystem },
    h('time', { datetime: e.timestamp }, new Date(e.timestamp).toLocaleTimeString()),
    ' ',
    badge(`${e.lifecycle.subsystem} ${e.lifecycle.transition}`, bad ? 'bad' : e.lifecycle.transition === 'completed' || e.lifecycle.transition === 'ready' ? 'ok' : 'info'),
    ' ',
    h('span', { class: 'small' }, facts.join(' · ')),
  );
}

/** Values per sample: decisions/s between consecutive samples, per domain. */
function rates(snaps: Snapshot[], domains: string[]): Series[] {
  return domains.map((d) => ({
    label: d,
    values: snaps.map((s, i) => {
      const prev = snaps[i - 1];
      if (!prev) return null;
      const dt = s.t - prev.t;
      return dt > 0 ? Math.max(0, ((s.decisions[d] ?? 0) - (prev.decisions[d] ?? 0)) / dt) : null;
    }),
  }));
}

function latencyOf(s: Snapshot, domain: string): Buckets | null {
  if (domain !== '') return s.latency[domain] ?? null;
  return sumBuckets(Object.values(s.latency));
}

/** p50/p90/p99 per sample over the trailing window, for one domain ('' = all). */
function percentiles(snaps: Snapshot[], domain: string): Series[] {
  const qs: [string, number][] = [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]];
  return qs.map(([label, q]) => ({
    label,
    values: snaps.map((s) => {
      const before = snaps.find((x) => x.t >= s.t - WINDOW_S && x !== s);
      if (!before) return null;
      return quantile(q, bucketDelta(latencyOf(s, domain) ?? undefined, latencyOf(before, domain) ?? undefined));
    }),
  }));
}

export function liveView(app: App): View {
  const el = h('section', { class: 'view', 'aria-labelledby': 'live-title' });
  const log = h('ol', { class: 'events', 'aria-live': 'polite', 'data-testid': 'event-log' });
  const state = h('span', { 'data-testid': 'stream-state' });
  const latencyDomain = h('select', { id: 'latency-domain' }, h('option', { value: '' }, 'all domains'));
  const table = h('div', { class: 'table-scroll' });
  const charts = { reloads: h('div', { class: 'chart', 'data-testid': 'chart-reloads' }), rates: h('div', { class: 'chart', 'data-testid': 'chart-rates' }), latency: h('div', { class: 'chart', 'data-testid': 'chart-latency' }) };
  const plots = new Map<string, { plot: uPlotType; key: string }>();
  let uPlot: typeof uPlotType | null = null;
  let visible = false;

  const renderLog = (): void => fill(log, app.events.length === 0 ? h('li', { class: 'muted' }, 'No event yet. Reloads, rollbacks and state changes appear here as they happen.') : app.events.slice(0, 100).map(eventLine));
  const renderState = (): void => fill(state, badge(app.streamState === 'open' ? 'connected' : app.streamState, app.streamState === 'open' ? 'ok' : 'warn'));

  /** Creates the chart, or recreates it when its series changed; then sets its data. */
  function plot(name: keyof typeof charts, title: string, unit: string, t: number[], series: Series[], counts = false): void {
    if (uPlot === null) return;
    const host = charts[name];
    const key = series.map((s) => s.label).join('|');
    let entry = plots.get(name);
    const width = Math.max(260, host.clientWidth || 600);
    if (entry === undefined || entry.key !== key) {
      entry?.plot.destroy();
      const opts: uPlotType.Options = {
        title,
        width,
        height: 180,
        scales: { x: { time: true } },
        // Counts tick at whole numbers.
        axes: [{}, { label: unit, size: 60, ...(counts ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] } : {}) }],
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length]!, width: 2, spanGaps: false }))],
      };
      entry = { plot: new uPlot(opts, [t, ...series.map((s) => s.values)] as uPlotType.AlignedData, host), key };
      plots.set(name, entry);
    } else {
      if (entry.plot.width !== width) entry.plot.setSize({ width, height: 180 });
      entry.plot.setData([t, ...series.map((s) => s.values)] as uPlotType.AlignedData);
    }
  }

  function render(): void {
    if (!visible) return;
    const snaps = app.sampler.snapshots;
    const t = snaps.map((s) => s.t);
    const last = snaps[snaps.length - 1];
    const statuses = [...new Set(['success', 'failed', ...snaps.flatMap((s) => Object.keys(s.reloads))])];
    plot('reloads', 'Reload attempts (total) by status', 'reloads', t, statuses.map((st) => ({ label: st, values: snaps.map((s) => s.reloads[st] ?? 0) })), true);
    const domains = [...new Set(snaps.flatMap((s) => Object.keys(s.decisions)))].sort();
    plot('rates', 'Decisions per second by domain', 'per s', t, domains.length > 0 ? rates(snaps, domains) : [{ label: 'decisions', values: t.map(() => 0) }]);
    const known = new Set([...latencyDomain.options].map((o) => o.value));
    for (const d of domains) if (!known.has(d)) latencyDomain.append(h('option', { value: d }, d));
    plot('latency', `Latency, ${latencyDomain.value || 'all domains'}`, 'ms', t, percentiles(snaps, latencyDomain.value));

    const before = last ? snaps.find((x) => x.t >= last.t - WINDOW_S && x !== last) : undefined;
    const prev = snaps[snaps.length - 2];
    fill(
      table,
      h(
        'table',
        { class: 'domains' },
        h('thead', null, h('tr', null, ['Domain', 'Decisions', 'Per second', 'p50', 'p90', 'p99'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null,
          domains.length === 0
            ? h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No decision yet.'))
            : domains.map((d) => {
                const delta = last && before ? bucketDelta(last.latency[d], before.latency[d]) : null;
                const rate = last && prev && last.t > prev.t ? ((last.decisions[d] ?? 0) - (prev.decisions[d] ?? 0)) / (last.t - prev.t) : null;
                return h('tr', null, h('th', { scope: 'row' }, d), h('td', { class: 'num' }, String(last?.decisions[d] ?? 0)), h('td', { class: 'num' }, rate === null ? '—' : rate.toFixed(1)), [0.5, 0.9, 0.99].map((q) => h('td', { class: 'num' }, ms(quantile(q, delta)))));
              }),
        ),
      ),
    );
  }

  fill(
    el,
    h('h2', { id: 'live-title' }, 'Live'),
    h('div', { class: 'grid charts' }, h('div', { class: 'card' }, charts.reloads), h('div', { class: 'card' }, charts.rates), h('div', { class: 'card' }, h('label', { for: 'latency-domain' }, `Percentiles over ${WINDOW_S} s of`), latencyDomain, charts.latency)),
    h('div', { class: 'card' }, h('h3', null, `Decisions by domain (percentiles over the last ${WINDOW_S} s)`), table),
    h('div', { class: 'card' }, h('h3', null, 'Lifecycle events ', state), log),
  );

  latencyDomain.addEventListener('change', render);
  app.bus.addEventListener('event', renderLog);
  app.bus.addEventListener('stream', renderState);
  app.sampler.onSample(render);
  window.addEventListener('resize', () => render());

  return {
    id: 'live',
    title: 'Live',
    el,
    show: async () => {
      visible = true;
      renderLog();
      renderState();
      uPlot ??= (await import('uplot')).default;
      render();
    },
    hide: () => {
      visible = false;
    },
  };
}
