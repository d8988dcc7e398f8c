// Backup jobs: what the queue holds and what became of each job, for polling
// (GET /api/v1/jobs/{id} after POST /backups/devices/{id}/backup) and for the UI's job list.
//
// A job's state comes from the queue (pg-boss's job table: queued, running, retrying, done) and
// its result from backup history (one history row per job id: the history id, changed, or the
// failure class and message). Progress steps (connecting, fetching, storing) are live only: this
// process keeps the last step of each running job it has heard of on the event bus.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import { InputError } from '../../errors.ts';
import { bus } from '../../events/bus.ts';
import { getDevice } from '../../inventory/devices.ts';
import { isUuid } from '../../inventory/common.ts';
import { BACKUP_QUEUE } from '../../schedule/queue.ts';
import { DateTime, Nullable, PageQueryProps, Paged, UuidParams, paged, responses, toJson } from '../http.ts';

export const JOB_STATES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobProgress {
  step: string;
  at: Date;
}

export interface JobView {
  id: string;
  state: JobState;
  /** pg-boss's own state (created, retry, active, completed, cancelled, failed). */
  queue_state: string;
  queue: string;
  device_id: string | null;
  device_name: string | null;
  config_id: string | null;
  trigger: string | null;
  requested_by: string | null;
  attempt: number;
  created_at: Date;
  start_after: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  progress: JobProgress | null;
  result: { history_id: string; status: string; changed: boolean | null; significant: boolean | null } | null;
  error: { class: string | null; message: string } | null;
}

// ---------- live progress (this process) ----------

const PROGRESS_MAX = 10_000;
const progress = new Map<string, JobProgress>();
let progressSubscribed = false;

function subscribeProgress(): void {
  if (progressSubscribed) return;
  progressSubscribed = true;
  const set = (id: string, step: string, at: Date) => {
    progress.delete(id);
    progress.set(id, { step, at });
    if (progress.size > PROGRESS_MAX) progress.delete(progress.keys().next().value!);
  };
  bus.on('job.started', (e) => set(e.jobId, 'started', e.at));
  bus.on('job.progress', (e) => set(e.jobId, e.step, e.at));
  bus.on('job.retrying', (e) => set(e.jobId, 'retrying', e.at));
  bus.on('job.finished', (e) => progress.delete(e.jobId));
  bus.on('job.failed', (e) => progress.delete(e.jobId));
}

// ---------- queries ----------

interface JobRow {
  id: string;
  name: string;
  state: string;
  data: Record<string, unknown> | string | null;
  output: Record<string, unknown> | string | null;
  retry_count: number;
  created_on: Date;
  start_after: Date | null;
  started_on: Date | null;
  completed_on: Date | null;
  device_name: string | null;
  history_id: string | null;
  history_status: string | null;
  changed: boolean | null;
  significant: boolean | null;
  error_class: string | null;
  error_message: string | null;
}

async function queueExists(db: Db): Promise<boolean> {
  const r = await sql<{ t: string | null }>`SELECT to_regclass('pgboss.job')::text AS t`.execute(db);
  return !!r.rows[0]?.t;
}

const parse = (v: unknown): Record<string, unknown> | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return v as Record<string, unknown>;
};
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

function toView(r: JobRow): JobView {
  const data = parse(r.data) ?? {};
  const output = parse(r.output);
  let state: JobState;
  switch (r.state) {
    case 'created':
      state = 'queued';
      break;
    case 'active':
      state = 'running';
      break;
    case 'retry':
      state = 'retrying';
      break;
    case 'cancelled':
      state = 'cancelled';
      break;
    case 'failed':
      state = 'failed';
      break;
    default:
      state = r.history_status === 'failure' || output?.status === 'failure' ? 'failed' : 'succeeded';
  }
  let error: JobView['error'] = null;
  if (r.history_status === 'failure') error = { class: r.error_class, message: r.error_message ?? 'the backup failed' };
  else if (state === 'failed' || state === 'retrying') {
    const msg = str(output?.message) ?? str((output?.value as Record<string, unknown> | undefined)?.message) ?? 'the job failed';
    error = { class: str(output?.failureClass) ?? str(output?.failure_class), message: msg };
  }
  return {
    id: r.id,
    state,
    queue_state: r.state,
    queue: r.name,
    device_id: str(data.deviceId),
    device_name: r.device_name,
    config_id: str(data.configId),
    trigger: str(data.trigger),
    requested_by: str(data.requestedBy),
    attempt: Number(r.retry_count ?? 0),
    created_at: new Date(r.created_on),
    start_after: date(r.start_after),
    started_at: date(r.started_on),
    completed_at: date(r.completed_on),
    progress: state === 'running' || state === 'retrying' ? (progress.get(r.id) ?? null) : null,
    result: r.history_id ? { history_id: r.history_id, status: r.history_status ?? 'unknown', changed: r.changed, significant: r.significant } : null,
    error,
  };
}

const QUEUE_PATTERN = `${BACKUP_QUEUE}%`;

