/**
 * Read-only views of the policy for operators (the console, scripts): the
 * last reload attempts with their errors (`GET /policy/reloads`), the files of
 * an applied revision (`GET /policy/history/{revision}`, for diffs) and the
 * policy files now on disk (`GET /policy/files`: what the next reload would
 * read, for the source behind an error and a dry run's diff). Token required
 * like every route but `/health`.
 */
import type { FastifyInstance } from 'fastify';
import { readPolicyFiles, resolveRegoDir } from '../../../policy/directory.js';
import { UnknownRevisionError } from '../../../policy/history.js';
import { computeRevision, shortRevision } from '../../../policy/snapshot.js';
import { HttpError } from '../errors.js';
import { isRecord } from '../body.js';
import { requireEngine, type GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';

export function policyInspectRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/policy/reloads', async () => ({
    current_revision: ctx.engine?.current()?.revision ?? null,
    failed_since_success: ctx.reloader.attempts.failedSinceSuccess(),
    attempts: ctx.reloader.attempts.list(),
  }));
  rejectOtherMethods(app, '/policy/reloads', ['GET']);

  app.get('/policy/history/:revision', async (req) => {
    const revision = isRecord(req.params) ? req.params['revision'] : undefined;
    if (typeof revision !== 'string' || !/^[0-9a-f]{4,64}$/.test(revision)) {
      throw new HttpError(400, 'revision must be 4 to 64 lower-case hex digits, as listed by GET /policy/history');
    }
    requireEngine(ctx);
    const bundled = ctx.history.entries().find((e) => e.bundle !== undefined && e.full_revision.startsWith(revision));
    if (bundled?.bundle) {
      throw new HttpError(409, `revision ${bundled.revision} came from bundle ${JSON.stringify(bundled.bundle.name)}: its files are kept by the bundle server, not in the history`);
    }
    try {
      const { fullRevision, files } = ctx.history.files(revision);
      const entry = ctx.history.entries().findLast((e) => e.full_revision === fullRevision);
      return { revision: entry?.revision ?? shortRevision(fullRevision), full_revision: fullRevision, applied: entry !== undefined, files };
    } catch (err) {
      if (err instanceof UnknownRevisionError) throw new HttpError(404, err.message);
      throw err;
    }
  });
  rejectOtherMethods(app, '/policy/history/:revision', ['GET']);

  app.get('/policy/files', async () => {
    const engine = requireEngine(ctx);
    if (ctx.bundles) throw new HttpError(409, `the policy comes from bundle ${JSON.stringify(ctx.bundles.name)}: there is no policy directory to read`);
    const regoDir = engine.current()?.regoDir ?? resolveRegoDir(engine.policyDir);
    let files;
    try {
      files = readPolicyFiles(regoDir, engine.policyDir);
    } catch (err) {
      throw new HttpError(500, `cannot read the policy directory: ${(err as Error).message}`);
    }
    const full = computeRevision(files);
    return { rego_dir: regoDir, revision: shortRevision(full), full_revision: full, files };
  });
  rejectOtherMethods(app, '/policy/files', ['GET']);
}
