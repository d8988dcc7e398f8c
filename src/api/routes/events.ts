// Live status for the UI: GET /api/v1/events streams the event bus as Server-Sent Events.
//
//   event: job.finished
//   id: 42
//   data: {"type":"job.finished","job_id":"…","device_id":"…","device_name":"r1","status":"success",…}
//
// Authenticated like every route (session cookie — what a browser's EventSource sends — or a
// Bearer token); viewers may watch. Filters: ?device= (ids or names, comma-separated),
// ?group= (id or name), ?types= (comma-separated, "job.*" for a family). A comment line is sent
// every `heartbeat` seconds so proxies keep the connection open and dead clients are noticed.
// A reconnecting client that sends Last-Event-ID gets the events it missed from a short replay
// buffer (this process's last 1000 events). Events are this process's bus: run the API in the
// process that runs the workers (netkeep serve does).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { bus, type BackupEvent } from '../../events/bus.ts';
import { getDevice } from '../../inventory/devices.ts';
import { getGroup } from '../../inventory/groups.ts';
import { InputError } from '../../errors.ts';
import { responses } from '../http.ts';

export const EVENT_TYPES = [
  'job.queued',
  'job.started',
  'job.progress',
  'job.finished',
  'job.retrying',
  'job.failed',
  'backup.changed',
  'backup.significant',
  'backup.failed',
  'backup.recovered',
] as const;

const REPLAY_MAX = 1000;
/** Bytes a slow client may have unsent before it is disconnected (it reconnects and replays). */
const MAX_BUFFERED = 1024 * 1024;

interface Stamped {
  seq: number;
  type: string;
  deviceId: string | null;
  data: string;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The wire form of an event: snake_case keys like the rest of the API, dates as ISO strings. */
export function eventJson(e: BackupEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) out[snake(k)] = v instanceof Date ? v.toISOString() : v;
  return out;
}

let seq = 0;
const replay: Stamped[] = [];
const live = new Set<(s: Stamped) => void>();
let subscribed = false;

/** Streams open in this process (for tests and metrics). */
export function sseClientCount(): number {
  return live.size;
}

function subscribe(): void {
  if (subscribed) return;
  subscribed = true;
  bus.onAny((e) => {
    const s: Stamped = { seq: ++seq, type: e.type, deviceId: (e as { deviceId?: string }).deviceId ?? null, data: JSON.stringify(eventJson(e)) };
    replay.push(s);
    if (replay.length > REPLAY_MAX) replay.shift();
    for (const l of live) l(s);
  });
}

const EventsQuery = Type.Object(
  {
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'only these devices: ids or names, comma-separated' })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'only devices of this group (id or name)' })),
    types: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'only these event types, comma-separated; "job.*" or "backup.*" for a family' })),
    heartbeat: Type.Integer({ minimum: 1, maximum: 300, default: 15, description: 'seconds between heartbeat comments' }),
    duration: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 86_400, description: 'end the stream after this many seconds (0: send the events missed since Last-Event-ID, then end); default: stream until the client leaves' }),
    ),
  },
  { additionalProperties: false },
);

export function eventRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  subscribe();
  const open = new Set<(shutdown?: boolean) => void>();
  // A hijacked stream would keep app.close() waiting: end every stream first.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end(true);
  });

  app.get('/events', {
    schema: {
      tags: ['events'],
      summary: 'Live job and backup events (Server-Sent Events, text/event-stream)',
      description: `Event types: ${EVENT_TYPES.join(', ')}. Each message has "event: <type>", "id: <n>" and "data: <JSON>". Send Last-Event-ID to resume after a reconnect.`,
      querystring: EventsQuery,
      response: responses({ 200: Type.String({ description: 'text/event-stream' }) }),
    },
    config: { access: 'backups:read' },
    handler: async (req, reply) => {
      const q = req.query as Static<typeof EventsQuery>;
      // Resolve the filters before the stream starts, so a bad filter is a normal problem answer.
      let devices: Set<string> | null = null;
      if (q.device !== undefined) {
        devices = new Set();
        for (const name of q.device.split(',').map((s) => s.trim()).filter(Boolean)) devices.add((await getDevice(db, name)).id);
      }
      let groupId: string | null = null;
      if (q.group !== undefined) groupId = (await getGroup(db, q.group)).id;
      let types: ((t: string) => boolean) | null = null;
      if (q.types !== undefined) {
        const want = q.types.split(',').map((s) => s.trim()).filter(Boolean);
        for (const w of want) {
          if (!EVENT_TYPES.includes(w as (typeof EVENT_TYPES)[number]) && w !== 'job.*' && w !== 'backup.*') {
            throw new InputError('invalid_event_type', `"${w}" is not an event type; use ${EVENT_TYPES.join(', ')}, job.* or backup.*`, 400);
          }
        }
        types = (t) => want.some((w) => w === t || (w.endsWith('.*') && t.startsWith(w.slice(0, -1))));
      }
      // Group membership: looked up once per device and remembered for a minute.
      const groupOf = new Map<string, { group: string | null; until: number }>();
      const inGroup = async (deviceId: string): Promise<boolean> => {
        const c = groupOf.get(deviceId);
        if (c && c.until > Date.now()) return c.group === groupId;
        const d = await db.selectFrom('devices').select('group_id').where('id', '=', deviceId).executeTakeFirst();
        groupOf.set(deviceId, { group: d?.group_id ?? null, until: Date.now() + 60_000 });
        return (d?.group_id ?? null) === groupId;
      };
      const matches = async (s: Stamped): Promise<boolean> => {
        if (types && !types(s.type)) return false;
        if (devices && (!s.deviceId || !devices.has(s.deviceId))) return false;
        if (groupId && (!s.deviceId || !(await inGroup(s.deviceId)))) return false;
        return true;
      };

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
      if (typeof res.socket?.setNoDelay === 'function') res.socket.setNoDelay(true);
      let closed = false;
      // Events are written in order even when a group lookup has to wait.
      let chain: Promise<void> = Promise.resolve();
      const write = (chunk: string) => {
        if (closed) return;
        res.write(chunk);
        if (res.writableLength > MAX_BUFFERED) end(); // a client that does not read: let it reconnect
      };
      const send = (s: Stamped) => {
        chain = chain.then(async () => {
          if (closed) return;
          try {
            if (await matches(s)) write(`id: ${s.seq}\nevent: ${s.type}\ndata: ${s.data}\n\n`);
          } catch {
            // a failed group lookup drops that one event for this client
          }
        });
      };
      const heartbeat = setInterval(() => write(`: heartbeat ${new Date().toISOString()}\n\n`), q.heartbeat * 1000);
      const end = (shutdown = false) => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        live.delete(send);
        open.delete(end);
        // on shutdown the socket goes too: a kept-alive idle connection would hold app.close()
        if (shutdown) res.once('finish', () => res.socket?.destroy());
        res.end();
      };
      open.add(end);
      // the client went away (the response's socket closed): stop writing and unsubscribe
      res.on('close', () => end());

      write(`retry: 3000\n: netkeep events for ${req.user?.username ?? 'you'}\n\n`);
      const lastId = Number(req.headers['last-event-id']);
      if (Number.isInteger(lastId) && lastId >= 0) for (const s of replay) if (s.seq > lastId) send(s);
      if (q.duration === 0) {
        chain = chain.then(() => end());
        return;
      }
      live.add(send);
      if (q.duration !== undefined) {
        const limit = setTimeout(() => chain.then(() => end()), q.duration * 1000);
        limit.unref?.();
        res.on('close', () => clearTimeout(limit));
      }
    },
  });
}
