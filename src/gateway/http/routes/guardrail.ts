/**
 * `POST /v1/guardrail/evaluate`: the guardrail verdict for scanner results the
 * caller already has (spec 3.4). Policy failures give the engine's fail-closed
 * outage verdict, never a 5xx; an output outside the vocabulary is a 503.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { isBoolean, isInteger, isRecord, isString, isStringArray, nonEmptyString, objectBody, optional, type JsonRecord } from '../body.js';
import { requireEngine, withRevision, type GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';

const DIRECTIONS = new Set(['prompt', 'completion']);
const MODES = new Set(['observe', 'action']);
const SCANNER_MODES = new Set(['', 'local', 'remote', 'both']);
const ACTIONS = new Set(['allow', 'alert', 'block', 'confirm', 'deny', 'redact']);
const SEVERITIES = new Set(['NONE', 'INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
/** Identifiers safe to log and label with: no spaces or control characters, bounded length. */
const STABLE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$/;

export function guardrailRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/v1/guardrail/evaluate', async (req, reply) => {
    const input = guardrailInput(objectBody(req.body), ctx);
    const engine = requireEngine(ctx);
    const started = performance.now();
    const decision = engine.guardrail(input);
    const out = decision.output;
    if (!ACTIONS.has(out.action) || !SEVERITIES.has(out.severity)) throw new HttpError(503, 'guardrail output is invalid');
    ctx.metrics.recordEvaluation('guardrail', out.action, performance.now() - started);
    withRevision(reply, decision.revision);
    return out;
  });
  rejectOtherMethods(app, '/v1/guardrail/evaluate', ['POST']);
}

function guardrailInput(body: JsonRecord, ctx: GatewayContext): JsonRecord {
  if (!nonEmptyString(body['evaluation_id']) || !nonEmptyString(body['direction']) || !nonEmptyString(body['mode'])) {
    throw new HttpError(400, 'evaluation_id, direction and mode are required');
  }
  const evaluationId = body['evaluation_id'].trim();
  if (!STABLE_ID.test(evaluationId)) throw new HttpError(400, 'evaluation_id must be a stable identifier');
  const direction = body['direction'].trim().toLowerCase();
  if (!DIRECTIONS.has(direction)) throw new HttpError(400, 'direction must be prompt or completion');
  const mode = body['mode'].trim().toLowerCase();
  if (!MODES.has(mode)) throw new HttpError(400, 'mode must be observe or action');
  const scannerMode = (optional(body['scanner_mode'], isString) ?? '').trim().toLowerCase();
  if (!SCANNER_MODES.has(scannerMode)) throw new HttpError(400, 'scanner_mode must be local, remote or both');
  const model = (optional(body['model'], isString) ?? '').trim();
  if (model !== '' && !STABLE_ID.test(model)) throw new HttpError(400, 'model must be a stable identifier');
  const contentLength = optional(body['content_length'], isInteger) ?? 0;
  if (contentLength < 0) throw new HttpError(400, 'content_length must be >= 0');
  const elapsed = body['elapsed_ms'];
  if (elapsed !== undefined && elapsed !== null && (typeof elapsed !== 'number' || !Number.isFinite(elapsed) || elapsed < 0)) {
    throw new HttpError(400, 'elapsed_ms must be a finite number >= 0');
  }
  return {
    direction,
    model,
    mode,
    scanner_mode: scannerMode,
    local_result: scannerResult(body['local_result'], 'local_result'),
    cisco_result: scannerResult(body['cisco_result'], 'cisco_result'),
    content_length: contentLength,
    // From the sidecar's config, never from the caller.
    hilt: ctx.hilt,
  };
}

function scannerResult(v: unknown, name: string): JsonRecord | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) throw new HttpError(400, `${name} must be an object`);
  const out: JsonRecord = {
    action: optional(v['action'], isString) ?? '',
    severity: optional(v['severity'], isString) ?? '',
    findings: optional(v['findings'], isStringArray) ?? [],
    reason: optional(v['reason'], isString) ?? '',
  };
  const isSafe = optional(v['is_safe'], isBoolean);
  if (isSafe !== undefined) out['is_safe'] = isSafe;
  return out;
}
