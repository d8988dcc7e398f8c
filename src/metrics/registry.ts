// The Prometheus metrics of one netkeep process (prom-client): counters and histograms fed by the
// event bus (backups by result and failure class, durations, sessions in flight, notifications),
// and gauges read from the database at scrape time (devices by status, queue depth, storage
// bytes, the last successful backup per device), which are the same from every process.
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/bus.ts';
import { notifyCounts } from '../notify/stats.ts';

export interface Metrics {
  readonly registry: Registry;
  /** Stop listening to the bus. */
  detach(): void;
}

/** Seconds buckets for one backup: 0.1 s … 10 min. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

export function createMetrics(o: { db: Db; bus: EventBus; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  if (o.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'netkeep_' });
  const db = o.db;

  const backups = new Counter({
    name: 'netkeep_backups_total',
    help: 'Backup attempts run by this process, by result (success, failure, retry) and failure class ("" for successes)',
    labelNames: ['result', 'failure_class'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'netkeep_backup_duration_seconds',
    help: 'Duration of recorded backups run by this process, by result',
    labelNames: ['result'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const changes = new Counter({ name: 'netkeep_config_changes_total', help: 'Significant configuration changes stored by this process (a first backup is not a change)', registers: [registry] });
  const inFlight = new Set<string>();
  new Gauge({
    name: 'netkeep_sessions_in_flight',
    help: 'Backup sessions this process is running now',
    registers: [registry],
    collect() {
      this.set(inFlight.size);
    },
  });
  new Counter({
    name: 'netkeep_notifications_total',
    help: 'Notification events handled by this process, by channel kind and result (sent, failed, suppressed by the quiet period)',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [k, n] of notifyCounts) {
        const [kind, result] = k.split('|') as [string, string];
        this.inc({ kind, result }, n);
      }
    },
  });

  new Gauge({
    name: 'netkeep_devices',
    help: 'Devices by status: ok, failing, never (backed up), disabled, orphaned (gone from their inventory source)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const r = (
        await sql<{ ok: number; failing: number; never: number; disabled: number; orphaned: number }>`
          SELECT count(*) FILTER (WHERE enabled AND last_status = 'success')::int AS ok,
                 count(*) FILTER (WHERE enabled AND last_status = 'failure')::int AS failing,
                 count(*) FILTER (WHERE enabled AND last_status IS NULL)::int AS never,
                 count(*) FILTER (WHERE NOT enabled)::int AS disabled,
                 count(*) FILTER (WHERE orphaned_at IS NOT NULL)::int AS orphaned
          FROM devices`.execute(db)
      ).rows[0]!;
      for (const [k, v] of Object.entries(r)) this.set({ status: k }, v);
    },
  });
  new Gauge({
    name: 'netkeep_queue_jobs',
    help: 'Backup jobs in the queue across all workers: waiting (created or retry) and active (running now)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      let q = { waiting: 0, active: 0 };
      try {
        q = (
          await sql<{ waiting: number; active: number }>`
            SELECT count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS waiting, count(*) FILTER (WHERE state = 'active')::int AS active
            FROM pgboss.job WHERE name LIKE 'netkeep-backup%' AND state < 'completed'`.execute(db)
        ).rows[0] ?? q;
      } catch {
        /* the queue was never started on this database: nothing waits */
      }
      this.set({ state: 'waiting' }, q.waiting);
      this.set({ state: 'active' }, q.active);
    },
  });
  new Gauge({
    name: 'netkeep_storage_bytes',
    help: 'Bytes of stored configurations: "stored" in the blob store (compressed, encrypted), "logical" as configuration text',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const r = (await sql<{ stored: string | null; logical: string | null }>`SELECT sum(stored_size)::text AS stored, sum(size)::text AS logical FROM blobs`.execute(db)).rows[0];
      this.set({ kind: 'stored' }, Number(r?.stored ?? 0));
      this.set({ kind: 'logical' }, Number(r?.logical ?? 0));
    },
  });
  new Gauge({
    name: 'netkeep_device_last_success_timestamp_seconds',
    help: 'Unix time of the last successful backup of each device (devices never backed up are absent)',
    labelNames: ['device', 'device_id'] as const,
    registers: [registry],
    async collect() {
      const rows = await db.selectFrom('devices').select(['id', 'name', 'last_success_at']).where('last_success_at', 'is not', null).execute();
      this.reset();
      for (const r of rows) this.set({ device: r.name, device_id: r.id }, r.last_success_at!.getTime() / 1000);
    },
  });

  const offs = [
    o.bus.on('job.started', (e) => void inFlight.add(e.jobId)),
    o.bus.on('job.finished', (e) => {
      inFlight.delete(e.jobId);
      backups.inc({ result: e.status, failure_class: e.failureClass ?? '' });
      duration.observe({ result: e.status }, e.durationMs / 1000);
    }),
    o.bus.on('job.retrying', (e) => {
      inFlight.delete(e.jobId);
      backups.inc({ result: 'retry', failure_class: e.failureClass });
    }),
    o.bus.on('job.failed', (e) => {
      // a recorded failure was counted by job.finished; this one ended without a history row
      if (inFlight.delete(e.jobId) && !e.historyId) backups.inc({ result: 'failure', failure_class: e.failureClass });
    }),
    o.bus.on('backup.significant', (e) => void (e.previousId && changes.inc())),
  ];
  return { registry, detach: () => offs.forEach((off) => off()) };
}
