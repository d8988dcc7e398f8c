// Restore API: the dry run and the execution it allows (POST /backups/history/{id}/restore),
// restore records (GET /restores, /restores/{id}) and the diff of a version against the live
// config (GET /backups/history/{id}/diff-live). The work is in src/restore/service.ts.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { InputError } from '../../errors.ts';
import { getDevice } from '../../inventory/devices.ts';
import { diffLive, dryRun, execute, getRestore, listRestores, tokenUses, type Actor } from '../../restore/service.ts';
import { DateTime, Nullable, UuidParams, requireUser, responses, setTarget, toJson } from '../http.ts';

const Hunk = Type.Object({ oldStart: Type.Integer(), oldLines: Type.Integer(), newStart: Type.Integer(), newLines: Type.Integer(), lines: Type.Array(Type.String()) });
const Method = Type.Union([Type.Literal('replace'), Type.Literal('merge')]);

const RestoreBody = Type.Object(
  {
    execute: Type.Optional(Type.Boolean({ default: false, description: 'false (default): dry run — fetch live, diff, plan, return a confirmation token; nothing is sent. true: push, with confirm_token' })),
    confirm_token: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the token the dry run returned (bound to this version, the live config hash and you; 10 minutes; once)' })),
    method: Type.Optional(Type.Union([Type.Literal('auto'), Method], { description: "auto (default): replace where the platform has one, merge otherwise; the execution uses the dry run's method" })),
  },
  { additionalProperties: false },
);

const DryRunReply = Type.Object({
  dry_run: Type.Literal(true),
  restore_id: Type.String({ format: 'uuid' }),
  device_id: Type.String({ format: 'uuid' }),
  device_name: Type.String(),
  history_id: Type.String({ format: 'uuid' }),
  method: Method,
  method_description: Type.String(),
  live_sha256: Type.String({ description: 'SHA-256 of the live config after the volatile filter, without comment lines: what the token is bound to' }),
  target_sha256: Type.String(),
  identical: Type.Boolean({ description: 'the live config already matches the version (comments and volatile lines ignored)' }),
  diff: Type.Object({ unified: Type.String({ description: 'live → version' }), hunks: Type.Array(Hunk) }),
  payload: Type.Object({ kind: Type.Union([Type.Literal('commands'), Type.Literal('netconf'), Type.Literal('restconf'), Type.Literal('file')]), text: Type.String(), steps: Type.Array(Type.String()) }),
  confirm_token: Type.String(),
  expires_at: DateTime(),
  warnings: Type.Array(Type.String()),
});
const ExecuteReply = Type.Object({
  dry_run: Type.Literal(false),
  restore_id: Type.String({ format: 'uuid' }),
  device_id: Type.String({ format: 'uuid' }),
  device_name: Type.String(),
  history_id: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('rolled_back')]),
  method: Method,
  verified: Type.Boolean(),
  verify_diff: Type.Optional(Type.String()),
  failed_line: Type.Optional(Type.String()),
  device_answer: Type.Optional(Type.String()),
  message: Type.String(),
  history_id_after: Type.Optional(Type.String({ format: 'uuid', description: 'the version recorded from the verified config' })),
});
const RestoreRowSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  device_id: Type.String({ format: 'uuid' }),
  device_name: Type.String(),
  history_id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  method: Type.String(),
  payload_kind: Type.String(),
  live_sha256: Type.String(),
  target_sha256: Type.String(),
  status: Type.String({ description: 'planned (dry run only), running, success, failed, rolled_back, refused, interrupted (netkeep stopped while it ran)' }),
  verified: Nullable(Type.Boolean()),
  verify_diff: Nullable(Type.String()),
  failed_line: Nullable(Type.String()),
  device_answer: Nullable(Type.String()),
  message: Nullable(Type.String()),
  history_id_after: Nullable(Type.String()),
  token_expires_at: DateTime(),
  token_used_at: Nullable(DateTime()),
  created_at: DateTime(),
  executed_at: Nullable(DateTime()),
  finished_at: Nullable(DateTime()),
  token_uses: Type.Optional(Type.Array(Type.Object({ at: DateTime(), outcome: Type.String(), username: Nullable(Type.String()) }))),
});
const ListQuery = Type.Object(
  {
    device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'device id or name' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  },
  { additionalProperties: false },
);
const DiffLiveQuery = Type.Object({ hide_volatile: Type.Boolean({ default: true, description: "drop the driver's volatile lines before diffing" }) }, { additionalProperties: false });
const DiffLiveReply = Type.Object({
  device_id: Type.String({ format: 'uuid' }),
  device_name: Type.String(),
  history_id: Type.String({ format: 'uuid' }),
  live_sha256: Type.String(),
  identical: Type.Boolean(),
  added: Type.Integer(),
  removed: Type.Integer(),
  unified: Type.String({ description: 'version → live' }),
  hunks: Type.Array(Hunk),
});

