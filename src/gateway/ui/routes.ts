/**
 * The operator console at `GET /ui`: a static page served by the sidecar
 * itself. The page and its assets need no token (a browser cannot send a
 * header when it navigates, and they hold no secret); everything they show
 * comes from the API, with the token the operator signs in with.
 *
 * Every answer under `/ui` carries a strict Content-Security-Policy (scripts,
 * styles and connections to this origin only, no inline script or style, no
 * framing) and `nosniff`, so a policy file or an error text shown in the page
 * can never run as code, and the page cannot talk to any other host.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors.js';
import { rejectOtherMethods } from '../http/methods.js';
import { ASSET_NAME, ConsoleAssets, type Asset } from './assets.js';

export const CONSOLE_PATH = '/ui';
const ASSET_PREFIX = '/ui/assets/';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Revalidated on every load (an ETag makes that a 304): a rebuilt console is never stale.
  'cache-control': 'no-cache',
};

/** Whether a path is the console's page or one of its assets (public, like `/health`). */
export function isConsolePath(path: string): boolean {
  if (path === CONSOLE_PATH || path === CONSOLE_PATH + '/') return true;
  return path.startsWith(ASSET_PREFIX) && ASSET_NAME.test(path.slice(ASSET_PREFIX.length));
}

export function consoleRoutes(app: FastifyInstance, assets: ConsoleAssets = new ConsoleAssets()): void {
  const send = (req: FastifyRequest, reply: FastifyReply, pick: (built: NonNullable<ReturnType<ConsoleAssets['get']>>) => Asset | undefined): FastifyReply => {
    void reply.headers(SECURITY_HEADERS);
    const built = assets.get();
    if (built === null) throw new HttpError(503, 'the console is not built: run `npm run build`');
    const asset = pick(built);
    if (asset === undefined) throw new HttpError(404, 'not found');
    void reply.header('etag', asset.etag);
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };

  for (const url of [CONSOLE_PATH, CONSOLE_PATH + '/']) {
    app.get(url, async (req, reply) => send(req, reply, (b) => b.index));
    rejectOtherMethods(app, url, ['GET']);
  }
  app.get(ASSET_PREFIX + ':name', async (req, reply) => {
    const name = (req.params as { name: string }).name;
    return send(req, reply, (b) => (ASSET_NAME.test(name) ? b.assets.get(name) : undefined));
  });
  rejectOtherMethods(app, ASSET_PREFIX + ':name', ['GET']);
}
