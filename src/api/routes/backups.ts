// The seed's backup API: backup configurations, history, latest, and the operations that the
// backup engine, blob store and restore will bring (501 until they exist).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { InputError } from '../../errors.ts';
import {
  BACKUP_TYPES,
  createBackupConfig,
  deleteBackupConfig,
  getBackupConfig,
  getBackupHistory,
  listBackupConfigs,
  updateBackupConfig,
} from '../../inventory/backup-configs.ts';
import { getDevice, PROTOCOLS } from '../../inventory/devices.ts';
import { DateTime, IdOrNameParams, Nullable, NoContent, PageQueryProps, Paged, UuidParams, created, paged, responses, setTarget, toJson } from '../http.ts';

const Options = Type.Record(Type.String(), Type.Unknown());
export const BackupConfigSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  device_id: Type.String({ format: 'uuid' }),
  device_name: Type.String(),
  backup_type: Type.String(),
  protocol: Type.String(),
  schedule_cron: Nullable(Type.String()),
  schedule_timezone: Type.String(),
  retention_days: Type.Integer(),
  compression_enabled: Type.Boolean(),
  encryption_enabled: Type.Boolean(),
  enabled: Type.Boolean(),
  options: Options,
  created_at: DateTime(),
  updated_at: DateTime(),
});
const ConfigFields = {
  backup_type: Type.Union(BACKUP_TYPES.map((t) => Type.Literal(t))),
  protocol: Type.Union(PROTOCOLS.map((p) => Type.Literal(p))),
  schedule_cron: Nullable(Type.String({ maxLength: 100, description: '5-field cron ("0 2 * * *") or hourly, daily, weekly, monthly, @hourly…' })),
  schedule_timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, default UTC' }),
  retention_days: Type.Integer({ minimum: 1, maximum: 36500 }),
  compression_enabled: Type.Boolean(),
  encryption_enabled: Type.Boolean(),
  enabled: Type.Boolean(),
  options: Options,
};
const ConfigCreate = Type.Object(
  {
    device_id: Type.String({ minLength: 1, maxLength: 255, description: 'device id or name' }),
    backup_type: ConfigFields.backup_type,
    protocol: Type.Optional(ConfigFields.protocol),
    schedule_cron: Type.Optional(ConfigFields.schedule_cron),
    schedule_timezone: Type.Optional(ConfigFields.schedule_timezone),
    retention_days: Type.Optional(ConfigFields.retention_days),
    compression_enabled: Type.Optional(ConfigFields.compression_enabled),
    encryption_enabled: Type.Optional(ConfigFields.encryption_enabled),
    enabled: Type.Optional(ConfigFields.enabled),
    options: Type.Optional(ConfigFields.options),
  },
  { additionalProperties: false },
);
const ConfigUpdate = Type.Object(
  {
    device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'must stay the same device' })),
    backup_type: Type.Optional(ConfigFields.backup_type),
    protocol: Type.Optional(ConfigFields.protocol),
    schedule_cron: Type.Optional(ConfigFields.schedule_cron),
    schedule_timezone: Type.Optional(ConfigFields.schedule_timezone),
    retention_days: Type.Optional(ConfigFields.retention_days),
    compression_enabled: Type.Optional(ConfigFields.compression_enabled),
    encryption_enabled: Type.Optional(ConfigFields.encryption_enabled),
    enabled: Type.Optional(ConfigFields.enabled),
    options: Type.Optional(ConfigFields.options),
  },
  { additionalProperties: false, minProperties: 1 },
);
const ConfigQuery = Type.Object({ ...PageQueryProps, device: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'device id or name' })) }, { additionalProperties: false });

export const HistorySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  config_id: Type.String({ format: 'uuid' }),
  device_id: Type.String({ format: 'uuid' }),
  status: Type.String(),
  file_path: Type.String(),
  file_size: Type.Integer(),
  checksum: Type.String(),
  error_message: Nullable(Type.String()),
  error_class: Nullable(Type.String()),
  started_at: DateTime(),
  completed_at: DateTime(),
  created_at: DateTime(),
  trigger: Type.String(),
  job_id: Nullable(Type.String()),
});
const RunBody = Type.Object({ backup_type: Type.Optional(ConfigFields.backup_type) }, { additionalProperties: false });
const RestoreBody = Type.Object(
  { dry_run: Type.Optional(Type.Boolean({ description: 'show what would change without pushing' })), mode: Type.Optional(Type.Union([Type.Literal('replace'), Type.Literal('merge')])) },
  { additionalProperties: false },
);

