/**
 * The gateway token for this tab: entered once (or handed over in the URL's
 * fragment by `defenseclaw-gateway ui`), kept in `sessionStorage`, so it is
 * gone when the tab closes and never shared with other tabs or sent anywhere
 * but in request headers to this sidecar.
 */
const KEY = 'defenseclaw.console.token';

export const session = {
  token(): string | null {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  set(token: string): void {
    sessionStorage.setItem(KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};

/**
 * Takes `#token=…` out of the address bar (and the history entry) before
 * anything else runs, and returns it. Other fragments (a view's name) are kept.
 */
export function takeTokenFromFragment(): string | null {
  const hash = location.hash.replace(/^#/, '');
  if (!hash.includes('token=')) return null;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  params.delete('token');
  const rest = params.toString().replace(/=$/, '');
  history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  return token !== null && token.trim() !== '' ? token.trim() : null;
}
