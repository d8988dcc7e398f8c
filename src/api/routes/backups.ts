// The seed's backup API: backup configurations and "back up now". (History, downloads and diffs
// are in ../store-routes.ts; restore is in ./restore.ts.)
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { InputError } from '../../errors.ts';
import {
  BACKUP_TYPES,
  createBackupConfig,
  deleteBackupConfig,
  getBackupConfig,
  listBackupConfigs,
  updateBackupConfig,
} from '../../inventory/backup-configs.ts';
import { getDevice, PROTOCOLS } from '../../inventory/devices.ts';
import type { BackupConfigView } from '../../inventory/backup-configs.ts';
import { describeCron, nextRuns } from '../../schedule/cron.ts';
import { enqueueBackup } from '../../schedule/queue.ts';
import { DateTime, IdOrNameParams, Nullable, NoContent, PageQueryProps, Paged, UuidParams, paged, responses, setTarget, toJson } from '../http.ts';

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
  schedule_description: Nullable(Type.String({ description: 'the schedule in English ("at 02:30 every day"); null: not scheduled' })),
  next_runs: Type.Array(DateTime(), { description: 'the next 5 scheduled runs (empty when disabled or not scheduled)' }),
  next_run_at: Nullable(Type.String({ format: 'date-time', description: 'the slot the scheduler will run next (set once the scheduler has seen the schedule)' })),
  last_run_at: Nullable(Type.String({ format: 'date-time', description: 'when the scheduler last queued this configuration' })),
  last_job_id: Nullable(Type.String({ description: 'the job the scheduler last queued' })),
  warnings: Type.Array(Type.String(), { description: 'what an operator should fix, e.g. TLS verification switched off' }),
});

/** Warnings about a configuration's settings: TLS verification off (options.tls or options.<protocol>.tls). */
export function configWarnings(options: unknown): string[] {
  const o = (options && typeof options === 'object' ? options : {}) as Record<string, unknown>;
  const insecure = (v: unknown) => !!v && typeof v === 'object' && (v as { insecure?: unknown }).insecure === true;
  const where = [insecure(o.tls) ? 'tls' : undefined, ...Object.entries(o).filter(([, v]) => v && typeof v === 'object' && insecure((v as { tls?: unknown }).tls)).map(([k]) => `${k}.tls`)].filter(Boolean);
  return where.length
    ? [`TLS certificate verification is off (${where.join(', ')}: insecure): anyone on the path can impersonate the device; pin its certificate fingerprint or give its CA instead`]
    : [];
}

/** A backup configuration as the API shows it: with its schedule in English and its next runs. */
export function configJson(c: BackupConfigView, now = new Date()): unknown {
  let description: string | null = null;
  let runs: Date[] = [];
  if (c.schedule_cron) {
    try {
      description = describeCron(c.schedule_cron);
      if (c.enabled) runs = nextRuns(c.schedule_cron, c.schedule_timezone, now, 5);
    } catch {
      description = `cannot be read: "${c.schedule_cron}"; set a valid schedule`;
    }
  }
  return toJson({ ...c, schedule_description: description, next_runs: runs, warnings: configWarnings(c.options) });
}
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
const RunBody = Type.Object(
  {
    backup_type: Type.Optional(ConfigFields.backup_type),
    config_id: Type.Optional(Type.String({ format: 'uuid', description: 'the backup configuration to run (default: the running-config one)' })),
  },
  { additionalProperties: false },
);
const RunAccepted = Type.Object({
  job_id: Type.String({ format: 'uuid' }),
  queued: Type.Boolean({ description: 'false: a job for this device and backup type was already waiting; job_id is that job' }),
  device_id: Type.String({ format: 'uuid' }),
  device_name: Type.String(),
  config_id: Nullable(Type.String({ format: 'uuid' })),
  backup_type: Nullable(Type.String()),
  start_after: Nullable(DateTime()),
  status_url: Type.String({ description: 'poll this for the state, progress and result' }),
  events_url: Type.String({ description: 'stream this device\'s events (SSE)' }),
});

type IdParams = Static<typeof IdOrNameParams>;