function actorOf(req: FastifyRequest): Actor {
  const u = requireUser(req);
  return { id: u.id, username: u.username, sourceIp: req.ip };
}

export function restoreRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.post('/backups/history/:id/restore', {
    schema: {
      tags: ['restore'],
      summary: 'Restore a version to its device: dry run by default (diff against live + exact payload + confirmation token); execute with the token',
      params: UuidParams,
      body: RestoreBody,
      response: responses({ 200: Type.Union([DryRunReply, ExecuteReply]) }),
    },
    config: { access: 'backups:restore', action: 'backup.restore', target: 'backup' },
    handler: async (req) => {
      const id = (req.params as { id: string }).id;
      const body = (req.body ?? {}) as Static<typeof RestoreBody>;
      setTarget(req, 'backup', id, { execute: body.execute === true });
      if (body.execute) {
        if (!body.confirm_token) {
          throw new InputError('confirm_token_required', 'an execution needs the confirm_token of a dry run: POST this again without "execute", review the diff, then send {"execute": true, "confirm_token": "<token>"}', 400);
        }
        const r = await execute(ctx, id, body.confirm_token, actorOf(req));
        setTarget(req, 'backup', id, { restore_id: r.restore_id, status: r.status, verified: r.verified });
        return toJson(r);
      }
      if (body.confirm_token) throw new InputError('execute_missing', 'a confirm_token was sent without "execute": true; add it to run the restore, or drop the token for a dry run', 400);
      const r = await dryRun(ctx, id, actorOf(req), { method: body.method ?? 'auto' });
      setTarget(req, 'backup', id, { restore_id: r.restore_id, method: r.method, identical: r.identical });
      return toJson(r);
    },
  });

  app.get('/restores', {
    schema: { tags: ['restore'], summary: 'Restores, newest first (dry runs and executions)', querystring: ListQuery, response: responses({ 200: Type.Object({ items: Type.Array(RestoreRowSchema) }) }) },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof ListQuery>;
      const deviceId = q.device_id ? (await getDevice(db, q.device_id)).id : undefined;
      return toJson({ items: await listRestores(db, { ...(deviceId ? { deviceId } : {}), limit: q.limit }) });
    },
  });

  app.get('/restores/:id', {
    schema: { tags: ['restore'], summary: 'One restore, with the uses of its confirmation token', params: UuidParams, response: responses({ 200: RestoreRowSchema }) },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const r = await getRestore(db, (req.params as { id: string }).id);
      return toJson({ ...r, token_uses: await tokenUses(db, r.id) });
    },
  });

  app.get('/backups/history/:id/diff-live', {
    schema: {
      tags: ['restore'],
      summary: "Diff a version against the device's config now (fetched live; nothing is sent to the device)",
      params: UuidParams,
      querystring: DiffLiveQuery,
      response: responses({ 200: DiffLiveReply }),
    },
    config: { access: 'backups:read', action: 'backup.diff_live', target: 'backup' },
    handler: async (req) => {
      const id = (req.params as { id: string }).id;
      const q = req.query as Static<typeof DiffLiveQuery>;
      return toJson(await diffLive(ctx, id, actorOf(req), { hideVolatile: q.hide_volatile }));
    },
  });
}
