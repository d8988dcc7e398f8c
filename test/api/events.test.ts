// GET /api/v1/events over a real HTTP listener on 127.0.0.1, read by a real SSE client: auth,
// filters, heartbeats, replay after reconnect, clean close on client disconnect and on shutdown.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bus } from '../../src/events/bus.ts';
import { sseClientCount } from '../../src/api/routes/events.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { createGroup } from '../../src/inventory/groups.ts';
import { stopBoss } from '../../src/schedule/queue.ts';
import { backends } from '../helpers/db.ts';
import { startServer, type TestServer } from './helpers.ts';

interface SseMessage {
  event?: string;
  id?: string;
  data?: any;
  comment?: string;
}

/** A minimal EventSource over node:http (one socket per stream, no connection pool). */
class SseClient {
  readonly messages: SseMessage[] = [];
  status = 0;
  contentType = '';
  ended = false;
  private req?: http.ClientRequest;
  private waiters: (() => void)[] = [];
  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      c.req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
        c.status = res.statusCode ?? 0;
        c.contentType = String(res.headers['content-type'] ?? '');
        res.setEncoding('utf8');
        if (c.status !== 200) {
          let text = '';
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            c.messages.push({ data: JSON.parse(text) });
            c.ended = true;
            resolve(c);
          });
          return;
        }
        c.read(res);
        resolve(c);
      });
      c.req.on('error', (err) => {
        c.ended = true;
        c.wake();
        if (!c.status) reject(err);
      });
    });
  }
  private wake() {
    this.waiters.splice(0).forEach((w) => w());
  }
  private read(res: http.IncomingMessage) {
    let buf = '';
    let cur: SseMessage = {};
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === '') {
          if (Object.keys(cur).length) this.messages.push(cur);
          cur = {};
        } else if (line.startsWith(':')) this.messages.push({ comment: line.slice(1).trim() });
        else {
          const [k, ...rest] = line.split(':');
          const v = rest.join(':').replace(/^ /, '');
          if (k === 'data') cur.data = JSON.parse(v);
          else if (k === 'event' || k === 'id') cur[k] = v;
        }
      }
      this.wake();
    });
    const done = () => {
      this.ended = true;
      this.wake();
    };
    res.on('end', done);
    res.on('close', done);
  }
  events(): SseMessage[] {
    return this.messages.filter((m) => m.event);
  }
  async until(pred: (c: SseClient) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  close() {
    this.req?.destroy();
  }
}

const ref = (deviceId: string, deviceName: string, jobId = '11111111-1111-4111-8111-111111111111') => ({ jobId, deviceId, deviceName, trigger: 'api', zone: null, attempt: 0 });

