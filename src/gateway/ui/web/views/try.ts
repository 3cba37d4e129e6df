/**
 * Try a decision: pick a domain, edit the request body (starting from an
 * example), and see the decision with the revision that made it (the
 * `X-DefenseClaw-Policy-Revision` header).
 */
import { ApiError, post } from '../api.js';
import type { App, View } from '../app.js';
import { badge, fill, h, ms } from '../dom.js';
import { DOMAINS } from '../examples.js';

export function tryView(app: App): View {
  void app;
  const el = h('section', { class: 'view', 'aria-labelledby': 'try-title' });
  const domain = h('select', { id: 'try-domain' }, Object.keys(DOMAINS).map((d) => h('option', { value: d }, d)));
  const route = h('code', { id: 'try-route' });
  const input = h('textarea', { id: 'try-input', rows: 14, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'try-help' });
  const out = h('div', { class: 'try-result', role: 'status', 'aria-live': 'polite', 'data-testid': 'try-result' });
  const edited = new Map<string, string>();

  const load = (): void => {
    const d = DOMAINS[domain.value]!;
    route.textContent = `POST ${d.path}`;
    input.value = edited.get(domain.value) ?? JSON.stringify(d.example, null, 2);
  };

  async function evaluate(): Promise<void> {
    const d = DOMAINS[domain.value]!;
    let body: unknown;
    try {
      body = JSON.parse(input.value);
    } catch (err) {
      fill(out, h('p', { class: 'error' }, `The input is not valid JSON: ${(err as Error).message}`));
      input.focus();
      return;
    }
    evalButton.disabled = true;
    fill(out, h('p', { class: 'muted' }, 'Evaluating…'));
    try {
      const r = await post<unknown>(d.path, body, { accept: [400, 500, 503] });
      fill(
        out,
        h(
          'p',
          null,
          r.status === 200 ? badge('decision', 'ok') : badge(`HTTP ${r.status}`, 'bad'),
          r.revision ? [' made by revision ', h('code', { 'data-testid': 'decision-revision' }, r.revision)] : ' (no revision: no policy is serving)',
          ` in ${ms(r.ms)} (round trip)`,
        ),
        h('pre', { class: 'json', 'data-testid': 'decision-output' }, JSON.stringify(r.body, null, 2)),
      );
    } catch (err) {
      fill(out, h('p', { class: 'error' }, err instanceof ApiError ? `HTTP ${err.status}: ${err.message}` : (err as Error).message));
    } finally {
      evalButton.disabled = false;
    }
  }

  const evalButton = h('button', { type: 'button', class: 'primary', onclick: () => void evaluate() }, 'Evaluate');
  domain.addEventListener('change', () => (fill(out), load()));
  input.addEventListener('input', () => edited.set(domain.value, input.value));
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      void evaluate();
    }
  });
  const reset = h('button', { type: 'button', onclick: () => (edited.delete(domain.value), load()) }, 'Reset example');
  fill(
    el,
    h('h2', { id: 'try-title' }, 'Try a decision'),
    h('div', { class: 'card' },
      h('div', { class: 'row' }, h('label', { for: 'try-domain' }, 'Domain'), domain, route),
      h('label', { for: 'try-input' }, 'Request body (JSON)'),
      input,
      h('p', { id: 'try-help', class: 'muted small' }, 'Ctrl+Enter evaluates. The decision is made by the serving policy and counted in the metrics like any other.'),
      h('div', { class: 'buttons' }, reset, evalButton),
    ),
    out,
  );
  load();
  return { id: 'try', title: 'Try a decision', el, show: () => undefined };
}
