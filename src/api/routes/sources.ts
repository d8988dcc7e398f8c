// Inventory sources (CSV, Oxidized/RANCID router.db, NetBox): CRUD, sync now (or dry-run
// preview), and the log of sync runs.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { createSource, deleteSource, getSource, listSources, updateSource } from '../../inventory/sources/store.ts';
import { listSyncRuns, syncSource } from '../../inventory/sources/sync.ts';
import { SOURCE_KINDS } from '../../inventory/sources/types.ts';
import { DateTime, IdOrNameParams, NoContent, Nullable, PageQueryProps, Paged, created, paged, responses, setTarget, toJson } from '../http.ts';

const Config = Type.Record(Type.String(), Type.Unknown(), { description: 'the settings of the kind (path, delimiter, map, url, platform_map, tls, …; see docs/inventory-sources.md)' });

export const SourceSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  kind: Type.String(),
  config: Config,
  has_token: Type.Boolean(),
  enabled: Type.Boolean(),
  schedule_cron: Nullable(Type.String()),
  schedule_timezone: Type.String(),
  next_run_at: Nullable(DateTime()),
  last_run_at: Nullable(DateTime()),
  last_status: Nullable(Type.String()),
  device_count: Type.Integer(),
  orphaned_count: Type.Integer(),
  created_at: DateTime(),
  updated_at: DateTime(),
});

const Fields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  kind: Type.Union(SOURCE_KINDS.map((k) => Type.Literal(k))),
  config: Config,
  token: Nullable(Type.String({ maxLength: 4096, description: 'NetBox API token (write-only; null clears it)' })),
  enabled: Type.Boolean(),
  schedule_cron: Nullable(Type.String({ maxLength: 100, description: '5-field cron or hourly/daily/weekly/monthly; null: sync only on demand' })),
  schedule_timezone: Type.String({ maxLength: 64 }),
};
const SourceCreate = Type.Object(
  {
    name: Fields.name,
    kind: Fields.kind,
    config: Fields.config,
    token: Type.Optional(Fields.token),
    enabled: Type.Optional(Fields.enabled),
    schedule_cron: Type.Optional(Fields.schedule_cron),
    schedule_timezone: Type.Optional(Fields.schedule_timezone),
  },
  { additionalProperties: false },
);
const { kind: _k, ...Patchable } = Fields;
const SourcePatch = Type.Partial(Type.Object(Patchable), { additionalProperties: false, minProperties: 1 });

const SyncBody = Type.Object(
  {
    dry_run: Type.Optional(Type.Boolean({ default: false, description: 'preview: say what would change, save nothing' })),
    content: Type.Optional(Type.String({ minLength: 1, description: 'file sources: the file content to use instead of reading config.path' })),
  },
  { additionalProperties: false },
);
const LineError = Type.Object({ line: Type.Integer(), message: Type.String() });
const Skipped = Type.Object({ line: Type.Integer(), name: Type.String(), reason: Type.String() });
const Change = Type.Object({
  action: Type.String({ description: 'create, update, orphan or restore' }),
  device: Type.String(),
  line: Type.Optional(Type.Integer()),
  fields: Type.Optional(Type.Array(Type.String())),
});
const SyncReportSchema = Type.Object({
  run_id: Nullable(Type.String()),
  source: Nullable(Type.String()),
  kind: Type.String(),
  dry_run: Type.Boolean(),
  status: Type.String({ description: 'ok (applied, or would apply), refused (bad records: nothing saved), failed (source unreadable)' }),
  message: Type.String(),
  records: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  orphaned: Type.Integer(),
  restored: Type.Integer(),
  errors: Type.Array(LineError),
  skipped: Type.Array(Skipped),
  changes: Type.Array(Change),
});
const RunSchema = Type.Object({
  id: Type.String(),
  trigger: Type.String(),
  dry_run: Type.Boolean(),
  status: Type.String(),
  started_at: DateTime(),
  finished_at: DateTime(),
  records: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  orphaned: Type.Integer(),
  restored: Type.Integer(),
  skipped: Type.Integer(),
  message: Nullable(Type.String()),
  errors: Type.Array(LineError),
  changes: Type.Array(Change),
  skipped_records: Type.Array(Skipped),
});
const PageQuery = Type.Object({ ...PageQueryProps }, { additionalProperties: false });
type IdParams = Static<typeof IdOrNameParams>;