describe.each(backends())('SSE events on %s', (backend) => {
  let s: TestServer;
  let base: string;
  let r1: string;
  let r2: string;
  let g: string;
  const auth = (role: 'viewer' | 'operator') => ({ authorization: `Bearer ${s.tokens[role]}` });
  beforeAll(async () => {
    s = await startServer(backend);
    g = (await createGroup(s.t.db, { name: 'core' })).id;
    r1 = (await createDevice(s.t.db, { name: 'r1', address: '192.0.2.1', driver: 'ios', group: g })).id;
    r2 = (await createDevice(s.t.db, { name: 'r2', address: '192.0.2.2', driver: 'ios' })).id;
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = s.app.server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}/api/v1/events`;
  });
  afterAll(async () => {
    if (s) await stopBoss(s.ctx);
    await s?.close();
  });

  it('needs authentication; viewers may watch', async () => {
    const anon = await SseClient.open(base, {});
    expect(anon.status).toBe(401);
    expect(anon.contentType).toContain('application/problem+json');
    expect(anon.messages[0]!.data.code).toBe('unauthenticated');
    const bad = await SseClient.open(`${base}?types=job.exploded`, auth('viewer'));
    expect(bad.status).toBe(400);
    expect(bad.messages[0]!.data.code).toBe('invalid_event_type');
    const nodev = await SseClient.open(`${base}?device=nope`, auth('viewer'));
    expect(nodev.status).toBe(404);
  });

  it('streams job and backup events as they happen, filtered by device, group and type, with heartbeats', async () => {
    const all = await SseClient.open(`${base}?heartbeat=1`, auth('viewer'));
    const dev = await SseClient.open(`${base}?device=r1`, auth('viewer'));
    const grp = await SseClient.open(`${base}?group=core&types=job.*`, auth('viewer'));
    expect(all.status).toBe(200);
    expect(all.contentType).toContain('text/event-stream');
    await all.until((c) => c.messages.some((m) => m.comment?.startsWith('netkeep events for viewer')));
    const countBefore = sseClientCount();
    expect(countBefore).toBeGreaterThanOrEqual(3);

    bus.emit('job.started', { ...ref(r1, 'r1'), at: new Date('2030-01-01T00:00:00Z'), workerId: 'w' });
    bus.emit('job.progress', { ...ref(r2, 'r2', '22222222-2222-4222-8222-222222222222'), at: new Date(), step: 'fetching' });
    bus.emit('backup.changed', { deviceId: r1, deviceName: 'r1', historyId: '33333333-3333-4333-8333-333333333333', configId: '44444444-4444-4444-8444-444444444444', at: new Date(), significant: true, previousId: null, sha256: 'ab'.repeat(32) });
    bus.emit('job.finished', { ...ref(r1, 'r1'), at: new Date(), status: 'success', historyId: '33333333-3333-4333-8333-333333333333', durationMs: 12, changed: true });

    await all.until((c) => c.events().length >= 4);
    expect(all.events().map((e) => e.event)).toEqual(['job.started', 'job.progress', 'backup.changed', 'job.finished']);
    const started = all.events()[0]!;
    expect(started.data).toMatchObject({ type: 'job.started', job_id: '11111111-1111-4111-8111-111111111111', device_id: r1, device_name: 'r1', worker_id: 'w', at: '2030-01-01T00:00:00.000Z' });
    expect(Number(started.id)).toBeGreaterThan(0);
    await dev.until((c) => c.events().length >= 3);
    expect(dev.events().map((e) => e.event)).toEqual(['job.started', 'backup.changed', 'job.finished']);
    await grp.until((c) => c.events().length >= 2);
    expect(grp.events().map((e) => e.event)).toEqual(['job.started', 'job.finished']);

    // a real trigger over HTTP shows up as job.queued
    const post = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const rq = http.request(`${base.replace('/events', '')}/backups/devices/r1/backup`, { method: 'POST', headers: auth('operator'), agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      });
      rq.on('error', reject);
      rq.end();
    });
    expect(post.status).toBe(202);
    const { job_id } = JSON.parse(post.body) as { job_id: string };
    await dev.until((c) => c.events().some((e) => e.event === 'job.queued' && e.data.job_id === job_id));

    // heartbeats keep the stream alive
    await all.until((c) => c.messages.some((m) => m.comment?.startsWith('heartbeat')), 4000);

    // a client that goes away is forgotten
    all.close();
    dev.close();
    grp.close();
    const deadline = Date.now() + 5000;
    while (sseClientCount() > countBefore - 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sseClientCount()).toBe(countBefore - 3);
  });

  it('replays missed events after Last-Event-ID', async () => {
    const first = await SseClient.open(`${base}?device=r2`, auth('viewer'));
    bus.emit('job.queued', { ...ref(r2, 'r2', '55555555-5555-4555-8555-555555555555'), at: new Date() });
    await first.until((c) => c.events().length >= 1);
    const lastId = first.events()[0]!.id!;
    first.close();
    bus.emit('job.started', { ...ref(r2, 'r2', '55555555-5555-4555-8555-555555555555'), at: new Date(), workerId: 'w' });
    bus.emit('job.started', { ...ref(r1, 'r1', '66666666-6666-4666-8666-666666666666'), at: new Date(), workerId: 'w' });
    const again = await SseClient.open(`${base}?device=r2`, { ...auth('viewer'), 'last-event-id': lastId });
    await again.until((c) => c.events().length >= 1);
    expect(again.events().map((e) => [e.event, e.data.job_id])).toEqual([['job.started', '55555555-5555-4555-8555-555555555555']]);
    again.close();
  });

  it('ends open streams when the server shuts down', async () => {
    const c = await SseClient.open(base, auth('viewer'));
    await c.until((x) => x.messages.length > 0);
    await stopBoss(s.ctx);
    const t0 = Date.now();
    await s.app.close(); // would hang if the stream kept the server open
    expect(Date.now() - t0).toBeLessThan(2000);
    await c.until((x) => x.ended);
  });
});
