// Backup configurations (what to back up from a device, when, and how long to keep it) and the
// read side of backup history, as the seed's API exposes them.
import type { Db } from '../db/index.ts';
import { jsonb } from '../db/index.ts';
import type { BackupConfig, BackupHistory } from '../db/schema.ts';
import { InputError } from '../errors.ts';
import { validateCron, validateTimezone } from '../schedule/cron.ts';
import { isForeignKeyViolation, isUuid, page } from './common.ts';
import { getDevice, validateProtocol } from './devices.ts';
import { validateOptions } from './groups.ts';

// Schedules (cron, presets, time zones) are validated in one place: src/schedule/cron.ts.
export { CRON_PRESETS, validateCron, validateTimezone } from '../schedule/cron.ts';

export const BACKUP_TYPES = ['running-config', 'startup-config', 'full-state'] as const;
export interface BackupConfigInput {
  device_id: string;
  backup_type: string;
  protocol?: string;
  schedule_cron?: string | null;
  schedule_timezone?: string;
  retention_days?: number;
  compression_enabled?: boolean;
  encryption_enabled?: boolean;
  enabled?: boolean;
  options?: Record<string, unknown>;
}

export interface BackupConfigView extends Omit<BackupConfig, 'options'> {
  device_name: string;
  options: Record<string, unknown>;
}

export function validateBackupType(t: unknown): string {
  if (!BACKUP_TYPES.includes(t as (typeof BACKUP_TYPES)[number])) {
    throw new InputError('invalid_backup_type', `backup_type "${String(t)}" is not known; use one of ${BACKUP_TYPES.join(', ')}`, 400);
  }
  return t as string;
}

function validateRetention(days: unknown): number {
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new InputError('invalid_retention', `retention_days ${String(days)} is not valid; give a whole number of days from 1 to 36500`, 400);
  }
  return days;
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InputError('invalid_request', `${name} is true or false`, 400);
  return v;
}

function configQuery(db: Db) {
  return db.selectFrom('backup_configs as c').innerJoin('devices as d', 'd.id', 'c.device_id').selectAll('c').select('d.name as device_name');
}

export async function getBackupConfig(db: Db, id: string): Promise<BackupConfigView> {
  const r = isUuid(id) ? await configQuery(db).where('c.id', '=', id).executeTakeFirst() : undefined;
  if (!r) throw new InputError('backup_config_not_found', `no backup configuration with id "${id}"; list them with GET /api/v1/backups/configs`, 404);
  return r;
}

export async function createBackupConfig(db: Db, input: BackupConfigInput): Promise<BackupConfigView> {
  const device = await getDevice(db, input.device_id).catch((err) => {
    if (err instanceof InputError && err.status === 404) {
      throw new InputError('device_not_found', `no device with id or name "${input.device_id}"; create the device first or give an existing one`, 400);
    }
    throw err;
  });
  const backup_type = validateBackupType(input.backup_type);
  const protocol = validateProtocol(input.protocol ?? device.protocol);
  const schedule_timezone = validateTimezone(input.schedule_timezone ?? 'UTC');
  const schedule_cron = validateCron(input.schedule_cron, schedule_timezone);
  const r = await db
    .insertInto('backup_configs')
    .values({
      device_id: device.id,
      backup_type,
      protocol,
      schedule_cron,
      schedule_timezone,
      retention_days: validateRetention(input.retention_days ?? 30),
      compression_enabled: bool('compression_enabled', input.compression_enabled ?? true),
      encryption_enabled: bool('encryption_enabled', input.encryption_enabled ?? true),
      enabled: bool('enabled', input.enabled ?? true),
      options: jsonb(validateOptions('backup configuration', input.options ?? {})),
      updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return getBackupConfig(db, r.id);
}

export async function listBackupConfigs(
  db: Db,
  opts: { limit?: number; offset?: number; device?: string } = {},
): Promise<{ items: BackupConfigView[]; total: number }> {
  const { limit, offset } = page(opts);
  let q = configQuery(db);
  if (opts.device !== undefined) {
    const d = await getDevice(db, opts.device).catch(() => undefined);
    if (!d) return { items: [], total: 0 };
    q = q.where('c.device_id', '=', d.id);
  }
  const [items, count] = await Promise.all([
    q.orderBy('d.name').orderBy('c.created_at').orderBy('c.id').limit(limit).offset(offset).execute(),
    q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.n) };
}

/** PUT semantics of the seed: the fields given replace the stored ones; device_id cannot change. */
export async function updateBackupConfig(db: Db, id: string, patch: Partial<Omit<BackupConfigInput, 'device_id'>> & { device_id?: string }): Promise<BackupConfigView> {
  const c = await getBackupConfig(db, id);
  if (patch.device_id !== undefined && patch.device_id !== c.device_id && patch.device_id !== c.device_name) {
    throw new InputError('device_change_refused', 'a backup configuration stays with its device (its history belongs to it); create a new configuration for the other device instead', 400);
  }
  const set: Record<string, unknown> = {};
  if (patch.backup_type !== undefined) set.backup_type = validateBackupType(patch.backup_type);
  if (patch.protocol !== undefined) set.protocol = validateProtocol(patch.protocol);
  const tz = patch.schedule_timezone !== undefined ? validateTimezone(patch.schedule_timezone) : c.schedule_timezone;
  if (patch.schedule_timezone !== undefined) set.schedule_timezone = tz;
  if (patch.schedule_cron !== undefined) set.schedule_cron = validateCron(patch.schedule_cron, tz);
  if (patch.retention_days !== undefined) set.retention_days = validateRetention(patch.retention_days);
  if (patch.compression_enabled !== undefined) set.compression_enabled = bool('compression_enabled', patch.compression_enabled);
  if (patch.encryption_enabled !== undefined) set.encryption_enabled = bool('encryption_enabled', patch.encryption_enabled);
  if (patch.enabled !== undefined) set.enabled = bool('enabled', patch.enabled);
  if (patch.options !== undefined) set.options = jsonb(validateOptions('backup configuration', patch.options));
  if (Object.keys(set).length) await db.updateTable('backup_configs').set({ ...set, updated_at: new Date() }).where('id', '=', c.id).execute();
  return getBackupConfig(db, c.id);
}

/** Refuses (409 config_has_history) when backups were recorded under it: disable it instead. */
export async function deleteBackupConfig(db: Db, id: string): Promise<BackupConfigView> {
  const c = await getBackupConfig(db, id);
  const refuse = () =>
    new InputError('config_has_history', 'this backup configuration has backup history, which netkeep keeps; disable it instead (PUT it with {"enabled": false})', 409);
  const h = await db.selectFrom('backup_history').select('id').where('config_id', '=', c.id).limit(1).executeTakeFirst();
  if (h) throw refuse();
  try {
    await db.deleteFrom('backup_configs').where('id', '=', c.id).execute();
  } catch (err) {
    if (isForeignKeyViolation(err)) throw refuse();
    throw err;
  }
  return c;
}

export type BackupHistoryView = BackupHistory;

export async function getBackupHistory(db: Db, id: string): Promise<BackupHistoryView> {
  const r = isUuid(id) ? await db.selectFrom('backup_history').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!r) throw new InputError('backup_not_found', `no backup with id "${id}"; list a device's backups with GET /api/v1/backups/devices/{id}/history`, 404);
  return r;
}
