// Retention: which history rows may go, and collection of blobs nothing references any more.
//
// Per backup config (backup type of a device):
//   - successful runs newer than retention_days are kept;
//   - the newest successful run is never deleted, whatever its age;
//   - the last N versions (default 10; a version is a run of consecutive identical configs) are
//     kept whatever their age, through the run where each first appeared;
//   - failed runs have their own period (default 30 days).
// Per-config overrides in backup_configs.options: keep_versions, failure_retention_days.
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { BlobStore } from './blobs.ts';

export interface RetentionOptions {
  now?: Date;
  keepVersions?: number;
  failureDays?: number;
  /** Blobs younger than this are never collected (a backup may be between storing and recording). Default 10 min. */
  graceMs?: number;
}

export interface RetentionPlanItem {
  id: string;
  device_id: string;
  device_name: string;
  config_id: string;
  status: string;
  started_at: Date;
  checksum: string;
  reason: string;
}

export interface RetentionPlan {
  delete: RetentionPlanItem[];
  /** Blobs that become unreferenced (collected when applied), with their stored bytes. */
  blobs: { sha256: string; stored_size: number }[];
  keptForVersions: number;
}

const DAY = 86_400_000;

export async function planRetention(db: Db, o: RetentionOptions = {}): Promise<RetentionPlan> {
  const now = o.now ?? new Date();
  const plan: RetentionPlan = { delete: [], blobs: [], keptForVersions: 0 };
  const configs = await db
    .selectFrom('backup_configs as c')
    .innerJoin('devices as d', 'd.id', 'c.device_id')
    .select(['c.id', 'c.device_id', 'd.name as device_name', 'c.retention_days', 'c.options'])
    .execute();
  for (const c of configs) {
    const opts = (c.options ?? {}) as Record<string, unknown>;
    const keep = Number.isInteger(opts.keep_versions) ? (opts.keep_versions as number) : (o.keepVersions ?? 10);
    const failDays = typeof opts.failure_retention_days === 'number' ? opts.failure_retention_days : (o.failureDays ?? 30);
    const cutoff = new Date(now.getTime() - c.retention_days * DAY);
    const failCutoff = new Date(now.getTime() - failDays * DAY);
    const rows = await db
      .selectFrom('backup_history')
      .select(['id', 'checksum', 'started_at', 'status'])
      .where('config_id', '=', c.id)
      .orderBy('started_at', 'desc')
      .orderBy('created_at', 'desc')
      .execute();
    const keepers = new Set<string>();
    let runs = 0;
    let prevSha: string | undefined;
    let runOldest: string | undefined;
    let newestSuccess = true;
    for (const r of rows) {
      if (r.status !== 'success') continue;
      if (newestSuccess) {
        keepers.add(r.id);
        newestSuccess = false;
      }
      if (r.checksum !== prevSha) {
        if (runOldest && runs <= keep) keepers.add(runOldest);
        runs++;
        prevSha = r.checksum;
      }
      runOldest = r.id;
    }
    if (runOldest && runs <= keep) keepers.add(runOldest);
    for (const r of rows) {
      const item = { id: r.id, device_id: c.device_id, device_name: c.device_name, config_id: c.id, status: r.status, started_at: r.started_at, checksum: r.checksum };
      if (r.status === 'success') {
        if (r.started_at >= cutoff) continue;
        if (keepers.has(r.id)) {
          plan.keptForVersions++;
          continue;
        }
        plan.delete.push({ ...item, reason: `older than ${c.retention_days} days` });
      } else if (r.started_at < failCutoff) {
        plan.delete.push({ ...item, reason: `failed run older than ${failDays} days` });
      }
    }
  }
  // Blobs that nothing will reference once these rows are gone, plus any already unreferenced.
  const deleting = new Set(plan.delete.map((d) => d.id));
  const graceCut = new Date(Date.now() - (o.graceMs ?? 600_000)); // created_at is wall-clock time
  const found = new Map<string, number>();
  const shas = [...new Set(plan.delete.filter((d) => d.checksum).map((d) => d.checksum))];
  for (let i = 0; i < shas.length; i += 500) {
    const batch = shas.slice(i, i + 500);
    const refs = await db.selectFrom('backup_history').select(['id', 'file_path']).where('file_path', 'in', batch).execute();
    const alive = new Set(refs.filter((r) => !deleting.has(r.id)).map((r) => r.file_path));
    const dead = batch.filter((s) => !alive.has(s));
    if (dead.length) {
      const rows = await db.selectFrom('blobs').select(['sha256', 'stored_size']).where('sha256', 'in', dead).execute();
      for (const r of rows) found.set(r.sha256, Number(r.stored_size));
    }
  }
  const orphans = await sql<{ sha256: string; stored_size: number }>`
    SELECT b.sha256, b.stored_size FROM blobs b
    WHERE b.created_at < ${graceCut} AND NOT EXISTS (SELECT 1 FROM backup_history h WHERE h.file_path = b.sha256)`.execute(db);
  for (const r of orphans.rows) found.set(r.sha256, Number(r.stored_size));
  plan.blobs = [...found].map(([sha256, stored_size]) => ({ sha256, stored_size }));
  return plan;
}

export interface RetentionResult {
  deletedRows: number;
  collectedBlobs: number;
  freedBytes: number;
}

/** Delete the planned rows (in batches, metadata first), then collect unreferenced blobs safely. */
export async function applyRetention(db: Db, store: BlobStore, plan: RetentionPlan, o: RetentionOptions = {}): Promise<RetentionResult> {
  const ids = plan.delete.map((d) => d.id);
  let deletedRows = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('backup_metadata').where('backup_id', 'in', batch).execute();
      const r = await trx.deleteFrom('backup_history').where('id', 'in', batch).executeTakeFirst();
      deletedRows += Number(r.numDeletedRows);
    });
  }
  const c = await collectBlobs(db, store, o);
  return { deletedRows, ...c };
}

/**
 * Delete blobs no history row references. Each one under a row lock, re-checking references
 * inside the lock: a backup recording a reference holds the same row FOR SHARE, so either it
 * commits first (and the blob stays) or it finds the row gone and stores the blob again.
 */
export async function collectBlobs(db: Db, store: BlobStore, o: RetentionOptions = {}): Promise<{ collectedBlobs: number; freedBytes: number }> {
  const graceCut = new Date(Date.now() - (o.graceMs ?? 600_000));
  const cands = await sql<{ sha256: string }>`
    SELECT b.sha256 FROM blobs b
    WHERE b.created_at < ${graceCut}
      AND NOT EXISTS (SELECT 1 FROM backup_history h WHERE h.file_path = b.sha256)`.execute(db);
  let collectedBlobs = 0;
  let freedBytes = 0;
  for (const { sha256 } of cands.rows) {
    const freed = await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('blobs').select(['sha256', 'stored_size']).where('sha256', '=', sha256).forUpdate().executeTakeFirst();
      if (!row) return undefined;
      const ref = await trx.selectFrom('backup_history').select('id').where('file_path', '=', sha256).limit(1).executeTakeFirst();
      if (ref) return undefined;
      await trx.deleteFrom('blobs').where('sha256', '=', sha256).execute();
      await store.backend.delete(sha256);
      return Number(row.stored_size);
    });
    if (freed !== undefined) {
      collectedBlobs++;
      freedBytes += freed;
    }
  }
  return { collectedBlobs, freedBytes };
}
