// Records the outcome of one backup run: the config into the blob store, one backup_history row
// with its backup_metadata rows (what the history columns do not hold), and the device's state columns — all rows in one transaction,
// after the blob was written and verified, so a history row never points at nothing.
import { sql } from 'kysely';
import { jsonb, type Db } from '../db/index.ts';
import type { Facts } from '../drivers/types.ts';
import { InputError, NetkeepError } from '../errors.ts';
import type { Keyring } from '../security/masterkey.ts';
import { BlobStore, type PackedConfig, type PutResult } from '../store/blobs.ts';
import type { MirrorChange } from '../store/git-mirror.ts';

export interface StoreContext {
  db: Db;
  keyring: Keyring;
  dataDir: string;
}

export type Trigger = 'schedule' | 'manual' | 'api' | 'import';

export interface RecordBackupInput {
  deviceId: string;
  /** The backup config (backup type) this run belongs to; default: the device's running-config one (created when missing). */
  configId?: string;
  /** The config text exactly as the driver produced it; stored byte for byte (bytes for imports that are not UTF-8). */
  text: string | Buffer;
  startedAt: Date;
  completedAt: Date;
  trigger: Trigger | string;
  driver: string;
  facts?: Facts;
  durationMs: number;
  /** The driver's volatile-line filter: what it returns is compared to decide "significant". */
  volatile?: (text: string) => string;
  jobId?: string;
  /** Defaults to the data directory's store. */
  store?: BlobStore;
  /** The git mirror, when enabled: a changed config is queued there (never blocks, never fails the backup). */
  mirror?: { enqueue(c: MirrorChange): void };
  /** The text already hashed and compressed by the fetch thread (used by the batch recorder's putMany). */
  packed?: PackedConfig;
}

export interface RecordBackupResult {
  historyId: string;
  configId: string;
  sha256: string;
  size: number;
  /** The bytes differ from the previous successful version of the same config (true for the first). */
  changed: boolean;
  /** They still differ after the volatile filter (true for the first). */
  significant: boolean;
  previousId: string | null;
  blob: PutResult;
}

export interface RecordFailureInput {
  deviceId: string;
  configId?: string;
  error: NetkeepError;
  startedAt: Date;
  completedAt: Date;
  trigger: Trigger | string;
  driver?: string;
  durationMs?: number;
  jobId?: string;
}

interface DeviceRow {
  id: string;
  name: string;
  protocol: string;
  last_success_at: Date | null;
  last_attempt_at: Date | null;
  failing_since: Date | null;
  consecutive_failures: number;
}

async function loadDevice(db: Db, id: string, lock: boolean): Promise<DeviceRow> {
  let q = db.selectFrom('devices').select(['id', 'name', 'protocol', 'last_success_at', 'last_attempt_at', 'failing_since', 'consecutive_failures']).where('id', '=', id);
  if (lock) q = q.forUpdate();
  const d = /^[0-9a-f-]{36}$/i.test(id) ? await q.executeTakeFirst() : undefined;
  if (!d) throw new InputError('device_not_found', `no device with id "${id}"; list the devices to find the right one`, 404);
  return d as DeviceRow;
}

/**
 * The backup config a run belongs to: the given one (it must belong to the device), else the
 * device's running-config one, created (running-config over the device's protocol) when missing.
 */
