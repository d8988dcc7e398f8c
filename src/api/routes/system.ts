// Backups of netkeep itself over HTTP (admins only): start one, list them, download or delete an
// archive, and read or change the schedule and its retention.
import { createReadStream } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { InputError } from '../../errors.ts';
import { MIN_PASSPHRASE } from '../../system/passphrase.ts';
import {
  archiveExists,
  deleteSystemBackup,
  getSystemBackup,
  getSystemSchedule,
  listSystemBackups,
  startSystemBackup,
  updateSystemSchedule,
  type SystemBackupRow,
} from '../../system/service.ts';
import { DateTime, Nullable, responses, toJson, UuidParams } from '../http.ts';

const SystemBackupSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  file_name: Type.String(),
  path: Type.String({ description: 'where the archive is on the netkeep host' }),
  status: Type.Union([Type.Literal('running'), Type.Literal('success'), Type.Literal('failed'), Type.Literal('deleted')]),
  trigger: Type.Union([Type.Literal('cli'), Type.Literal('api'), Type.Literal('schedule')]),
  size: Nullable(Type.Integer()),
  sha256: Nullable(Type.String()),
  includes_master_key: Type.Boolean(),
  summary: Type.Record(Type.String(), Type.Unknown(), { description: 'tables, rows, blobs, blob_bytes, missing_blobs, key_ids, migrations' }),
  error: Nullable(Type.String()),
  created_by: Nullable(Type.String()),
  started_at: DateTime(),
  completed_at: Nullable(DateTime()),
});

const ScheduleSchema = Type.Object({
  enabled: Type.Boolean(),
  schedule_cron: Type.String({ description: '5-field cron or hourly/daily/weekly/monthly' }),
  schedule_timezone: Type.String(),
  keep_last: Type.Integer({ description: 'how many scheduled archives to keep (older ones are deleted)' }),
  next_run_at: Nullable(DateTime()),
});

const ScheduleUpdate = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    schedule_cron: Type.Optional(Type.String({ maxLength: 100 })),
    schedule_timezone: Type.Optional(Type.String({ maxLength: 64 })),
    keep_last: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

const StartBody = Type.Object(
  {
    include_master_key: Type.Optional(Type.Boolean({ default: false, description: 'put the master keys in, sealed with `passphrase`' })),
    passphrase: Type.Optional(Type.String({ minLength: MIN_PASSPHRASE, maxLength: 1024 })),
  },
  { additionalProperties: false },
);

const out = (r: SystemBackupRow) => toJson(r);

/** One system backup at a time per process. */
const running = new WeakMap<AppContext, Promise<unknown>>();

export function systemRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/system/backups', {
    schema: {
      tags: ['system'],
      summary: 'Backups of netkeep itself, newest first, with the schedule',
      response: responses({ 200: Type.Object({ items: Type.Array(SystemBackupSchema), schedule: ScheduleSchema }) }),
    },
    config: { access: 'settings:admin' },
    handler: async () => toJson({ items: await listSystemBackups(ctx), schedule: await getSystemSchedule(ctx) }),
  });

  app.post('/system/backups', {
    schema: {
      tags: ['system'],
      summary: 'Start a backup of netkeep itself (database, stored configs, settings; the master key only when asked, sealed with a passphrase). Poll GET /system/backups/{id}.',
      body: StartBody,
      response: responses({ 202: SystemBackupSchema }),
    },
    config: { access: 'settings:admin', action: 'system.backup', target: 'system_backup' },
    handler: async (req, reply) => {
      const b = (req.body ?? {}) as Static<typeof StartBody>;
      if (b.include_master_key && !b.passphrase) throw new InputError('passphrase_required', 'include_master_key needs a passphrase (at least 12 characters): the key is only ever stored sealed with one', 400);
      if (!b.include_master_key && b.passphrase) throw new InputError('invalid_request', 'passphrase is only used with include_master_key: true; add that, or leave the passphrase out', 400);
      if (running.has(ctx)) throw new InputError('system_backup_running', 'a system backup is already being written; wait for it to finish (GET /api/v1/system/backups)', 409);
      const { row, done } = await startSystemBackup(ctx, { trigger: 'api', createdBy: req.user?.username ?? null, ...(b.include_master_key ? { passphrase: b.passphrase! } : {}) });
      const p = done.finally(() => running.delete(ctx));
      running.set(ctx, p);
      p.catch((err) => req.log.error({ err }, 'system backup failed'));
      req.auditTarget = { type: 'system_backup', id: row.id };
      req.auditDetails = { include_master_key: !!b.include_master_key };
      return reply.code(202).send(out(row));
    },
  });

  app.get('/system/backups/:id', {
    schema: { tags: ['system'], summary: 'One backup of netkeep itself', params: UuidParams, response: responses({ 200: SystemBackupSchema }) },
    config: { access: 'settings:admin' },
    handler: async (req) => out(await getSystemBackup(ctx, (req.params as { id: string }).id)),
  });

  app.get('/system/backups/:id/download', {
    schema: {
      tags: ['system'],
      summary: 'Download the archive (application/gzip); x-netkeep-sha256 is its checksum',
      params: UuidParams,
      response: responses({ 200: Type.String({ description: 'the .tar.gz archive' }) }),
    },
    config: { access: 'settings:admin', action: 'system.backup.download', target: 'system_backup' },
    handler: async (req, reply) => {
      const row = await getSystemBackup(ctx, (req.params as { id: string }).id);
      if (row.status !== 'success') throw new InputError('system_backup_not_ready', `this system backup is ${row.status}; only a successful one can be downloaded`, 409);
      if (!archiveExists(row)) throw new InputError('system_backup_file_missing', `the archive file ${row.path} is gone from the netkeep host (moved or deleted); start a new system backup`, 410);
      reply.header('x-netkeep-sha256', row.sha256 ?? '');
      reply.header('cache-control', 'private, no-store');
      reply.header('content-disposition', `attachment; filename="${row.file_name}"`);
      if (row.size !== null) reply.header('content-length', String(row.size));
      return reply.type('application/gzip').send(createReadStream(row.path));
    },
  });

  app.delete('/system/backups/:id', {
    schema: { tags: ['system'], summary: 'Delete an archive file (the row stays, marked deleted)', params: UuidParams, response: responses({ 200: SystemBackupSchema }) },
    config: { access: 'settings:admin', action: 'system.backup.delete', target: 'system_backup' },
    handler: async (req) => out(await deleteSystemBackup(ctx, (req.params as { id: string }).id)),
  });

  app.get('/system/backup-schedule', {
    schema: { tags: ['system'], summary: 'When netkeep backs itself up, and how many scheduled archives it keeps', response: responses({ 200: ScheduleSchema }) },
    config: { access: 'settings:admin' },
    handler: async () => toJson(await getSystemSchedule(ctx)),
  });

  app.put('/system/backup-schedule', {
    schema: { tags: ['system'], summary: 'Change the system-backup schedule and retention', body: ScheduleUpdate, response: responses({ 200: ScheduleSchema }) },
    config: { access: 'settings:admin', action: 'system.backup_schedule.update', target: 'system_backup_schedule' },
    handler: async (req) => {
      const b = req.body as Static<typeof ScheduleUpdate>;
      req.auditDetails = { ...b };
      return toJson(await updateSystemSchedule(ctx, b));
    },
  });
}
