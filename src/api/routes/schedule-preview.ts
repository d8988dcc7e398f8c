// A schedule read before it is saved: its normalized form, its reading in English and its next
// five runs (the UI shows them live while someone types a cron expression).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { describeCron, nextRuns, validateCron, validateTimezone } from '../../schedule/cron.ts';
import { DateTime, Nullable, responses } from '../http.ts';

const PreviewQuery = Type.Object(
  {
    cron: Type.String({ maxLength: 100, description: '5-field cron ("0 2 * * *") or hourly, daily, weekly, monthly, @hourly…; empty: no schedule' }),
    timezone: Type.String({ minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA time zone' }),
  },
  { additionalProperties: false },
);
const Preview = Type.Object({
  cron: Nullable(Type.String({ description: 'the schedule as it would be stored; null: none' })),
  timezone: Type.String(),
  description: Type.String(),
  next_runs: Type.Array(DateTime()),
});

export function schedulePreviewRoutes(app: FastifyInstance): void {
  app.get('/schedules/preview', {
    schema: {
      tags: ['backups'],
      summary: 'Read a schedule before saving it: normalized, in English, and its next 5 runs (400 invalid_schedule / invalid_timezone says what is wrong)',
      querystring: PreviewQuery,
      response: responses({ 200: Preview }),
    },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof PreviewQuery>;
      const timezone = validateTimezone(q.timezone);
      const cron = validateCron(q.cron, timezone);
      if (cron === null) return { cron: null, timezone, description: 'not scheduled (manual only)', next_runs: [] };
      return { cron, timezone, description: describeCron(cron), next_runs: nextRuns(cron, timezone, new Date(), 5).map((d) => d.toISOString()) };
    },
  });
}
