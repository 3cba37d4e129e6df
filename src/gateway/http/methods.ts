/** Known paths answer other methods with 405 and an `Allow` header (not 404). */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { HttpError } from './errors.js';

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export function rejectOtherMethods(app: FastifyInstance, url: string, allowed: HTTPMethods[]): void {
  const allow = allowed.join(', ');
  const others = ALL_METHODS.filter((m) => !allowed.includes(m) && !(m === 'HEAD' && allowed.includes('GET')));
  app.route({
    method: others,
    url,
    handler: async () => {
      throw new HttpError(405, 'method not allowed', { allow });
    },
  });
}
