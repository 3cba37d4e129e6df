/**
 * `POST /v1/guardrail/evaluate`: the guardrail verdict for scanner results the
 * caller already has (spec 3.4). Policy failures give the engine's fail-closed
 * outage verdict, never a 5xx; an output outside the vocabulary is a 503.
 *
 * `POST /v1/guardrail/inspect`: the LLM judge (through its verdict cache) looks
 * at the content, and the guardrail policy decides on its verdict as the local
 * scanner result. A judge that fails fails closed like a policy outage.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GuardrailOutput } from '../../../policy/types.js';
import type { InspectDirection, JudgeOutcome } from '../../../judge/inspect.js';
import { HttpError } from '../errors.js';
import { isBoolean, isInteger, isRecord, isString, isStringArray, nonEmptyString, objectBody, optional, type JsonRecord } from '../body.js';
import { requireEngine, sendDecision, type GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';
import { exemptFromIdleTimeout } from '../limits.js';

const DIRECTIONS = new Set(['prompt', 'completion']);
const INSPECT_DIRECTIONS = new Set(['prompt', 'completion', 'tool_call']);
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
    const pending = engine.guardrail(input);
    const decision = pending instanceof Promise ? await pending : pending;
    return sendVerdict(req, reply, ctx, input, decision.output, decision.revision, started);
  });
  rejectOtherMethods(app, '/v1/guardrail/evaluate', ['POST']);

  app.post('/v1/guardrail/inspect', async (req, reply) => {
    // The judge's own deadline (`guardrail.judge.timeout_ms`) bounds this request, not the idle timeout.
    exemptFromIdleTimeout(reply);
    const request = inspectRequest(objectBody(req.body), ctx);
    const engine = requireEngine(ctx);
    const started = performance.now();
    const judged = await judge(ctx, request);
    const judgeReport: JsonRecord = { consulted: judged.consulted, cached: judged.consulted && !judged.failed && judged.cacheHits === judged.kinds };
    let verdict: GuardrailOutput;
    let revision: string;
    let input: JsonRecord | null = null;
    if (judged.consulted && judged.failed) {
      judgeReport['error'] = judged.error;
      verdict = judgeOutageVerdict(request.mode, judged.error);
      revision = engine.current()?.revision ?? '';
    } else {
      input = {
        // The guardrail policy knows prompts and completions; a tool call is model output.
        direction: request.direction === 'tool_call' ? 'completion' : request.direction,
        model: request.model,
        mode: request.mode,
        scanner_mode: 'local',
        local_result: judged.consulted ? (judged.verdict as unknown as JsonRecord) : null,
        cisco_result: null,
        content_length: Buffer.byteLength(request.content, 'utf8'),
        hilt: ctx.hilt,
      };
      const decision = await engine.guardrail(input);
      verdict = decision.output;
      revision = decision.revision;
    }
    const out = sendVerdict(req, reply, ctx, input, verdict, revision, started);
    return { ...out, evaluation_id: randomUUID(), judge: judgeReport };
  });
  rejectOtherMethods(app, '/v1/guardrail/inspect', ['POST']);
}

/** Checks the output's vocabulary, records the evaluation, sets the revision header and logs the decision. */
function sendVerdict(req: FastifyRequest, reply: FastifyReply, ctx: GatewayContext, input: unknown, out: GuardrailOutput, revision: string, started: number): GuardrailOutput {
  if (!ACTIONS.has(out.action) || !SEVERITIES.has(out.severity)) throw new HttpError(503, 'guardrail output is invalid');
  ctx.metrics.recordEvaluation('guardrail', out.action, performance.now() - started);
  sendDecision(ctx, req, reply, { path: 'defenseclaw/guardrail', input: input ?? undefined, result: out, revision, startedAt: started });
  return out;
}

/**
 * The guardrail domain's fail-closed verdict, attributed to the judge: block in
 * action mode, alert in observe mode (observe never blocks), always HIGH.
 */
export function judgeOutageVerdict(mode: 'observe' | 'action', why: string): GuardrailOutput {
  return {
    action: mode === 'observe' ? 'alert' : 'block',
    severity: 'HIGH',
    reason: `guardrail failing closed: llm judge failed: ${why}`,
    scanner_sources: ['llm-judge-outage'],
  };
}

/** Any failure to get a verdict (not only the client's `JudgeError`) is a judge failure: fail closed, never a 5xx. */
async function judge(ctx: GatewayContext, request: InspectInput): Promise<JudgeOutcome> {
  try {
    const { direction, content, model, tool_name } = request;
    return await ctx.inspector.run({ direction, content, ...(model !== '' ? { model } : {}), ...(tool_name !== undefined ? { tool_name } : {}) });
  } catch (err) {
    ctx.logger.error({ err }, 'llm judge failed unexpectedly');
    return { consulted: true, failed: true, error: `unexpected error: ${(err as Error).message}` };
  }
}

interface InspectInput {
  direction: InspectDirection;
  content: string;
  model: string;
  mode: 'observe' | 'action';
  tool_name?: string;
}

function inspectRequest(body: JsonRecord, ctx: GatewayContext): InspectInput {
  if (!nonEmptyString(body['direction']) || typeof body['content'] !== 'string') {
    throw new HttpError(400, 'direction and content are required');
  }
  const direction = body['direction'].trim().toLowerCase();
  if (!INSPECT_DIRECTIONS.has(direction)) throw new HttpError(400, 'direction must be prompt, completion or tool_call');
  const mode = (optional(body['mode'], isString) ?? '').trim().toLowerCase() || ctx.guardrailMode;
  if (!MODES.has(mode)) throw new HttpError(400, 'mode must be observe or action');
  const model = (optional(body['model'], isString) ?? '').trim();
  if (model !== '' && !STABLE_ID.test(model)) throw new HttpError(400, 'model must be a stable identifier');
  const toolName = (optional(body['tool_name'], isString) ?? '').trim();
  if (toolName !== '' && !STABLE_ID.test(toolName)) throw new HttpError(400, 'tool_name must be a stable identifier');
  if (direction === 'tool_call' && toolName === '') throw new HttpError(400, 'tool_name is required for direction tool_call');
  const input: InspectInput = { direction: direction as InspectDirection, content: body['content'], model, mode: mode as 'observe' | 'action' };
  if (toolName !== '') input.tool_name = toolName;
  return input;
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
