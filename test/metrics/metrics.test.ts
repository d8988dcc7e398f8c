// /metrics scraped and parsed after real backups against the simulated fleet, on both back-ends:
// counters by result and failure class, the duration histogram, devices by status, queue depth,
// sessions in flight, storage bytes and the last success per device agree with the database;
// and the endpoint's access rule (loopback, or the bearer token when one is set).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPass } from '../../src/backup/pass.ts';
import { enqueueBackups, getBoss, stopBoss } from '../../src/schedule/queue.ts';
import { unfinishedJobs, waitFor } from '../faults/helpers.ts';
import { startWorker, type WorkerHandle } from '../../src/schedule/worker.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends } from '../helpers/db.ts';
import { seedFleet } from '../backup/helpers.ts';
import { startServer, type TestServer } from '../api/helpers.ts';
import { bus } from '../../src/events/bus.ts';
import { createMetrics } from '../../src/metrics/registry.ts';
import { startMetricsListener } from '../../src/metrics/listener.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition format, version 0.0.4. */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return { samples, types };
}

const SETTINGS = { attemptDeadlineSeconds: 60, retryLimit: 0, retryDelaySeconds: 1, superviseIntervalSeconds: 5 }; // generous deadline: the machine is shared

describe.each(backends())('metrics on %s', (backend) => {
  let s: TestServer;
  let fleet: Fleet;
  let worker: WorkerHandle;
  beforeAll(async () => {
    s = await startServer(backend);
    // 5 good devices, one with a wrong password (auth_failed), one that drops the session
    fleet = await startFleet({ count: 7, configLines: 80, changeShare: 1, misbehave: { 'wrong-password': 1, drop: 1 } });
    await seedFleet(s.t.db, s.ctx.keyring, fleet);
    await s.t.db.insertInto('devices').values({ name: 'spare', address: '192.0.2.9', driver: 'ios', enabled: false, tags: '[]', options: '{}', updated_at: new Date() }).execute();
    await getBoss(s.ctx, { settings: SETTINGS });
  });
  afterAll(async () => {
    await worker?.stop({ graceful: false });
    await stopBoss(s.ctx);
    await fleet?.close();
    await s?.close();
  });

  const scrape = async () => {
    const r = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    return parseProm(r.body);
  };
  const one = (ss: Sample[], name: string, labels: Record<string, string> = {}) => {
    const found = ss.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
    return found[0]!.value;
  };

  it('reports real backups: results, classes, durations, devices, queue, storage, last success', async () => {
    worker = await startWorker(s.ctx, { concurrency: 4, settings: SETTINGS, pollIntervalMs: 200, log: () => {} });
    const pass = await runPass(s.ctx, { all: true });
    expect(pass.ok).toBe(5);
    expect(pass.failed).toBe(2);
    await waitFor('the finished jobs to be settled in the queue', async () => (await unfinishedJobs(s.t.db)) === 0);
    const { samples, types } = await scrape();

    expect(types.get('netkeep_backups_total')).toBe('counter');
    expect(types.get('netkeep_backup_duration_seconds')).toBe('histogram');
    expect(one(samples, 'netkeep_backups_total', { result: 'success', failure_class: '' })).toBe(5);
    const byClass = Object.fromEntries(samples.filter((x) => x.name === 'netkeep_backups_total' && x.labels.result === 'failure').map((x) => [x.labels.failure_class, x.value]));
    expect(byClass).toEqual(pass.failedByClass);
    expect(one(samples, 'netkeep_backup_duration_seconds_count', { result: 'success' })).toBe(5);
    expect(one(samples, 'netkeep_backup_duration_seconds_count', { result: 'failure' })).toBe(2);
    expect(one(samples, 'netkeep_backup_duration_seconds_sum', { result: 'success' })).toBeGreaterThan(0);
    expect(one(samples, 'netkeep_backup_duration_seconds_bucket', { result: 'success', le: '+Inf' })).toBe(5);
    expect(one(samples, 'netkeep_config_changes_total')).toBe(0); // first backups are not changes

    expect(one(samples, 'netkeep_devices', { status: 'ok' })).toBe(5);
    expect(one(samples, 'netkeep_devices', { status: 'failing' })).toBe(2);
    expect(one(samples, 'netkeep_devices', { status: 'never' })).toBe(0);
    expect(one(samples, 'netkeep_devices', { status: 'disabled' })).toBe(1);
    expect(one(samples, 'netkeep_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(one(samples, 'netkeep_queue_jobs', { state: 'active' })).toBe(0);
    expect(one(samples, 'netkeep_sessions_in_flight')).toBe(0);

    const blobs = await s.t.db.selectFrom('blobs').select(['size', 'stored_size']).execute();
    expect(blobs.length).toBe(5);
    expect(one(samples, 'netkeep_storage_bytes', { kind: 'stored' })).toBe(blobs.reduce((n, b) => n + Number(b.stored_size), 0));
    expect(one(samples, 'netkeep_storage_bytes', { kind: 'logical' })).toBe(blobs.reduce((n, b) => n + Number(b.size), 0));

    const devices = await s.t.db.selectFrom('devices').select(['id', 'name', 'last_success_at']).execute();
    const last = samples.filter((x) => x.name === 'netkeep_device_last_success_timestamp_seconds');
    expect(last).toHaveLength(5);
    for (const d of devices.filter((x) => x.last_success_at)) {
      expect(one(last, 'netkeep_device_last_success_timestamp_seconds', { device: d.name, device_id: d.id })).toBe(d.last_success_at!.getTime() / 1000);
    }
    expect(samples.some((x) => x.name === 'netkeep_process_resident_memory_bytes')).toBe(true);

    // a second pass: counters add up, changed configurations count
    fleet.advance();
    await runPass(s.ctx, { all: true });
    const again = (await scrape()).samples;
    expect(one(again, 'netkeep_backups_total', { result: 'success', failure_class: '' })).toBe(10);
    expect(one(again, 'netkeep_backup_duration_seconds_count', { result: 'failure' })).toBe(4);
    expect(one(again, 'netkeep_config_changes_total')).toBe(5);

    // jobs waiting while no worker runs: the queue depth
    await worker.stop({ graceful: true });
    const devices2 = await s.t.db.selectFrom('devices').select('id').where('enabled', '=', true).execute();
    await enqueueBackups(s.ctx, devices2.map((d) => ({ deviceId: d.id, trigger: 'api' })));
    const queued = (await scrape()).samples;
    expect(one(queued, 'netkeep_queue_jobs', { state: 'waiting' })).toBe(7);
  });

  it('serves loopback only without a token; with a token, only to its bearer', async () => {
    let r = await s.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.0.2.50' });
    expect(r.statusCode).toBe(403);
    expect(r.json().detail).toContain('NETKEEP_METRICS_TOKEN');
    const { buildServer } = await import('../../src/api/server.ts');
    const app = await buildServer(s.ctx, { metricsToken: 'metrics-token-5566' });
    try {
      r = await app.inject({ method: 'GET', url: '/metrics' });
      expect(r.statusCode).toBe(401);
      r = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-0000000' } });
      expect(r.statusCode).toBe(401);
      r = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.0.2.50', headers: { authorization: 'Bearer metrics-token-5566' } });
      expect(r.statusCode).toBe(200);
      expect(r.body).toContain('netkeep_devices{status="ok"} 5');
    } finally {
      await app.close();
    }
  });

  it("the worker's own listener (netkeep worker --metrics-port) serves the same metrics over HTTP", async () => {
    const metrics = createMetrics({ db: s.t.db, bus, defaultMetrics: false });
    const open = await startMetricsListener({ metrics, host: '127.0.0.1', port: 0 });
    const locked = await startMetricsListener({ metrics, host: '127.0.0.1', port: 0, token: 'worker-token-7788' });
    try {
      let r = await fetch(`http://127.0.0.1:${open.port}/metrics`);
      expect(r.status).toBe(200);
      const { samples } = parseProm(await r.text());
      expect(one(samples, 'netkeep_devices', { status: 'ok' })).toBe(5);
      expect((await fetch(`http://127.0.0.1:${open.port}/other`)).status).toBe(404);
      r = await fetch(`http://127.0.0.1:${locked.port}/metrics`);
      expect(r.status).toBe(401);
      r = await fetch(`http://127.0.0.1:${locked.port}/metrics`, { headers: { authorization: 'Bearer worker-token-7788' } });
      expect(r.status).toBe(200);
    } finally {
      await open.close();
      await locked.close();
      metrics.detach();
    }
  });
});
