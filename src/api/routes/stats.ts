// Dashboard figures in one call: devices backed up in 24 h, success rate, failures by class,
// changes today, storage used, next scheduled runs, and 30 days of successes/failures/changes.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import { nextRuns } from '../../schedule/cron.ts';
import { DateTime, Nullable, responses } from '../http.ts';

const DAY_MS = 86_400_000;
export const DASHBOARD_DAYS = 30;
const NEXT_RUNS = 10;

export const DashboardSchema = Type.Object({
  generated_at: DateTime(),
  devices_total: Type.Integer({ description: 'devices in the inventory' }),
  devices_enabled: Type.Integer(),
  devices_failing: Type.Integer({ description: 'enabled devices whose last backup failed' }),
  devices_never_backed_up: Type.Integer({ description: 'enabled devices without any successful backup' }),
  backed_up_24h: Type.Integer({ description: 'devices with a successful backup in the last 24 hours' }),
  runs_24h: Type.Integer({ description: 'backup runs (success + failure) in the last 24 hours' }),
  success_rate_24h: Nullable(Type.Number({ description: 'successes / runs in the last 24 hours (0..1); null when nothing ran' })),
  failures_by_class: Type.Record(Type.String(), Type.Integer(), { description: 'failed runs in the last 24 hours by failure class' }),
  changes_today: Type.Integer({ description: 'versions whose config changed since 00:00 UTC today' }),
  storage_bytes: Type.Integer({ description: 'bytes the stored configurations take (compressed, encrypted, deduplicated)' }),
  next_runs: Type.Array(Type.Object({ config_id: Type.String(), name: Type.String(), device_id: Type.String(), at: DateTime() })),
  daily: Type.Array(Type.Object({ date: Type.String({ description: 'YYYY-MM-DD (UTC)' }), successes: Type.Integer(), failures: Type.Integer(), changes: Type.Integer() }), {
    description: `the last ${DASHBOARD_DAYS} days (UTC), oldest first, today last`,
  }),
});

export interface Dashboard {
  generated_at: string;
  devices_total: number;
  devices_enabled: number;
  devices_failing: number;
  devices_never_backed_up: number;
  backed_up_24h: number;
  runs_24h: number;
  success_rate_24h: number | null;
  failures_by_class: Record<string, number>;
  changes_today: number;
  storage_bytes: number;
  next_runs: { config_id: string; name: string; device_id: string; at: string }[];
  daily: { date: string; successes: number; failures: number; changes: number }[];
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The soonest scheduled runs of enabled configurations of enabled devices (one cron evaluation per distinct schedule). */
async function upcoming(db: Db, now: Date, n: number): Promise<Dashboard['next_runs']> {
  const rows = await db
    .selectFrom('backup_configs as c')
    .innerJoin('devices as d', 'd.id', 'c.device_id')
    .select(['c.id', 'c.backup_type', 'c.schedule_cron', 'c.schedule_timezone', 'c.device_id', 'd.name'])
    .where('c.enabled', '=', true)
    .where('d.enabled', '=', true)
    .where('c.schedule_cron', 'is not', null)
    .execute();
  const bySchedule = new Map<string, Date | null>();
  const runs: Dashboard['next_runs'] = [];
  for (const r of rows) {
    const key = `${r.schedule_cron}\u0000${r.schedule_timezone}`;
    if (!bySchedule.has(key)) {
      try {
        bySchedule.set(key, nextRuns(r.schedule_cron!, r.schedule_timezone, now, 1)[0] ?? null);
      } catch {
        bySchedule.set(key, null); // an unreadable schedule has no next run; the configuration page says why
      }
    }
    const at = bySchedule.get(key);
    if (at) runs.push({ config_id: r.id, name: `${r.name} (${r.backup_type})`, device_id: r.device_id, at: at.toISOString() });
  }
  runs.sort((a, b) => a.at.localeCompare(b.at) || a.name.localeCompare(b.name));
  return runs.slice(0, n);
}

/** Compute the dashboard figures at `now`. */
export async function dashboard(db: Db, now = new Date()): Promise<Dashboard> {
  const since24h = new Date(now.getTime() - DAY_MS);
  const today = new Date(`${isoDay(now)}T00:00:00.000Z`);
  const firstDay = new Date(today.getTime() - (DASHBOARD_DAYS - 1) * DAY_MS);

  const devices = await sql<{ total: number; enabled: number; failing: number; never: number }>`
    SELECT count(*)::int AS total,
           (count(*) FILTER (WHERE enabled))::int AS enabled,
           (count(*) FILTER (WHERE enabled AND last_status = 'failure'))::int AS failing,
           (count(*) FILTER (WHERE enabled AND last_success_at IS NULL))::int AS never
      FROM devices`.execute(db);
  const last24 = await sql<{ backed_up: number; runs: number; successes: number }>`
    SELECT (count(DISTINCT device_id) FILTER (WHERE status = 'success'))::int AS backed_up,
           count(*)::int AS runs,
           (count(*) FILTER (WHERE status = 'success'))::int AS successes
      FROM backup_history WHERE completed_at >= ${since24h} AND completed_at <= ${now}`.execute(db);
  const classes = await sql<{ cls: string; n: number }>`
    SELECT coalesce(error_class, 'unknown') AS cls, count(*)::int AS n
      FROM backup_history WHERE status = 'failure' AND completed_at >= ${since24h} AND completed_at <= ${now}
     GROUP BY 1 ORDER BY 2 DESC, 1`.execute(db);
  const storage = await sql<{ bytes: string | number | null }>`SELECT coalesce(sum(stored_size), 0)::bigint AS bytes FROM blobs`.execute(db);
  const days = await sql<{ day: string; successes: number; failures: number; changes: number }>`
    SELECT to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
           (count(*) FILTER (WHERE status = 'success'))::int AS successes,
           (count(*) FILTER (WHERE status = 'failure'))::int AS failures,
           (count(*) FILTER (WHERE status = 'success' AND changed IS TRUE))::int AS changes
      FROM backup_history WHERE completed_at >= ${firstDay} AND completed_at <= ${now}
     GROUP BY 1`.execute(db);

  const byDay = new Map(days.rows.map((r) => [r.day, r]));
  const daily: Dashboard['daily'] = [];
  for (let i = 0; i < DASHBOARD_DAYS; i++) {
    const date = isoDay(new Date(firstDay.getTime() + i * DAY_MS));
    const r = byDay.get(date);
    daily.push({ date, successes: r?.successes ?? 0, failures: r?.failures ?? 0, changes: r?.changes ?? 0 });
  }
  const d = devices.rows[0]!;
  const l = last24.rows[0]!;
  return {
    generated_at: now.toISOString(),
    devices_total: d.total,
    devices_enabled: d.enabled,
    devices_failing: d.failing,
    devices_never_backed_up: d.never,
    backed_up_24h: l.backed_up,
    runs_24h: l.runs,
    success_rate_24h: l.runs ? l.successes / l.runs : null,
    failures_by_class: Object.fromEntries(classes.rows.map((r) => [r.cls, r.n])),
    changes_today: daily.at(-1)!.changes,
    storage_bytes: Number(storage.rows[0]?.bytes ?? 0),
    next_runs: await upcoming(db, now, NEXT_RUNS),
    daily,
  };
}

export function statsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/stats/dashboard', {
    schema: { tags: ['stats'], summary: 'Dashboard figures: last 24 h, changes today, storage, next runs, 30 days of runs', response: responses({ 200: DashboardSchema }) },
    config: { access: 'backups:read' },
    handler: async () => dashboard(ctx.db),
  });
}
