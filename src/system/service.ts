// System backups as netkeep records them: one row per archive (CLI, API or schedule), the
// schedule with its own retention (keep the last N scheduled archives), and its timer in serve.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AppContext } from '../context.ts';
import { jsonb } from '../db/index.ts';
import type { Selectable } from 'kysely';
import type { SystemBackupsTable } from '../db/schema.ts';
import { InputError, notFound } from '../errors.ts';
import { nextRun, validateCron, validateTimezone } from '../schedule/cron.ts';
import { archiveFileName, createSystemBackup, defaultArchiveDir, type BackupSummary } from './archive.ts';

export type SystemBackupRow = Selectable<SystemBackupsTable>;

export interface RunOptions {
  trigger: 'cli' | 'api' | 'schedule';
  createdBy?: string | null;
  out?: string;
  passphrase?: string;
  log?: (line: string) => void;
}

/** Start a system backup: returns its row (status running) at once, and `done`, which settles with the finished row. */
export async function startSystemBackup(ctx: AppContext, o: RunOptions): Promise<{ row: SystemBackupRow; done: Promise<SystemBackupRow> }> {
  let out = o.out;
  if (!out) {
    // one name per second; a second archive in the same second gets a suffix
    const base = join(defaultArchiveDir(ctx.dataDir), archiveFileName());
    out = base;
    for (let i = 2; existsSync(out); i++) out = base.replace(/\.tar\.gz$/, `-${i}.tar.gz`);
  }
  const row = await ctx.db
    .insertInto('system_backups')
    .values({ file_name: basename(out), path: out, status: 'running', trigger: o.trigger, includes_master_key: o.passphrase !== undefined, summary: jsonb({}), error: null, created_by: o.createdBy ?? null, size: null, sha256: null })
    .returningAll()
    .executeTakeFirstOrThrow();
  const done = (async () => {
    let result: BackupSummary;
    try {
      result = await createSystemBackup(ctx, { out, ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}), ...(o.log ? { log: o.log } : {}) });
    } catch (err) {
      return ctx.db
        .updateTable('system_backups')
        .set({ status: 'failed', error: (err as Error).message, completed_at: new Date() })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    const m = result.manifest;
    return ctx.db
      .updateTable('system_backups')
      .set({
        status: 'success',
        size: result.size,
        sha256: result.sha256,
        completed_at: new Date(),
        summary: jsonb({
          tables: m.database.tables.length,
          rows: m.database.tables.reduce((n, t) => n + t.rows, 0),
          blobs: m.blob_store.blobs,
          blob_bytes: m.blob_store.bytes,
          missing_blobs: m.blob_store.missing.length,
          key_ids: m.master_key.key_ids,
          migrations: m.database.migrations.map((x) => x.version),
        }),
      })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  })();
  return { row, done };
}

/** Run one system backup to the end and record it. */
export async function runSystemBackup(ctx: AppContext, o: RunOptions): Promise<SystemBackupRow> {
  return (await startSystemBackup(ctx, o)).done;
}

export async function listSystemBackups(ctx: AppContext, limit = 100): Promise<SystemBackupRow[]> {
  return ctx.db.selectFrom('system_backups').selectAll().orderBy('started_at', 'desc').limit(limit).execute();
}

