/**
 * The console's shell: sign-in, then the header, the tabs and the views.
 *
 * Until a token has been accepted, the page shows only the sign-in form and
 * calls nothing; the one call it makes to check a token is the sign-in check.
 * A token handed over in the fragment (`#token=…`) is removed from the address
 * bar before anything else runs.
 */
import { ApiError, call, get, unauthorized, type Health } from './api.js';
import { handOver, type App, type View } from './app.js';
import { badge, fill, h } from './dom.js';
import { EventStream, type LifecycleEvent, type StreamState } from './events.js';
import { MetricsSampler } from './metrics.js';
import { session, takeTokenFromFragment } from './session.js';
import { actionsView } from './views/actions.js';
import { historyView } from './views/history.js';
import { liveView } from './views/live.js';
import { overviewView } from './views/overview.js';
import { tryView } from './views/try.js';

const root = document.getElementById('app')!;
const MAX_EVENTS = 200;

/** The sign-in check: one authenticated call. */
async function check(token: string): Promise<'ok' | 'refused' | string> {
  try {
    await call('GET', '/policy/reloads', undefined, { token });
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return 'refused';
    return err instanceof ApiError && err.status === 0 ? 'Cannot reach the sidecar. Is it running?' : `The sidecar answered: ${(err as Error).message}`;
  }
}

function signIn(message?: string): void {
  document.title = 'Sign in · DefenseClaw console';
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'signin-help' });
  const status = h('p', { class: 'error', role: 'alert', 'data-testid': 'signin-error' }, message ?? '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'DefenseClaw console'),
    h('label', { for: 'token' }, 'Gateway token'),
    input,
    h('p', { id: 'signin-help', class: 'muted small' }, 'Run ', h('code', null, 'defenseclaw-gateway ui'), ' for a link that signs you in, or paste the token from ', h('code', null, 'DEFENSECLAW_GATEWAY_TOKEN'), ' (', h('code', null, '~/.defenseclaw/.env'), '). It is kept in this tab only.'),
    button,
    status,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (token === '') return;
    button.disabled = true;
    void check(token).then((r) => {
      button.disabled = false;
      if (r === 'ok') {
        session.set(token);
        start();
      } else {
        status.textContent = r === 'refused' ? 'The sidecar did not accept this token.' : r;
        input.select();
      }
    });
  });
  fill(root, h('main', { class: 'signin-page' }, form));
  input.focus();
}