export function sourceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db, keyring } = ctx;
  app.get('/sources', {
    schema: { tags: ['sources'], summary: 'List inventory sources', querystring: PageQuery, response: responses({ 200: Paged(SourceSchema) }) },
    config: { access: 'inventory:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof PageQuery>;
      return paged(await listSources(db, q), q);
    },
  });
  app.post('/sources', {
    schema: { tags: ['sources'], summary: 'Create an inventory source (CSV, Oxidized or RANCID router.db, NetBox)', body: SourceCreate, response: responses({ 201: SourceSchema }) },
    config: { access: 'inventory:import', action: 'source.create', target: 'source' },
    handler: async (req, reply) => {
      const s = await createSource(db, keyring, req.body as Static<typeof SourceCreate>);
      setTarget(req, 'source', s.id, { name: s.name, kind: s.kind });
      return created(reply, s);
    },
  });
  app.get('/sources/:id', {
    schema: { tags: ['sources'], summary: 'Get an inventory source by id or name (the token is never returned)', params: IdOrNameParams, response: responses({ 200: SourceSchema }) },
    config: { access: 'inventory:read' },
    handler: async (req) => toJson(await getSource(db, (req.params as IdParams).id)),
  });
  app.patch('/sources/:id', {
    schema: { tags: ['sources'], summary: 'Change an inventory source', params: IdOrNameParams, body: SourcePatch, response: responses({ 200: SourceSchema }) },
    config: { access: 'inventory:import', action: 'source.update', target: 'source' },
    handler: async (req) => {
      const body = req.body as Static<typeof SourcePatch>;
      const s = await updateSource(db, keyring, (req.params as IdParams).id, body);
      setTarget(req, 'source', s.id, { fields: Object.keys(body) });
      return toJson(s);
    },
  });
  app.delete('/sources/:id', {
    schema: { tags: ['sources'], summary: 'Delete an inventory source (its devices and their history stay)', params: IdOrNameParams, response: responses({ 204: NoContent }) },
    config: { access: 'inventory:import', action: 'source.delete', target: 'source' },
    handler: async (req, reply) => {
      const s = await deleteSource(db, (req.params as IdParams).id);
      setTarget(req, 'source', s.id, { name: s.name });
      return reply.code(204).send();
    },
  });
  app.post('/sources/:id/sync', {
    schema: {
      tags: ['sources'],
      summary: 'Sync the source now, or preview it (dry_run). Any bad record refuses the sync (status "refused", nothing saved, errors by line).',
      params: IdOrNameParams,
      body: SyncBody,
      response: responses({ 200: SyncReportSchema }),
    },
    config: { access: 'inventory:import', action: 'source.sync', target: 'source' },
    handler: async (req) => {
      const body = (req.body ?? {}) as Static<typeof SyncBody>;
      const id = (req.params as IdParams).id;
      const src = await getSource(db, id);
      const r = await syncSource(ctx, src.id, { dryRun: body.dry_run, trigger: 'api', ...(body.content !== undefined ? { text: body.content } : {}) });
      const { changes: _c, skipped: _s, errors, ...summary } = r;
      setTarget(req, 'source', src.id, { ...summary, errors: errors.length });
      return toJson(r);
    },
  });
  app.get('/sources/:id/runs', {
    schema: { tags: ['sources'], summary: 'The sync runs of a source, newest first', params: IdOrNameParams, querystring: PageQuery, response: responses({ 200: Paged(RunSchema) }) },
    config: { access: 'inventory:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof PageQuery>;
      return paged(await listSyncRuns(db, (req.params as IdParams).id, q), q);
    },
  });
}
