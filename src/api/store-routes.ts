// Config history over HTTP: a device's versions, one version, its download (text or gzip), the
// diff of any two. Blob bytes are served only after verification; a version whose blob fails it
// answers 409 blob_unverifiable and is listed with verifiable=false. Downloads and diffs show
// config content: they need backups:download and leave an audit row.
//
// Register inside the /api/v1 scope: `storeRoutes(api, ctx)`, or as a plugin:
// `app.register(storeRoutesPlugin, { prefix: '/api/v1', ctx })`. It replaces the seed's
// placeholder history/latest/download routes of routes/backups.ts (remove those there).
import { gzipSync } from 'node:zlib';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Db } from '../db/index.ts';
import type { Keyring } from '../security/masterkey.ts';
import { BlobStore } from '../store/blobs.ts';
import { diffVersions, getVersion, latestVersion, listVersions, readVersion, type VersionView } from '../store/history.ts';
import { InputError } from '../errors.ts';
import { DateTime, IdOrNameParams, Nullable, UuidParams, responses, setTarget, toJson } from './http.ts';

export const VersionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  device_id: Type.String({ format: 'uuid' }),
  config_id: Type.String({ format: 'uuid' }),
  backup_type: Type.String(),
  status: Type.String({ description: 'success or failure' }),
  started_at: DateTime(),
  completed_at: DateTime(),
  trigger: Type.String(),
  file_path: Type.String({ description: 'the blob key (SHA-256 of the config); empty for a failed run' }),
  file_size: Type.Integer({ description: 'bytes of the config text' }),
  checksum: Type.String({ description: 'SHA-256 (hex) of the config text' }),
  changed: Nullable(Type.Boolean({ description: 'differs from the previous successful version' })),
  significant: Nullable(Type.Boolean({ description: 'differs after the driver\'s volatile-line filter' })),
  error_message: Nullable(Type.String()),
  error_class: Nullable(Type.String()),
  job_id: Nullable(Type.String()),
  verify_status: Nullable(Type.String({ description: 'ok, missing, corrupt, tampered or key_missing (last verification); null for a failed run' })),
  verifiable: Type.Boolean({ description: 'false when the stored config failed verification: it is not served' }),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
});

const HistoryQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'page size (1–1000)' }),
    offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0, description: 'items to skip (prefer cursor on deep pages)' }),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
    changes_only: Type.Optional(Type.Boolean({ description: 'only versions whose config changed' })),
    status: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure')])),
    config_id: Type.Optional(Type.String({ format: 'uuid', description: 'one backup config (backup type)' })),
  },
  { additionalProperties: false },
);
const HistoryPage = Type.Object({
  items: Type.Array(VersionSchema),
  total: Type.Optional(Type.Integer({ description: 'all matching versions; only on the first page (without cursor): counting 100,000 rows costs more than the page' })),
  limit: Type.Integer(),
  offset: Type.Integer(),
  next_cursor: Nullable(Type.String({ description: 'pass as cursor for the next (older) page; null on the last page' })),
});
const DownloadQuery = Type.Object({ format: Type.Union([Type.Literal('text'), Type.Literal('gzip')], { default: 'text' }) }, { additionalProperties: false });
const DiffQuery = Type.Object(
  {
    from: Type.String({ format: 'uuid', description: 'the older version (history id)' }),
    to: Type.String({ format: 'uuid', description: 'the newer version (history id)' }),
    hide_volatile: Type.Boolean({ default: false, description: "drop the driver's volatile lines (clock, uptime…) before diffing" }),
    ignore: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Array(Type.String({ maxLength: 500 }), { maxItems: 20 })], { description: 'regular expression(s): matching lines are dropped before diffing' })),
    context: Type.Integer({ minimum: 0, maximum: 1000, default: 3 }),
    format: Type.Union([Type.Literal('json'), Type.Literal('unified')], { default: 'json' }),
  },
  { additionalProperties: false },
);
const Hunk = Type.Object({ oldStart: Type.Integer(), oldLines: Type.Integer(), newStart: Type.Integer(), newLines: Type.Integer(), lines: Type.Array(Type.String()) });
const DiffSchema = Type.Object({
  from: VersionSchema,
  to: VersionSchema,
  identical: Type.Boolean(),
  added: Type.Integer(),
  removed: Type.Integer(),
  unified: Type.String({ description: 'unified diff text' }),
  hunks: Type.Array(Hunk),
});

export interface StoreRoutesContext {
  db: Db;
  keyring: Keyring;
  dataDir: string;
}

const out = (v: VersionView) => toJson({ ...v, file_path: v.checksum, file_size: v.size });

