/**
 * The policy routes of spec 3.3/3.4: admission (`POST /policy/evaluate`), the
 * firewall, audit, skill-actions and sandbox domains, `POST /policy/reload`
 * (and its `?dry_run=true`), `GET /policy/history` and `POST /policy/rollback`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Decision, DecisionResult } from '../../../policy/types.js';
import { HttpError } from '../errors.js';
import { isInteger, isRecord, isString, nonEmptyString, objectBody, optional, type JsonRecord } from '../body.js';
import { requireEngine, sendDecision, withRevision, type GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';
import { exemptFromIdleTimeout } from '../limits.js';
import { rollbackPolicy } from '../../rollback.js';

export function policyRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  /** Runs one evaluation, records its metrics and sends the decision with its revision (and logs it). */
  function decide<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    domain: string,
    input: unknown,
    evaluate: () => DecisionResult<T>,
    verdictOf: (out: T) => string,
    body: (out: T) => unknown = (o) => o,
  ): unknown {
    const started = performance.now();
    const send = (decision: Decision<T>): unknown => {
      ctx.metrics.recordEvaluation(domain, verdictOf(decision.output).toLowerCase(), performance.now() - started);
      sendDecision(ctx, req, reply, { path: `defenseclaw/${domain.replace('-', '_')}`, input, result: decision.output, revision: decision.revision, startedAt: started });
      return body(decision.output);
    };
    const failed = (err: unknown): never => {
      ctx.metrics.recordEvaluation(domain, 'error', performance.now() - started);
      throw err;
    };
    let decision: DecisionResult<T>;
    try {
      decision = evaluate();
    } catch (err) {
      return failed(err);
    }
    // A slow decision finishes in the evaluation pool (see PolicyEngineOptions.offload).
    return decision instanceof Promise ? decision.then(send, failed) : send(decision);
  }

  app.post('/policy/evaluate', async (req, reply) => {
    const body = objectBody(req.body);
    if (body['domain'] !== undefined && body['domain'] !== '' && body['domain'] !== 'admission') {
      throw new HttpError(400, 'unsupported policy domain');
    }
    const input = admissionInput(body['input'], ctx);
    const engine = requireEngine(ctx);
    return decide(
      req,
      reply,
      'admission',
      input,
      () => engine.admission(input),
      (o) => {
        ctx.metrics.recordAdmission(o.verdict, 'api', input.target_type);
        return o.verdict;
      },
      (o) => ({ ok: true, data: o }),
    );
  });

  app.post('/policy/evaluate/firewall', async (req, reply) => {
    const body = objectBody(req.body);
    if (!nonEmptyString(body['destination'])) throw new HttpError(400, 'destination is required');
    const input = {
      target_type: optional(body['target_type'], isString) ?? '',
      destination: body['destination'],
      port: optional(body['port'], isInteger) ?? 0,
      protocol: optional(body['protocol'], isString) ?? '',
    };
    const engine = requireEngine(ctx);
    return decide(req, reply, 'firewall', input, () => engine.firewall(input), (o) => o.action);
  });

  app.post('/policy/evaluate/audit', async (req, reply) => {
    const body = objectBody(req.body);
    const engine = requireEngine(ctx);
    return decide(req, reply, 'audit', body, () => engine.audit(body), (o) => (o.retain ? 'retain' : 'expire'));
  });

  app.post('/policy/evaluate/skill-actions', async (req, reply) => {
    const body = objectBody(req.body);
    if (!nonEmptyString(body['severity'])) throw new HttpError(400, 'severity is required');
    const engine = requireEngine(ctx);
    return decide(req, reply, 'skill-actions', body, () => engine.skillActions(body), (o) => (o.should_block ? 'block' : o.runtime_action));
  });

  app.post('/policy/evaluate/sandbox', async (req, reply) => {
    const body = objectBody(req.body);
    const engine = requireEngine(ctx);
    return decide(req, reply, 'sandbox', body, () => engine.sandbox(body), (o) => (o.denied_from_request.length > 0 ? 'deny' : 'allow'));
  });

  app.post('/policy/reload', async (req, reply) => {
    // A large policy set (or a bundle download) may compile longer than the idle timeout allows a silent connection.
    exemptFromIdleTimeout(reply);
    const bundles = ctx.bundles;
    if (bundles) {
      // The policy is the bundle's: a reload downloads it now (and activates it if it changed).
      if (dryRunRequested(req.query)) throw new HttpError(409, `the policy comes from bundle ${JSON.stringify(bundles.name)}; a dry run applies to a policy directory`);
      const result = await bundles.trigger();
      const revision = result.ok ? result.body['revision'] : undefined;
      if (typeof revision === 'string') withRevision(reply, revision);
      return reply.code(result.httpStatus).send(result.body);
    }
    if (dryRunRequested(req.query)) {
      const dry = await ctx.reloader.dryRun();
      return reply.code(dry.httpStatus).send(dry.body);
    }
    const result = await ctx.reloader.reload('api');
    if (result.ok) withRevision(reply, result.body.revision);
    return reply.code(result.httpStatus).send(result.body);
  });

  app.get('/policy/history', async () => {
    requireEngine(ctx);
    const current = ctx.engine?.current()?.fullRevision ?? null;
    // Newest first; the current one is the latest application of the serving revision.
    const entries = ctx.history.entries().reverse();
    const currentIndex = entries.findIndex((e) => e.full_revision === current);
    return {
      current_revision: current === null ? null : (ctx.engine?.current()?.revision ?? current.slice(0, 12)),
      source: policySource(ctx),
      limit: ctx.history.limit,
      entries: entries.map((e, i) => ({ ...e, current: i === currentIndex })),
    };
  });
  rejectOtherMethods(app, '/policy/history', ['GET']);

  app.post('/policy/rollback', async (req, reply) => {
    exemptFromIdleTimeout(reply);
    const body = objectBody(req.body);
    const revision = body['revision'];
    if (ctx.bundles) {
      throw new HttpError(
        409,
        `the policy comes from bundle ${JSON.stringify(ctx.bundles.name)} (${ctx.bundles.url}); roll back on the bundle server by publishing the earlier revision`,
      );
    }
    if (!nonEmptyString(revision) || !/^[0-9a-f]{4,64}$/.test(revision.trim())) {
      throw new HttpError(400, 'revision is required (hex digits, as listed by GET /policy/history)');
    }
    requireEngine(ctx);
    const result = await rollbackPolicy(
      { engine: ctx.engine, history: ctx.history, reloader: ctx.reloader, audit: ctx.store, metrics: ctx.metrics, logger: ctx.logger },
      revision.trim(),
    );
    if (result.ok) withRevision(reply, result.body.revision);
    return reply.code(result.httpStatus).send(result.body);
  });

  for (const url of ['/policy/evaluate', '/policy/evaluate/firewall', '/policy/evaluate/audit', '/policy/evaluate/skill-actions', '/policy/evaluate/sandbox', '/policy/reload', '/policy/rollback']) {
    rejectOtherMethods(app, url, ['POST']);
  }
}

