/**
 * OPA's Data API: `POST /v1/data/{path}` with `{"input": …}` and `GET
 * /v1/data/{path}` answer `{"result": …}`, without `result` when the document
 * is undefined.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toJSONText, type Value } from '../../../rego/value.js';
import { HttpError } from '../errors.js';
import { isRecord } from '../body.js';
import { requireEngine, sendDecision, type GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';
import { pathOf } from '../security.js';

function dataPath(req: FastifyRequest): string[] {
  const rest = pathOf(req.url).slice('/v1/data'.length);
  try {
    return rest.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'invalid data path');
  }
}

export function dataRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const answer = async (req: FastifyRequest, reply: FastifyReply, input: unknown): Promise<FastifyReply> => {
    const engine = requireEngine(ctx);
    const started = performance.now();
    const path = dataPath(req);
    const pending = engine.query(path, input);
    const decision = pending instanceof Promise ? await pending : pending;
    const id = sendDecision(ctx, req, reply, { path: path.join('/'), input, result: decision.output, revision: decision.revision, startedAt: started });
    // With decision logs on, OPA's answer carries the decision_id too.
    const head = id === undefined ? '' : `"decision_id":"${id}"`;
    const result = decision.output === undefined ? '' : `"result":${toJSONText(decision.output as Value)}`;
    const text = '{' + head + (head && result ? ',' : '') + result + '}';
    return reply.type('application/json; charset=utf-8').send(text);
  };

  for (const url of ['/v1/data', '/v1/data/*']) {
    app.get(url, async (req, reply) => answer(req, reply, undefined));
    app.post(url, async (req, reply) => {
      if (req.body === undefined) return answer(req, reply, undefined);
      if (!isRecord(req.body)) throw new HttpError(400, 'invalid JSON body');
      return answer(req, reply, req.body['input']);
    });
    rejectOtherMethods(app, url, ['GET', 'POST']);
  }
}