export function backupRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.post('/backups/configs', {
    schema: { tags: ['backups'], summary: 'Create a backup configuration', body: ConfigCreate, response: responses({ 201: BackupConfigSchema }) },
    config: { access: 'backups:write', action: 'backup_config.create', target: 'backup_config' },
    handler: async (req, reply) => {
      const c = await createBackupConfig(db, req.body as Static<typeof ConfigCreate>);
      setTarget(req, 'backup_config', c.id, { device: c.device_name });
      reply.code(201);
      return configJson(c);
    },
  });
  app.get('/backups/configs', {
    schema: { tags: ['backups'], summary: 'List backup configurations', querystring: ConfigQuery, response: responses({ 200: Paged(BackupConfigSchema) }) },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof ConfigQuery>;
      const r = await listBackupConfigs(db, q);
      const now = new Date();
      return { ...(paged({ items: [], total: r.total }, q) as object), items: r.items.map((c) => configJson(c, now)) };
    },
  });
  app.get('/backups/configs/:id', {
    schema: { tags: ['backups'], summary: 'Get a backup configuration', params: UuidParams, response: responses({ 200: BackupConfigSchema }) },
    config: { access: 'backups:read' },
    handler: async (req) => configJson(await getBackupConfig(db, (req.params as IdParams).id)),
  });
  app.put('/backups/configs/:id', {
    schema: { tags: ['backups'], summary: 'Update a backup configuration (the fields given)', params: UuidParams, body: ConfigUpdate, response: responses({ 200: BackupConfigSchema }) },
    config: { access: 'backups:write', action: 'backup_config.update', target: 'backup_config' },
    handler: async (req) => {
      const body = req.body as Static<typeof ConfigUpdate>;
      const c = await updateBackupConfig(db, (req.params as IdParams).id, body);
      setTarget(req, 'backup_config', c.id, { fields: Object.keys(body) });
      return configJson(c);
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
    schema: {
      tags: ['backups'],
      summary: 'Back up a device now: queues a job and answers 202 with its id (poll GET /jobs/{id} or stream GET /events)',
      params: IdOrNameParams,
      body: RunBody,
      response: responses({ 202: RunAccepted }),
    },
    config: { access: 'backups:run', action: 'backup.run', target: 'device' },
    handler: async (req, reply) => {
      const d = await getDevice(db, (req.params as IdParams).id);
      setTarget(req, 'device', d.id, { name: d.name });
      const body = (req.body ?? {}) as Static<typeof RunBody>;
      const configs = await db.selectFrom('backup_configs').select(['id', 'backup_type']).where('device_id', '=', d.id).orderBy('created_at').execute();
      let config: { id: string; backup_type: string } | undefined;
      if (body.config_id !== undefined) {
        config = configs.find((c) => c.id === body.config_id);
        if (!config) throw new InputError('backup_config_not_found', `device ${d.name} has no backup configuration "${body.config_id}"; list its configurations with GET /api/v1/backups/configs?device=${encodeURIComponent(d.name)}`, 404);
        if (body.backup_type !== undefined && config.backup_type !== body.backup_type) {
          throw new InputError('backup_type_mismatch', `backup configuration ${config.id} is a ${config.backup_type} backup, not ${body.backup_type}; give one of them`, 400);
        }
      } else if (body.backup_type !== undefined) {
        config = configs.find((c) => c.backup_type === body.backup_type);
        if (!config) throw new InputError('backup_config_not_found', `device ${d.name} has no ${body.backup_type} backup configuration; create one (POST /api/v1/backups/configs) first`, 404);
      } else {
        config = configs.find((c) => c.backup_type === 'running-config') ?? (configs.length === 1 ? configs[0] : undefined);
      }
      const r = await enqueueBackup(ctx, { deviceId: d.id, ...(config ? { configId: config.id } : {}), trigger: 'api', ...(req.user ? { requestedBy: req.user.username } : {}) });
      setTarget(req, 'device', d.id, { name: d.name, job_id: r.jobId, queued: r.queued, ...(config ? { config_id: config.id } : {}) });
      reply.code(202);
      return toJson({
        job_id: r.jobId,
        queued: r.queued,
        device_id: d.id,
        device_name: d.name,
        config_id: config?.id ?? null,
        backup_type: config?.backup_type ?? (configs.length === 0 ? 'running-config' : null),
        start_after: r.startAfter ?? null,
        status_url: `/api/v1/jobs/${r.jobId}`,
        events_url: `/api/v1/events?device=${d.id}`,
      });
    },
  });
}