function jobSelect(where: RawBuilder<unknown>) {
  return sql<JobRow>`
    SELECT j.id::text AS id, j.name, j.state::text AS state, j.data, j.output, j.retry_count, j.created_on, j.start_after,
           j.started_on, j.completed_on, d.name AS device_name,
           h.id::text AS history_id, h.status AS history_status, h.changed, h.significant, h.error_class, h.error_message
      FROM pgboss.job j
      LEFT JOIN devices d ON d.id::text = j.data->>'deviceId'
      LEFT JOIN LATERAL (
        SELECT id, status, changed, significant, error_class, error_message FROM backup_history
         WHERE job_id = j.id::text ORDER BY completed_at DESC LIMIT 1
      ) h ON true
     WHERE j.name LIKE ${QUEUE_PATTERN} AND ${where}`;
}

/** One backup job by id (404 job_not_found). */
export async function getJob(db: Db, id: string): Promise<JobView> {
  subscribeProgress();
  const missing = () => new InputError('job_not_found', `no backup job with id "${id}"; jobs are kept 7 days after they end — list them with GET /api/v1/jobs`, 404);
  if (!isUuid(id) || !(await queueExists(db))) throw missing();
  const r = await jobSelect(sql`j.id = ${id}::uuid`).execute(db);
  if (!r.rows[0]) throw missing();
  return toView(r.rows[0]);
}

export interface JobListOptions {
  device?: string;
  state?: JobState;
  config?: string;
  limit: number;
  offset: number;
}

/** Backup jobs, newest first, filtered by device (id or name), state and backup configuration. */
export async function listJobs(db: Db, o: JobListOptions): Promise<{ items: JobView[]; total: number }> {
  subscribeProgress();
  if (!(await queueExists(db))) return { items: [], total: 0 };
  const conds = [sql`true`];
  if (o.device !== undefined) {
    const d = await getDevice(db, o.device);
    conds.push(sql`j.data->>'deviceId' = ${d.id}`);
  }
  if (o.config !== undefined) conds.push(sql`j.data->>'configId' = ${o.config}`);
  switch (o.state) {
    case 'queued':
      conds.push(sql`j.state = 'created'`);
      break;
    case 'running':
      conds.push(sql`j.state = 'active'`);
      break;
    case 'retrying':
      conds.push(sql`j.state = 'retry'`);
      break;
    case 'cancelled':
      conds.push(sql`j.state = 'cancelled'`);
      break;
    case 'succeeded':
      conds.push(sql`j.state = 'completed' AND (h.status IS NULL OR h.status <> 'failure') AND coalesce(j.output->>'status', '') <> 'failure'`);
      break;
    case 'failed':
      conds.push(sql`(j.state = 'failed' OR (j.state = 'completed' AND (h.status = 'failure' OR j.output->>'status' = 'failure')))`);
      break;
  }
  const where = sql.join(conds, sql` AND `);
  const [rows, count] = await Promise.all([
    sql<JobRow>`${jobSelect(where)} ORDER BY j.created_on DESC, j.id DESC LIMIT ${o.limit} OFFSET ${o.offset}`.execute(db),
    sql<{ n: number }>`SELECT count(*)::int AS n FROM (${jobSelect(where)}) x`.execute(db),
  ]);
  return { items: rows.rows.map(toView), total: Number(count.rows[0]?.n ?? 0) };
}

// ---------- routes ----------

export const JobSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  state: Type.Union(JOB_STATES.map((s) => Type.Literal(s)), { description: 'queued → running (→ retrying → running) → succeeded | failed | cancelled' }),
  queue_state: Type.String(),
  queue: Type.String(),
  device_id: Nullable(Type.String()),
  device_name: Nullable(Type.String()),
  config_id: Nullable(Type.String()),
  trigger: Nullable(Type.String()),
  requested_by: Nullable(Type.String()),
  attempt: Type.Integer({ description: 'retries so far (0: first attempt)' }),
  created_at: DateTime(),
  start_after: Nullable(DateTime()),
  started_at: Nullable(DateTime()),
  completed_at: Nullable(DateTime()),
  progress: Nullable(Type.Object({ step: Type.String({ description: 'started, connecting, fetching, storing, retrying' }), at: DateTime() })),
  result: Nullable(Type.Object({ history_id: Type.String({ format: 'uuid' }), status: Type.String(), changed: Nullable(Type.Boolean()), significant: Nullable(Type.Boolean()) })),
  error: Nullable(Type.Object({ class: Nullable(Type.String()), message: Type.String() })),
});

const JobQuery = Type.Object(
  {
    ...PageQueryProps,
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'device id or name' })),
    state: Type.Optional(Type.Union(JOB_STATES.map((s) => Type.Literal(s)))),
    config: Type.Optional(Type.String({ format: 'uuid', description: 'backup configuration id' })),
  },
  { additionalProperties: false },
);

export function jobRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  subscribeProgress();
  app.get('/jobs', {
    schema: { tags: ['jobs'], summary: 'List backup jobs, newest first', querystring: JobQuery, response: responses({ 200: Paged(JobSchema) }) },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof JobQuery>;
      return paged(await listJobs(db, q), q);
    },
  });
  app.get('/jobs/:id', {
    schema: { tags: ['jobs'], summary: 'One backup job: state, progress, result or error (poll it after triggering a backup)', params: UuidParams, response: responses({ 200: JobSchema }) },
    config: { access: 'backups:read' },
    handler: async (req) => toJson(await getJob(db, (req.params as { id: string }).id)),
  });
}
