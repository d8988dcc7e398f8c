// Reports: success rate and change frequency per group, devices never backed up; JSON or CSV.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import { DateTime, Nullable, responses } from '../http.ts';

const DAY_MS = 86_400_000;

const Format = Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json', description: 'csv: a download for spreadsheets' });
const GroupsQuery = Type.Object(
  { days: Type.Integer({ minimum: 1, maximum: 366, default: 30, description: 'the window, in days up to now' }), format: Format },
  { additionalProperties: false },
);
const NeverQuery = Type.Object({ format: Format }, { additionalProperties: false });

export const GroupRowSchema = Type.Object({
  group_id: Nullable(Type.String({ description: 'null: devices without a group' })),
  group_name: Type.String(),
  devices: Type.Integer(),
  enabled_devices: Type.Integer(),
  failing_devices: Type.Integer({ description: 'enabled devices whose last backup failed' }),
  never_backed_up: Type.Integer({ description: 'enabled devices without any successful backup' }),
  runs: Type.Integer({ description: 'backup runs in the window' }),
  successes: Type.Integer(),
  failures: Type.Integer(),
  success_rate: Nullable(Type.Number({ description: 'successes / runs (0..1); null when nothing ran' })),
  changes: Type.Integer({ description: 'versions whose config changed in the window' }),
  changes_per_device: Type.Number({ description: 'changes / devices' }),
});
const GroupsReport = Type.Object({ days: Type.Integer(), since: DateTime(), generated_at: DateTime(), items: Type.Array(GroupRowSchema) });

export const NeverRowSchema = Type.Object({
  device_id: Type.String(),
  name: Type.String(),
  address: Type.String(),
  driver: Type.String(),
  group: Nullable(Type.String()),
  enabled: Type.Boolean(),
  created_at: DateTime(),
  last_attempt_at: Nullable(DateTime()),
  last_status: Nullable(Type.String()),
  last_error_class: Nullable(Type.String()),
  last_error: Nullable(Type.String()),
});
const NeverReport = Type.Object({ generated_at: DateTime(), total: Type.Integer(), items: Type.Array(NeverRowSchema) });

type GroupRow = Static<typeof GroupRowSchema>;
type NeverRow = Static<typeof NeverRowSchema>;

/** Per group (and one row for devices without a group): devices, runs, success rate and changes in the last `days` days. */
export async function groupsReport(db: Db, days: number, now = new Date()): Promise<{ days: number; since: string; generated_at: string; items: GroupRow[] }> {
  const since = new Date(now.getTime() - days * DAY_MS);
  const r = await sql<{
    group_id: string | null;
    group_name: string | null;
    devices: number;
    enabled_devices: number;
    failing_devices: number;
    never_backed_up: number;
    runs: number;
    successes: number;
    failures: number;
    changes: number;
  }>`
    WITH h AS (
      SELECT device_id,
             count(*)::int AS runs,
             (count(*) FILTER (WHERE status = 'success'))::int AS successes,
             (count(*) FILTER (WHERE status = 'failure'))::int AS failures,
             (count(*) FILTER (WHERE status = 'success' AND changed IS TRUE))::int AS changes
        FROM backup_history WHERE completed_at >= ${since} AND completed_at <= ${now}
       GROUP BY device_id
    ), per_group AS (
      SELECT d.group_id,
             count(*)::int AS devices,
             (count(*) FILTER (WHERE d.enabled))::int AS enabled_devices,
             (count(*) FILTER (WHERE d.enabled AND d.last_status = 'failure'))::int AS failing_devices,
             (count(*) FILTER (WHERE d.enabled AND d.last_success_at IS NULL))::int AS never_backed_up,
             coalesce(sum(h.runs), 0)::int AS runs,
             coalesce(sum(h.successes), 0)::int AS successes,
             coalesce(sum(h.failures), 0)::int AS failures,
             coalesce(sum(h.changes), 0)::int AS changes
        FROM devices d LEFT JOIN h ON h.device_id = d.id
       GROUP BY d.group_id
    )
    SELECT g.id AS group_id, g.name AS group_name,
           coalesce(p.devices, 0)::int AS devices, coalesce(p.enabled_devices, 0)::int AS enabled_devices,
           coalesce(p.failing_devices, 0)::int AS failing_devices, coalesce(p.never_backed_up, 0)::int AS never_backed_up,
           coalesce(p.runs, 0)::int AS runs, coalesce(p.successes, 0)::int AS successes,
           coalesce(p.failures, 0)::int AS failures, coalesce(p.changes, 0)::int AS changes
      FROM device_groups g LEFT JOIN per_group p ON p.group_id = g.id
    UNION ALL
    SELECT NULL, NULL, devices, enabled_devices, failing_devices, never_backed_up, runs, successes, failures, changes
      FROM per_group WHERE group_id IS NULL
     ORDER BY 2 NULLS LAST`.execute(db);
  return {
    days,
    since: since.toISOString(),
    generated_at: now.toISOString(),
    items: r.rows.map((x) => ({
      group_id: x.group_id,
      group_name: x.group_name ?? '(no group)',
      devices: x.devices,
      enabled_devices: x.enabled_devices,
      failing_devices: x.failing_devices,
      never_backed_up: x.never_backed_up,
      runs: x.runs,
      successes: x.successes,
      failures: x.failures,
      success_rate: x.runs ? x.successes / x.runs : null,
      changes: x.changes,
      changes_per_device: x.devices ? Math.round((x.changes / x.devices) * 100) / 100 : 0,
    })),
  };
}