function start(): void {
  const bus = new EventTarget();
  const sampler = new MetricsSampler(async () => (await get<string>('/metrics')).body);
  const app: App = {
    bus,
    sampler,
    events: [],
    streamState: 'connecting',
    go: (id, arg) => {
      if (arg !== undefined) handOver.set(id, arg);
      select(id, true);
    },
    policyChanged: () => refreshSoon(),
  };
  const views: View[] = [overviewView(app), historyView(app), actionsView(app), liveView(app), tryView(app)];
  let current: View = views[0]!;

  const chip = h('span', { class: 'chip', 'data-testid': 'header-revision' });
  const streamDot = h('span', { class: 'dot', title: 'event stream' });
  const stream = new EventStream(
    () => session.token(),
    (event: LifecycleEvent) => {
      app.events.unshift(event);
      if (app.events.length > MAX_EVENTS) app.events.length = MAX_EVENTS;
      bus.dispatchEvent(new Event('event'));
      if (event.lifecycle.subsystem === 'policy' || event.lifecycle.subsystem === 'bundle') refreshSoon();
    },
    (state: StreamState) => {
      app.streamState = state;
      streamDot.className = `dot ${state}`;
      streamDot.title = `event stream: ${state}`;
      bus.dispatchEvent(new Event('stream'));
    },
    () => signOut('The sidecar no longer accepts this token. Sign in again.'),
  );

  const tabs = views.map((v) =>
    h('button', { type: 'button', role: 'tab', id: `tab-${v.id}`, 'aria-controls': `view-${v.id}`, 'aria-selected': 'false', tabindex: '-1', onclick: () => select(v.id, true) }, v.title),
  );
  const tablist = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Console views' }, tabs);
  tablist.addEventListener('keydown', (ev) => {
    const i = views.indexOf(current);
    const next = ev.key === 'ArrowRight' ? (i + 1) % views.length : ev.key === 'ArrowLeft' ? (i - 1 + views.length) % views.length : ev.key === 'Home' ? 0 : ev.key === 'End' ? views.length - 1 : -1;
    if (next === -1) return;
    ev.preventDefault();
    select(views[next]!.id, true);
    tabs[next]!.focus();
  });
  for (const v of views) {
    v.el.id = `view-${v.id}`;
    v.el.setAttribute('role', 'tabpanel');
    v.el.setAttribute('aria-labelledby', `tab-${v.id}`);
    v.el.hidden = true;
  }

  function select(id: string, updateHash: boolean): void {
    const v = views.find((x) => x.id === id) ?? views[0]!;
    if (v !== current) current.hide?.();
    current = v;
    views.forEach((x, i) => {
      x.el.hidden = x !== v;
      tabs[i]!.setAttribute('aria-selected', String(x === v));
      tabs[i]!.tabIndex = x === v ? 0 : -1;
    });
    document.title = `${v.title} · DefenseClaw console`;
    if (updateHash && location.hash !== `#${v.id}`) history.replaceState(null, '', `#${v.id}`);
    void v.show();
  }

  async function refreshHeader(): Promise<void> {
    try {
      const health = (await get<Health>('/health')).body;
      fill(chip, 'serving ', health.policy.revision ? h('code', null, health.policy.revision) : badge('no policy', 'bad'));
    } catch {
      fill(chip, badge('sidecar unreachable', 'bad'));
    }
  }

  let pending: number | null = null;
  function refreshSoon(): void {
    if (pending !== null) return;
    pending = window.setTimeout(() => {
      pending = null;
      void refreshHeader();
      void current.show();
    }, 150);
  }

  function signOut(message?: string): void {
    current.hide?.();
    stream.stop();
    sampler.stop();
    unauthorized.removeEventListener('unauthorized', onUnauthorized);
    window.removeEventListener('hashchange', onHash);
    session.clear();
    history.replaceState(null, '', location.pathname);
    signIn(message);
  }
  const onUnauthorized = (): void => signOut('The sidecar no longer accepts this token. Sign in again.');
  const onHash = (): void => select(location.hash.slice(1), false);
  unauthorized.addEventListener('unauthorized', onUnauthorized);
  window.addEventListener('hashchange', onHash);

  const skip = h('a', { href: '#main', class: 'skip' }, 'Skip to content');
  skip.addEventListener('click', (ev) => (ev.preventDefault(), document.getElementById('main')?.focus()));
  fill(
    root,
    skip,
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, h('img', { src: '/ui/assets/icon.svg', alt: '', width: 22, height: 22 }), ' DefenseClaw'),
      chip,
      h('span', { class: 'spacer' }),
      streamDot,
      h('button', { type: 'button', class: 'link', onclick: () => signOut() }, 'Sign out'),
    ),
    tablist,
    h('main', { id: 'main', tabindex: '-1' }, views.map((v) => v.el)),
  );
  void refreshHeader();
  stream.start();
  sampler.start();
  select(location.hash.slice(1), false);
}

async function boot(): Promise<void> {
  const handed = takeTokenFromFragment();
  const token = handed ?? session.token();
  if (token === null) return signIn();
  const r = await check(token);
  if (r === 'ok') {
    session.set(token);
    return start();
  }
  session.clear();
  signIn(r === 'refused' ? (handed ? 'The sidecar did not accept the token in the link.' : 'Your session has ended. Sign in again.') : r);
}

void boot();