type IdParams = Static<typeof IdOrNameParams>;

function notImplemented(what: string, feature: string): InputError {
  return new InputError('not_implemented', `${what} is not available in this netkeep version yet; it arrives with ${feature}. Until then use the CLI or wait for the next release`, 501);
}

export function backupRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.post('/backups/configs', {
    schema: { tags: ['backups'], summary: 'Create a backup configuration', body: ConfigCreate, response: responses({ 201: BackupConfigSchema }) },
    config: { access: 'backups:write', action: 'backup_config.create', target: 'backup_config' },
    handler: async (req, reply) => {
      const c = await createBackupConfig(db, req.body as Static<typeof ConfigCreate>);
      setTarget(req, 'backup_config', c.id, { device: c.device_name });
      return created(reply, c);
    },
  });
  app.get('/backups/configs', {
    schema: { tags: ['backups'], summary: 'List backup configurations', querystring: ConfigQuery, response: responses({ 200: Paged(BackupConfigSchema) }) },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof ConfigQuery>;
      return paged(await listBackupConfigs(db, q), q);
    },
  });
  app.get('/backups/configs/:id', {
    schema: { tags: ['backups'], summary: 'Get a backup configuration', params: UuidParams, response: responses({ 200: BackupConfigSchema }) },
    config: { access: 'backups:read' },
    handler: async (req) => toJson(await getBackupConfig(db, (req.params as IdParams).id)),
  });
  app.put('/backups/configs/:id', {
    schema: { tags: ['backups'], summary: 'Update a backup configuration (the fields given)', params: UuidParams, body: ConfigUpdate, response: responses({ 200: BackupConfigSchema }) },
    config: { access: 'backups:write', action: 'backup_config.update', target: 'backup_config' },
    handler: async (req) => {
      const body = req.body as Static<typeof ConfigUpdate>;
      const c = await updateBackupConfig(db, (req.params as IdParams).id, body);
      setTarget(req, 'backup_config', c.id, { fields: Object.keys(body) });
      return toJson(c);
    },
  });
  app.delete('/backups/configs/:id', {
    schema: { tags: ['backups'], summary: 'Delete a backup configuration without history (else disable it)', params: UuidParams, response: responses({ 204: NoContent }) },
    config: { access: 'backups:write', action: 'backup_config.delete', target: 'backup_config' },
    handler: async (req, reply) => {
      const c = await deleteBackupConfig(db, (req.params as IdParams).id);
      setTarget(req, 'backup_config', c.id, { device: c.device_name });
      return reply.code(204).send();
    },
  });

  app.post('/backups/devices/:id/backup', {
    schema: { tags: ['backups'], summary: 'Back up a device now (501 until the backup engine is in)', params: IdOrNameParams, body: RunBody, response: responses({ 202: Type.Object({ job_id: Type.String() }) }) },
    config: { access: 'backups:run', action: 'backup.run', target: 'device' },
    handler: async (req) => {
      const d = await getDevice(db, (req.params as IdParams).id);
      setTarget(req, 'device', d.id, { name: d.name });
      throw notImplemented('running a backup from the API', 'the netkeep backup engine and job queue (backup/ and schedule/)');
    },
  });
  app.post('/backups/history/:id/restore', {
    schema: { tags: ['backups'], summary: 'Restore a stored config to its device (501 until restore is in)', params: UuidParams, body: RestoreBody, response: responses({ 202: Type.Object({ job_id: Type.String() }) }) },
    config: { access: 'backups:restore', action: 'backup.restore', target: 'backup' },
    handler: async (req) => {
      const h = await getBackupHistory(db, (req.params as IdParams).id);
      setTarget(req, 'backup', h.id, { device_id: h.device_id, ...(req.body as object) });
      throw notImplemented('restoring a config', 'netkeep restore (restore/: diff, dry-run, push, verify)');
    },
  });
}
