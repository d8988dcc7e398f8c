// GET /metrics on the API server, in the Prometheus text format (access rule: access.ts).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { InputError } from '../errors.ts';
import { metricsDenied } from './access.ts';
import type { Metrics } from './registry.ts';

export function metricsRoute(app: FastifyInstance, metrics: Metrics, o: { token?: string | undefined } = {}): void {
  const token = o.token || undefined;
  app.get('/metrics', {
    schema: {
      tags: ['meta'],
      summary: 'Prometheus metrics (NETKEEP_METRICS_TOKEN as a bearer token, or from loopback when no token is set)',
      response: { 200: Type.String(), '4xx': Type.Any() },
    },
    config: { access: 'public' },
    handler: async (req, reply) => {
      const denied = metricsDenied({ token, authorization: req.headers.authorization, remoteAddress: req.socket.remoteAddress });
      if (denied) {
        if (denied.status === 401) reply.header('www-authenticate', 'Bearer realm="netkeep metrics"');
        throw new InputError(denied.status === 401 ? 'unauthenticated' : 'forbidden', denied.detail, denied.status);
      }
      const body = await metrics.registry.metrics();
      reply.type(metrics.registry.contentType);
      return body;
    },
  });
}