function fileName(deviceName: string, v: VersionView): string {
  const safe = deviceName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'device';
  return `${safe}_${v.started_at.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}.cfg`;
}

function regexes(ignore: string | string[] | undefined): RegExp[] {
  const list = ignore === undefined ? [] : Array.isArray(ignore) ? ignore : [ignore];
  return list.map((s) => {
    try {
      return new RegExp(s);
    } catch (err) {
      throw new InputError('invalid_regex', `ignore pattern "${s}" is not a valid regular expression (${(err as Error).message}); fix it`, 400);
    }
  });
}

/** Register the history routes on an instance already scoped to /api/v1. */
export function storeRoutes(app: FastifyInstance, ctx: StoreRoutesContext, store: BlobStore = BlobStore.forContext(ctx)): void {
  const { db } = ctx;

  app.get('/backups/devices/:id/history', {
    schema: { tags: ['backups'], summary: "A device's versions, newest first, with changed/significant flags", params: IdOrNameParams, querystring: HistoryQuery, response: responses({ 200: HistoryPage }) },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof HistoryQuery>;
      const p = await listVersions(db, (req.params as { id: string }).id, {
        limit: q.limit,
        offset: q.offset,
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.changes_only ? { changesOnly: true } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.config_id ? { configId: q.config_id } : {}),
        withTotal: !q.cursor,
      });
      return { items: p.items.map(out), ...(p.total !== undefined ? { total: p.total } : {}), limit: p.limit, offset: q.cursor ? 0 : q.offset, next_cursor: p.next_cursor };
    },
  });

  app.get('/backups/devices/:id/latest', {
    schema: { tags: ['backups'], summary: 'The newest successful version of a device', params: IdOrNameParams, response: responses({ 200: VersionSchema }) },
    config: { access: 'backups:read' },
    handler: async (req) => out(await latestVersion(db, (req.params as { id: string }).id)),
  });

  app.get('/backups/history/:id', {
    schema: { tags: ['backups'], summary: 'One version with its metadata and verification state', params: UuidParams, response: responses({ 200: VersionSchema }) },
    config: { access: 'backups:read' },
    handler: async (req) => out(await getVersion(db, (req.params as { id: string }).id)),
  });

  app.get('/backups/history/:id/download', {
    schema: {
      tags: ['backups'],
      summary: 'Download a stored config, byte for byte (verified first; 409 blob_unverifiable when it fails)',
      params: UuidParams,
      querystring: DownloadQuery,
      response: responses({ 200: Type.String({ description: 'the config (text/plain, or application/gzip with format=gzip)' }) }),
    },
    config: { access: 'backups:download', action: 'backup.download', target: 'backup' },
    handler: async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const { format } = req.query as Static<typeof DownloadQuery>;
      setTarget(req, 'backup', id, { format });
      const { version, text } = await readVersion(db, store, id, { withMetadata: false });
      const dev = await db.selectFrom('devices').select('name').where('id', '=', version.device_id).executeTakeFirst();
      setTarget(req, 'backup', id, { device_id: version.device_id, device: dev?.name, sha256: version.checksum, format });
      const name = fileName(dev?.name ?? version.device_id, version);
      reply.header('x-netkeep-sha256', version.checksum);
      reply.header('cache-control', 'private, no-store');
      if (format === 'gzip') {
        reply.header('content-disposition', `attachment; filename="${name}.gz"`);
        return reply.type('application/gzip').send(gzipSync(text));
      }
      reply.header('content-disposition', `attachment; filename="${name}"`);
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  });

  app.get('/backups/diff', {
    schema: {
      tags: ['backups'],
      summary: 'Diff two versions (JSON with unified text and hunks, or format=unified for text/x-diff)',
      querystring: DiffQuery,
      response: responses({ 200: Type.Union([DiffSchema, Type.String()]) }),
    },
    config: { access: 'backups:download', action: 'backup.diff', target: 'backup' },
    handler: async (req, reply) => {
      const q = req.query as Static<typeof DiffQuery>;
      setTarget(req, 'backup', q.to, { from: q.from, to: q.to });
      const d = await diffVersions(db, store, q.from, q.to, { hideVolatile: q.hide_volatile, ignore: regexes(q.ignore), context: q.context });
      if (q.format === 'unified') return reply.type('text/x-diff; charset=utf-8').send(d.unified);
      return toJson({ ...d, from: out(d.from), to: out(d.to) });
    },
  });
}

/** The same routes as a Fastify plugin: `app.register(storeRoutesPlugin, { prefix: '/api/v1', ctx })`. */
export const storeRoutesPlugin: FastifyPluginAsync<{ ctx: StoreRoutesContext; store?: BlobStore }> = async (app, opts) => {
  storeRoutes(app, opts.ctx, opts.store);
};