/** Devices without any successful backup, oldest first (disabled ones included, marked). */
export async function neverBackedUp(db: Db): Promise<NeverRow[]> {
  const rows = await db
    .selectFrom('devices as d')
    .leftJoin('device_groups as g', 'g.id', 'd.group_id')
    .select(['d.id', 'd.name', 'd.address', 'd.driver', 'g.name as group', 'd.enabled', 'd.created_at', 'd.last_attempt_at', 'd.last_status', 'd.last_error_class', 'd.last_error'])
    .where('d.last_success_at', 'is', null)
    .orderBy('d.created_at')
    .orderBy('d.name')
    .execute();
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  return rows.map((r) => ({
    device_id: r.id,
    name: r.name,
    address: r.address,
    driver: r.driver,
    group: r.group,
    enabled: r.enabled,
    created_at: iso(r.created_at)!,
    last_attempt_at: iso(r.last_attempt_at),
    last_status: r.last_status,
    last_error_class: r.last_error_class,
    last_error: r.last_error,
  }));
}

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

function sendCsv(reply: FastifyReply, name: string, csv: string) {
  reply.header('content-disposition', `attachment; filename="${name}"`);
  reply.header('cache-control', 'private, no-store');
  return reply.type('text/csv; charset=utf-8').send(csv);
}

const stamp = (iso: string) => iso.slice(0, 10);

export function reportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  app.get('/reports/groups', {
    schema: {
      tags: ['reports'],
      summary: 'Per group: devices, failing, never backed up, runs, success rate and changes in the last `days` days (format=csv for a download)',
      querystring: GroupsQuery,
      response: responses({ 200: Type.Union([GroupsReport, Type.String({ description: 'text/csv' })]) }),
    },
    config: { access: 'backups:read' },
    handler: async (req, reply) => {
      const q = req.query as Static<typeof GroupsQuery>;
      const r = await groupsReport(db, q.days);
      if (q.format === 'csv') return sendCsv(reply, `netkeep-groups-${q.days}d-${stamp(r.generated_at)}.csv`, toCsv(Object.keys(GroupRowSchema.properties), r.items));
      return r;
    },
  });
  app.get('/reports/never-backed-up', {
    schema: {
      tags: ['reports'],
      summary: 'Devices without any successful backup, with their last attempt and error (format=csv for a download)',
      querystring: NeverQuery,
      response: responses({ 200: Type.Union([NeverReport, Type.String({ description: 'text/csv' })]) }),
    },
    config: { access: 'backups:read' },
    handler: async (req, reply) => {
      const q = req.query as Static<typeof NeverQuery>;
      const items = await neverBackedUp(db);
      const generated_at = new Date().toISOString();
      if (q.format === 'csv') return sendCsv(reply, `netkeep-never-backed-up-${stamp(generated_at)}.csv`, toCsv(Object.keys(NeverRowSchema.properties), items));
      return { generated_at, total: items.length, items };
    },
  });
}