/** Where the serving policy comes from: the directory, or the bundle (name, revision, download state). */
export function policySource(ctx: GatewayContext): Record<string, unknown> {
  return ctx.bundles ? ctx.bundles.describe() : { type: 'directory', policy_dir: ctx.policyDir };
}

/** `?dry_run=true` (or `1`); any other value is a 400 rather than a silent real reload. */
function dryRunRequested(query: unknown): boolean {
  const v = isRecord(query) ? query['dry_run'] : undefined;
  if (v === undefined) return false;
  if (v === 'true' || v === '1' || v === '') return true;
  if (v === 'false' || v === '0') return false;
  throw new HttpError(400, 'dry_run must be true or false');
}

interface AdmissionRequestInput {
  target_type: string;
  target_name: string;
  path: string;
  block_list: unknown[];
  allow_list: unknown[];
  scan_result?: JsonRecord;
}

/**
 * Builds admission's input from the request: only the documented fields are
 * taken, and the block/allow lists always come from the store (a caller cannot
 * allow itself in).
 */
function admissionInput(raw: unknown, ctx: GatewayContext): AdmissionRequestInput {
  if (!isRecord(raw) || !nonEmptyString(raw['target_type']) || !nonEmptyString(raw['target_name'])) {
    throw new HttpError(400, 'input.target_type and input.target_name are required');
  }
  const lists = ctx.store.admissionLists();
  const input: AdmissionRequestInput = {
    // Normalised as the block/allow entries are stored, so `" x "` or `MCP` cannot step around a list entry.
    target_type: raw['target_type'].trim().toLowerCase(),
    target_name: raw['target_name'].trim(),
    path: optional(raw['path'], isString) ?? '',
    block_list: lists.block,
    allow_list: lists.allow,
  };
  const scan = optional(raw['scan_result'], isRecord);
  if (scan !== undefined) {
    const out: JsonRecord = {
      max_severity: optional(scan['max_severity'], isString) ?? '',
      total_findings: optional(scan['total_findings'], isInteger) ?? 0,
    };
    const exitCode = optional(scan['exit_code'], isInteger);
    if (exitCode !== undefined) out['exit_code'] = exitCode;
    const scanError = optional(scan['scan_error'], isString);
    if (scanError !== undefined) out['scan_error'] = scanError;
    input.scan_result = out;
  }
  return input;
}
