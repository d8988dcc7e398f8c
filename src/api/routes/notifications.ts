// Notification channels: list, create, read, change, delete, send a test message, and read a
// channel's delivery log. Admins only (settings:admin); secrets are write-only.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { createChannel, deleteChannel, getChannel, listChannels, listDeliveries, resolveChannel, updateChannel } from '../../notify/channels.ts';
import { compose } from '../../notify/format.ts';
import { sendMessage, testEvent } from '../../notify/send.ts';
import { countNotify } from '../../notify/stats.ts';
import { CHANNEL_KINDS, NOTIFY_EVENTS } from '../../notify/types.ts';
import { DateTime, NoContent, Nullable, UuidParams, created, responses, setTarget, toJson } from '../http.ts';

const Kind = Type.Union(CHANNEL_KINDS.map((k) => Type.Literal(k)));
const EventName = Type.Union(NOTIFY_EVENTS.map((k) => Type.Literal(k)));
const Config = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'settings of the kind (docs/notifications.md). webhook: url, secret*; slack/teams: url*; email: host, port, tls, username, password*, from, to, ca, verify_tls; ' +
    'syslog: host, port, transport, facility, hostname, app_name. * = secret: write-only, listed in secrets_set',
});

const ChannelSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  kind: Kind,
  config: Type.Record(Type.String(), Type.Unknown()),
  secrets_set: Type.Array(Type.String(), { description: 'which secret settings are stored (their values are never returned)' }),
  group_id: Nullable(Type.String({ format: 'uuid' })),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  failure_threshold: Type.Integer(),
  quiet_seconds: Type.Integer(),
  created_at: DateTime(),
  updated_at: DateTime(),
});
const Common = {
  group_id: Type.Optional(Nullable(Type.String({ format: 'uuid', description: 'only devices of this group (null: all devices)' }))),
  events: Type.Optional(Type.Array(EventName, { minItems: 1, description: 'default: every event' })),
  enabled: Type.Optional(Type.Boolean()),
  failure_threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'send backup.failed when a device reaches this many consecutive failures (default 1)' })),
  quiet_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604800, description: 'do not repeat the same event for the same device within this time (default 3600)' })),
};
const ChannelCreate = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }), kind: Kind, config: Config, ...Common }, { additionalProperties: false });
const ChannelPatch = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), config: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'settings to change; null removes one' })), ...Common },
  { additionalProperties: false },
);
const TestResult = Type.Object({ ok: Type.Boolean(), attempts: Type.Integer(), error: Type.Optional(Type.String()) });
const Delivery = Type.Object({
  id: Type.String(),
  event: Type.String(),
  dedup_key: Type.String(),
  device_id: Nullable(Type.String()),
  status: Type.String(),
  attempts: Type.Integer(),
  events_count: Type.Integer(),
  error: Nullable(Type.String()),
  created_at: DateTime(),
});
const LimitQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }) }, { additionalProperties: false });
type IdParams = { id: string };

export function notificationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db, keyring } = ctx;
  const tags = ['notifications'];
  app.get('/notifications/channels', {
    schema: { tags, summary: 'List notification channels (secrets are never returned)', response: responses({ 200: Type.Object({ items: Type.Array(ChannelSchema) }) }) },
    config: { access: 'settings:admin' },
    handler: async () => toJson({ items: await listChannels(db, keyring) }),
  });
  app.post('/notifications/channels', {
    schema: { tags, summary: 'Create a notification channel', body: ChannelCreate, response: responses({ 201: ChannelSchema }) },
    config: { access: 'settings:admin', action: 'notify_channel.create', target: 'notify_channel' },
    handler: async (req, reply) => {
      const c = await createChannel(db, keyring, req.body as Static<typeof ChannelCreate>);
      setTarget(req, 'notify_channel', c.id, { name: c.name, kind: c.kind });
      return created(reply, c);
    },
  });
  app.get('/notifications/channels/:id', {
    schema: { tags, summary: 'Get a notification channel', params: UuidParams, response: responses({ 200: ChannelSchema }) },
    config: { access: 'settings:admin' },
    handler: async (req) => toJson(await getChannel(db, keyring, (req.params as IdParams).id)),
  });
  app.patch('/notifications/channels/:id', {
    schema: { tags, summary: 'Change a notification channel (config is merged; null removes a setting)', params: UuidParams, body: ChannelPatch, response: responses({ 200: ChannelSchema }) },
    config: { access: 'settings:admin', action: 'notify_channel.update', target: 'notify_channel' },
    handler: async (req) => {
      const body = req.body as Static<typeof ChannelPatch>;
      const c = await updateChannel(db, keyring, (req.params as IdParams).id, body);
      setTarget(req, 'notify_channel', c.id, { fields: Object.keys(body), config_keys: Object.keys(body.config ?? {}) });
      return toJson(c);
    },
  });
  app.post('/notifications/channels/:id/test', {
    schema: { tags, summary: 'Send a test message now (one attempt, no quiet period); the answer says whether it arrived', params: UuidParams, response: responses({ 200: TestResult }) },
    config: { access: 'settings:admin', action: 'notify_channel.test', target: 'notify_channel' },
    handler: async (req) => {
      const ch = await resolveChannel(db, keyring, (req.params as IdParams).id);
      const ev = testEvent(ch.name);
      const r = await sendMessage(ch, compose([ev]), [ev], { attempts: 1 });
      await db.insertInto('notify_deliveries').values({ channel_id: ch.id, event: 'test', dedup_key: 'test', device_id: null, status: r.ok ? 'sent' : 'failed', attempts: r.attempts, error: r.error ?? null }).execute();
      countNotify(ch.kind, r.ok ? 'sent' : 'failed');
      setTarget(req, 'notify_channel', ch.id, { ok: r.ok });
      return { ok: r.ok, attempts: r.attempts, ...(r.error ? { error: r.error } : {}) };
    },
  });
  app.get('/notifications/channels/:id/deliveries', {
    schema: { tags, summary: "A channel's delivery log, newest first: sent, failed, and held back by the quiet period", params: UuidParams, querystring: LimitQuery, response: responses({ 200: Type.Object({ items: Type.Array(Delivery) }) }) },
    config: { access: 'settings:admin' },
    handler: async (req) => toJson({ items: await listDeliveries(db, (req.params as IdParams).id, (req.query as Static<typeof LimitQuery>).limit) }),
  });
  app.delete('/notifications/channels/:id', {
    schema: { tags, summary: 'Delete a notification channel and its delivery log', params: UuidParams, response: responses({ 204: NoContent }) },
    config: { access: 'settings:admin', action: 'notify_channel.delete', target: 'notify_channel' },
    handler: async (req, reply) => {
      const c = await getChannel(db, keyring, (req.params as IdParams).id);
      await deleteChannel(db, c.id);
      setTarget(req, 'notify_channel', c.id, { name: c.name });
      return reply.code(204).send();
    },
  });
}
