/**
 * The operator's block/allow entries (spec 3.3): stored in SQLite and fed into
 * admission's `block_list`/`allow_list`.
 */
import type { FastifyInstance } from 'fastify';
import type { ListEntry } from '../../../policy/types.js';
import { HttpError } from '../errors.js';
import { isString, nonEmptyString, objectBody, optional } from '../body.js';
import type { GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';

const TARGET_TYPES = new Set(['skill', 'mcp', 'plugin']);

function entryFrom(body: unknown): Required<ListEntry> {
  const b = objectBody(body);
  if (!nonEmptyString(b['target_type']) || !nonEmptyString(b['target_name'])) {
    throw new HttpError(400, 'target_type and target_name are required');
  }
  const targetType = b['target_type'].trim();
  if (!TARGET_TYPES.has(targetType)) throw new HttpError(400, 'target_type must be one of skill, mcp, plugin');
  return { target_type: targetType, target_name: b['target_name'].trim(), reason: optional(b['reason'], isString) ?? '' };
}

export function enforceRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/enforce/block', async (req) => {
    ctx.store.setListEntry('block', entryFrom(req.body));
    return { status: 'blocked' };
  });
  app.delete('/enforce/block', async (req) => {
    ctx.store.removeBlock(entryFrom(req.body));
    return { status: 'unblocked' };
  });
  app.post('/enforce/allow', async (req) => {
    ctx.store.setListEntry('allow', entryFrom(req.body));
    return { status: 'allowed' };
  });
  app.get('/enforce/blocked', async () => ctx.store.list('block'));
  app.get('/enforce/allowed', async () => ctx.store.list('allow'));

  rejectOtherMethods(app, '/enforce/block', ['POST', 'DELETE']);
  rejectOtherMethods(app, '/enforce/allow', ['POST']);
  rejectOtherMethods(app, '/enforce/blocked', ['GET']);
  rejectOtherMethods(app, '/enforce/allowed', ['GET']);
}