export async function resolveBackupConfig(
  db: Db,
  deviceId: string,
  configId?: string,
): Promise<{ id: string; compression_enabled: boolean; encryption_enabled: boolean; backup_type: string }> {
  if (configId) {
    const c = /^[0-9a-f-]{36}$/i.test(configId)
      ? await db.selectFrom('backup_configs').select(['id', 'device_id', 'compression_enabled', 'encryption_enabled', 'backup_type']).where('id', '=', configId).executeTakeFirst()
      : undefined;
    if (!c) throw new InputError('backup_config_not_found', `no backup config with id "${configId}"; list the device's backup configs to find the right one`, 404);
    if (c.device_id !== deviceId) throw new InputError('backup_config_mismatch', `backup config ${configId} belongs to another device; give one of this device's backup configs`, 400);
    return c;
  }
  const find = (q: Db) =>
    q
      .selectFrom('backup_configs')
      .select(['id', 'compression_enabled', 'encryption_enabled', 'backup_type'])
      .where('device_id', '=', deviceId)
      .where('backup_type', '=', 'running-config')
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  const found = await find(db);
  if (found) return found;
  const run = async (trx: Db) => {
    // One default per device even when two runs record at once.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${'netkeep-config:' + deviceId}))`.execute(trx);
    const again = await find(trx);
    if (again) return again;
    const d = await loadDevice(trx, deviceId, false);
    return trx
      .insertInto('backup_configs')
      .values({ device_id: deviceId, backup_type: 'running-config', protocol: d.protocol, options: jsonb({}), updated_at: new Date() })
      .returning(['id', 'compression_enabled', 'encryption_enabled', 'backup_type'])
      .executeTakeFirstOrThrow();
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

function metaRows(backupId: string, m: Record<string, string | number | undefined | null>) {
  return Object.entries(m)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([key, value]) => ({ backup_id: backupId, key, value: String(value) }));
}

class BlobVanished extends Error {}

/** Store a successful run. Throws NetkeepError('storage_error') when the config could not be stored and verified. */
export async function recordBackup(ctx: StoreContext, input: RecordBackupInput): Promise<RecordBackupResult> {
  if (typeof input.text !== 'string' && !Buffer.isBuffer(input.text)) throw new InputError('invalid_config', 'the config text must be a string', 400);
  const store = input.store ?? BlobStore.forContext(ctx);
  const db = ctx.db;
  await loadDevice(db, input.deviceId, false);
  const config = await resolveBackupConfig(db, input.deviceId, input.configId);
  let blob = await store.put(input.text, { compress: config.compression_enabled, encrypt: config.encryption_enabled });

  const prev = await db
    .selectFrom('backup_history')
    .select(['id', 'checksum'])
    .where('config_id', '=', config.id)
    .where('status', '=', 'success')
    .where('started_at', '<=', input.startedAt)
    .orderBy('started_at', 'desc')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const changed = !prev || prev.checksum !== blob.sha256;
  let significant = changed;
  if (changed && prev && input.volatile) {
    try {
      const before = await store.getText(prev.checksum);
      significant = input.volatile(before) !== input.volatile(input.text.toString('utf8'));
    } catch {
      significant = true; // the previous version is unreadable: say "significant" rather than hide a change
    }
  }

  for (let attempt = 0; ; attempt++) {
    try {
      const historyId = await db.transaction().execute(async (trx) => {
        // Hold the blob row while the history row that references it is written: a retention
        // run that wants to collect it waits, then sees the reference.
        const held = await trx.selectFrom('blobs').select('sha256').where('sha256', '=', blob.sha256).forShare().executeTakeFirst();
        if (!held) throw new BlobVanished();
        const h = await trx
          .insertInto('backup_history')
          .values({
            config_id: config.id,
            device_id: input.deviceId,
            status: 'success',
            file_path: blob.sha256,
            file_size: blob.size,
            checksum: blob.sha256,
            error_message: null,
            started_at: input.startedAt,
            completed_at: input.completedAt,
            trigger: input.trigger,
            error_class: null,
            job_id: input.jobId ?? null,
            changed,
            significant,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const rows = metaRows(h.id, {
          driver: input.driver,
          os_version: input.facts?.osVersion,
          model: input.facts?.model,
          serial: input.facts?.serial,
          duration_ms: Math.round(input.durationMs),
          // changed, significant and trigger are the history row's own columns; the version
          // view (store/history.ts) shows them among the metadata as before
        });
        if (rows.length) await trx.insertInto('backup_metadata').values(rows).execute();
        const d = await loadDevice(trx, input.deviceId, true);
        // An imported or late-recorded older run does not overwrite newer state.
        if (!d.last_success_at || d.last_success_at.getTime() <= input.completedAt.getTime()) {
          const newest = !d.last_attempt_at || d.last_attempt_at.getTime() <= input.completedAt.getTime();
          await trx
            .updateTable('devices')
            .set({
              last_success_at: input.completedAt,
              ...(changed ? { last_change_at: input.completedAt } : {}),
              ...(newest
                ? { last_status: 'success', last_attempt_at: input.completedAt, consecutive_failures: 0, failing_since: null, last_error: null, last_error_class: null }
                : {}),
              updated_at: new Date(),
            })
            .where('id', '=', input.deviceId)
            .execute();
        }
        return h.id;
      });
      if (changed && input.mirror) {
        try {
          const d = await db
            .selectFrom('devices as d')
            .leftJoin('device_groups as g', 'g.id', 'd.group_id')
            .select(['d.name', 'g.name as group'])
            .where('d.id', '=', input.deviceId)
            .executeTakeFirstOrThrow();
          input.mirror.enqueue({ deviceName: d.name, group: d.group, text: input.text, at: input.completedAt, trigger: input.trigger, historyId });
        } catch {
          /* the mirror is a copy: its trouble never fails a recorded backup */
        }
      }
      return { historyId, configId: config.id, sha256: blob.sha256, size: blob.size, changed, significant, previousId: prev?.id ?? null, blob };
    } catch (err) {
      if (err instanceof BlobVanished && attempt < 3) {
        blob = await store.put(input.text, { compress: config.compression_enabled, encrypt: config.encryption_enabled });
        continue;
      }
      if (err instanceof BlobVanished) throw new NetkeepError('storage_error', `blob ${blob.sha256} kept disappearing while its history row was written (a retention run collecting it?); run the backup again`);
      throw err;
    }
  }
}

/** Record a failed run and advance the device's failure counters. */
export async function recordFailure(ctx: StoreContext, input: RecordFailureInput): Promise<{ historyId: string; configId: string; consecutiveFailures: number }> {
  const db = ctx.db;
  await loadDevice(db, input.deviceId, false);
  const config = await resolveBackupConfig(db, input.deviceId, input.configId);
  const message = input.error.message || 'unknown error';
  return db.transaction().execute(async (trx) => {
    const h = await trx
      .insertInto('backup_history')
      .values({
        config_id: config.id,
        device_id: input.deviceId,
        status: 'failure',
        file_path: '',
        file_size: 0,
        checksum: '',
        error_message: message,
        started_at: input.startedAt,
        completed_at: input.completedAt,
        trigger: input.trigger,
        error_class: input.error.failureClass,
        job_id: input.jobId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const rows = metaRows(h.id, {
      driver: input.driver,
      duration_ms: input.durationMs === undefined ? undefined : Math.round(input.durationMs),
      trigger: input.trigger,
      error_class: input.error.failureClass,
    });
    if (rows.length) await trx.insertInto('backup_metadata').values(rows).execute();
    const d = await loadDevice(trx, input.deviceId, true);
    let n = d.consecutive_failures;
    if (!d.last_attempt_at || d.last_attempt_at.getTime() <= input.completedAt.getTime()) {
      n = d.consecutive_failures + 1;
      await trx
        .updateTable('devices')
        .set({
          last_status: 'failure',
          last_attempt_at: input.completedAt,
          consecutive_failures: n,
          failing_since: d.failing_since ?? input.startedAt,
          last_error: message,
          last_error_class: input.error.failureClass,
          updated_at: new Date(),
        })
        .where('id', '=', input.deviceId)
        .execute();
    }
    return { historyId: h.id, configId: config.id, consecutiveFailures: n };
  });
}