export async function getSystemBackup(ctx: AppContext, id: string): Promise<SystemBackupRow> {
  const row = await ctx.db.selectFrom('system_backups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('system backup', id);
  return row;
}

/** Delete an archive file and mark its row deleted. */
export async function deleteSystemBackup(ctx: AppContext, id: string): Promise<SystemBackupRow> {
  const row = await getSystemBackup(ctx, id);
  if (row.status === 'running') throw new InputError('system_backup_running', 'this system backup is still being written; wait until it ends, then delete it', 409);
  await rm(row.path, { force: true });
  return ctx.db.updateTable('system_backups').set({ status: 'deleted' }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Retention: keep the newest `keep` successful scheduled archives; delete older ones. */
export async function applySystemRetention(ctx: AppContext, keep: number): Promise<string[]> {
  const rows = await ctx.db.selectFrom('system_backups').select(['id', 'path']).where('trigger', '=', 'schedule').where('status', '=', 'success').orderBy('started_at', 'desc').offset(keep).limit(10_000).execute();
  for (const r of rows) {
    await rm(r.path, { force: true });
    await ctx.db.updateTable('system_backups').set({ status: 'deleted' }).where('id', '=', r.id).execute();
  }
  return rows.map((r) => r.path);
}

export interface SystemSchedule {
  enabled: boolean;
  schedule_cron: string;
  schedule_timezone: string;
  keep_last: number;
  next_run_at: Date | null;
}

export async function getSystemSchedule(ctx: AppContext): Promise<SystemSchedule> {
  const r = await ctx.db.selectFrom('system_backup_schedule').select(['enabled', 'schedule_cron', 'schedule_timezone', 'keep_last', 'next_run_at']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { ...r, next_run_at: r.enabled ? r.next_run_at : null };
}

export async function updateSystemSchedule(ctx: AppContext, patch: Partial<Pick<SystemSchedule, 'enabled' | 'schedule_cron' | 'schedule_timezone' | 'keep_last'>>): Promise<SystemSchedule> {
  const cur = await getSystemSchedule(ctx);
  const tz = patch.schedule_timezone !== undefined ? validateTimezone(patch.schedule_timezone) : cur.schedule_timezone;
  const cron = patch.schedule_cron !== undefined ? validateCron(patch.schedule_cron, tz) : cur.schedule_cron;
  if (!cron) throw new InputError('invalid_schedule', 'schedule_cron may not be empty; to stop system backups set enabled to false', 400);
  const keep = patch.keep_last ?? cur.keep_last;
  if (!Number.isInteger(keep) || keep < 1 || keep > 1000) throw new InputError('invalid_retention', 'keep_last is how many scheduled archives to keep: a whole number from 1 to 1000', 400);
  const enabled = patch.enabled ?? cur.enabled;
  await ctx.db
    .updateTable('system_backup_schedule')
    .set({ enabled, schedule_cron: cron, schedule_timezone: tz, keep_last: keep, next_run_at: enabled ? nextRun(cron, tz, new Date()) : null, next_run_spec: enabled ? `${cron} ${tz}` : null, updated_at: new Date() })
    .where('id', '=', 1)
    .execute();
  return getSystemSchedule(ctx);
}

/**
 * One scheduler step: when a run is due, claim it with a compare-and-set (so one process of
 * several runs it), run it, then apply retention. Returns the row of a run, if one ran.
 */
export async function runDueSystemBackup(ctx: AppContext, now = new Date(), log?: (line: string) => void): Promise<SystemBackupRow | undefined> {
  const s = await ctx.db.selectFrom('system_backup_schedule').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!s?.enabled) return undefined;
  const spec = `${s.schedule_cron} ${s.schedule_timezone}`;
  if (s.next_run_spec !== spec || !s.next_run_at) {
    await ctx.db.updateTable('system_backup_schedule').set({ next_run_at: nextRun(s.schedule_cron, s.schedule_timezone, now), next_run_spec: spec }).where('id', '=', 1).execute();
    return undefined;
  }
  if (s.next_run_at.getTime() > now.getTime()) return undefined;
  const claimed = await ctx.db
    .updateTable('system_backup_schedule')
    .set({ next_run_at: nextRun(s.schedule_cron, s.schedule_timezone, now) })
    .where('id', '=', 1)
    .where('next_run_at', '=', s.next_run_at)
    .returning('id')
    .executeTakeFirst();
  if (!claimed) return undefined;
  const row = await runSystemBackup(ctx, { trigger: 'schedule', ...(log ? { log } : {}) });
  if (row.status === 'success') {
    const gone = await applySystemRetention(ctx, s.keep_last);
    if (gone.length) log?.(`system backup retention removed ${gone.length} old archive(s)`);
  } else {
    log?.(`scheduled system backup failed: ${row.error}`);
  }
  return row;
}

/** The timer serve runs: checks the system-backup schedule every `intervalMs`. */
export function startSystemBackupScheduler(ctx: AppContext, o: { intervalMs?: number; log?: (line: string) => void } = {}): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = runDueSystemBackup(ctx, new Date(), o.log).catch((err) => o.log?.(`system backup schedule: ${(err as Error).message}`));
  };
  const timer = setInterval(tick, o.intervalMs ?? 30_000);
  timer.unref?.();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

export function archiveExists(row: SystemBackupRow): boolean {
  return row.status === 'success' && existsSync(row.path);
}
