// Compliance end to end on both back-ends: rules through the API, backups of simulated devices
// (real SSH sessions) evaluated by the watcher after each backup, events on the bus, the report
// and a device's history; evaluation on demand; bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/run.ts';
import { startComplianceWatcher, type ComplianceWatcher } from '../../src/compliance/watch.ts';
import { evaluateDevice } from '../../src/compliance/engine.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import { bus, type ComplianceRef } from '../../src/events/bus.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends } from '../helpers/db.ts';
import { body, expectProblem, startServer, type TestServer } from '../api/helpers.ts';
import { seedFleet } from '../backup/helpers.ts';
import { enqueueBackup, getBoss, stopBoss } from '../../src/schedule/queue.ts';
import { startWorker, type WorkerHandle } from '../../src/schedule/worker.ts';
import { waitFor } from '../faults/helpers.ts';

function ios(host: string, o: { ntp?: boolean; community?: string; telnet?: boolean; gi1Shut?: boolean } = {}): string {
  return [
    '!',
    `hostname ${host}`,
    '!',
    'interface GigabitEthernet0/1',
    ' description unused',
    o.gi1Shut === false ? ' no shutdown' : ' shutdown',
    '!',
    'interface GigabitEthernet0/2',
    ' description uplink',
    ' no shutdown',
    '!',
    ...(o.ntp === false ? [] : ['ntp server 10.0.0.1']),
    ...(o.community ? [`snmp-server community ${o.community} RO`] : []),
    'no ip http server',
    'line vty 0 4',
    o.telnet ? ' transport input ssh telnet' : ' transport input ssh',
    '!',
    'end',
  ].join('\n');
}

describe.each(backends())('compliance on %s', (backend) => {
  let s: TestServer;
  let fleet: Fleet;
  let ids: Map<string, string>;
  let watcher: ComplianceWatcher;
  const events: ({ type: string } & ComplianceRef)[] = [];
  const offs: (() => void)[] = [];
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => s.as('operator', { method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const backup = async (name: string) => {
    const r = await runBackup(s.ctx, { deviceId: ids.get(name)!, trigger: 'manual' });
    expect(r.status).toBe('success');
    await watcher.idle();
  };

  beforeAll(async () => {
    s = await startServer(backend);
    fleet = await startFleet({ count: 3, configLines: 40 });
    ids = await seedFleet(s.t.db, s.ctx.keyring, fleet, { names: ['sim00001', 'sim00002'], group: 'branch' });
    for (const [k, v] of await seedFleet(s.t.db, s.ctx.keyring, fleet, { names: ['sim00003'] })) ids.set(k, v);
    fleet.device('sim00001').setRunningConfig(ios('sim00001'));
    fleet.device('sim00002').setRunningConfig(ios('sim00002', { ntp: false }));
    fleet.device('sim00003').setRunningConfig(ios('sim00003', { community: 'public' }));
    watcher = startComplianceWatcher(s.ctx, { log: () => {} });
    offs.push(bus.on('compliance.violation', (e) => events.push({ type: 'violation', ...e })));
    offs.push(bus.on('compliance.restored', (e) => events.push({ type: 'restored', ...e })));
  });
  let worker: WorkerHandle | undefined;
  afterAll(async () => {
    for (const off of offs) off();
    await worker?.stop({ graceful: false });
    if (s) await stopBoss(s.ctx);
    await watcher?.stop();
    await fleet?.close();
    await s?.close();
  });

  it('creates rules through the API and refuses bad ones with what to do', async () => {
    const mk = (p: object) => api('POST', '/compliance/rules', p);
    expect((await mk({ name: 'ntp', kind: 'must_contain', match: 'line', pattern: 'ntp server 10.0.0.1', description: 'central NTP' })).statusCode).toBe(201);
    const r2 = await mk({ name: 'no public community', group_id: 'branch', kind: 'must_not_contain', match: 'regex', pattern: '^snmp-server community public\\b' });
    expect(r2.statusCode).toBe(201);
    expect(body(r2)).toMatchObject({ group_name: 'branch', kind: 'must_not_contain', match: 'regex', enabled: true });
    expect((await mk({ name: 'unused port shut', kind: 'must_contain', match: 'block', pattern: 'interface GigabitEthernet0/1\n shutdown' })).statusCode).toBe(201);
    expect((await mk({ name: 'no telnet', kind: 'must_not_contain', match: 'block', pattern: 'line vty .*\ntransport input .*telnet.*' })).statusCode).toBe(201);
    // bad input
    const bad = expectProblem(await mk({ name: 'broken', kind: 'must_contain', match: 'regex', pattern: 'ntp server (10' }), 400, 'invalid_regex');
    expect(bad.detail).toMatch(/at character 12/);
    expectProblem(await mk({ name: 'x', group_id: 'no-such-group', kind: 'must_contain', match: 'line', pattern: 'x' }), 404, 'group_not_found');
    expectProblem(await mk({ name: 'x', kind: 'must_contain', match: 'line', pattern: '   ' }), 400, 'empty_pattern');
    expectProblem(await mk({ name: 'ntp', kind: 'must_contain', match: 'line', pattern: 'x' }), 409, 'rule_exists');
    expectProblem(await mk({ name: 'x', kind: 'should', match: 'line', pattern: 'x' }), 400, 'invalid_request');
    expectProblem(await mk({ name: 'x', kind: 'must_contain', match: 'regex', pattern: '(a)\\1(b+)+' }), 400, 'unsafe_regex');
    expectProblem(await s.as('viewer', { method: 'POST', url: '/api/v1/compliance/rules', payload: { name: 'v', kind: 'must_contain', match: 'line', pattern: 'x' } }), 403, 'forbidden');
    const list = body(await api('GET', '/compliance/rules'));
    expect(list.items.map((r: { name: string }) => r.name)).toEqual(['no public community', 'no telnet', 'ntp', 'unused port shut']);
    expect(body(await api('GET', '/compliance/rules?group_id=branch')).items).toHaveLength(4);
  });

  it('evaluates after every backup and reports per device', async () => {
    for (const n of ['sim00001', 'sim00002', 'sim00003']) await backup(n);
    const rep = body(await api('GET', '/compliance/report'));
    const by = Object.fromEntries(rep.devices.map((d: { device_name: string }) => [d.device_name, d]));
    expect(by.sim00001).toMatchObject({ compliant: true, failing_rules: [], rules_evaluated: 4 });
    expect(by.sim00002).toMatchObject({ compliant: false, rules_evaluated: 4 });
    expect(by.sim00002.failing_rules).toEqual([expect.objectContaining({ name: 'ntp', detail: 'missing line "ntp server 10.0.0.1"' })]);
    // the group rule does not apply to sim00003 (no group): its public community is not a violation
    expect(by.sim00003).toMatchObject({ compliant: true, rules_evaluated: 3 });
    expect(rep.summary).toEqual({ compliant: 2, non_compliant: 1, unknown: 0 });
    expect(events.map((e) => `${e.type} ${e.deviceName} ${e.ruleName}`)).toEqual(['violation sim00002 ntp']);
    const only = body(await api('GET', '/compliance/report?group_id=branch&only_failing=true'));
    expect(only.devices.map((d: { device_name: string }) => d.device_name)).toEqual(['sim00002']);
    expect(only.summary).toEqual({ compliant: 1, non_compliant: 1, unknown: 0 });
    expectProblem(await api('GET', '/compliance/report?group_id=nope'), 404, 'group_not_found');
  });

  it('announces a device falling out of compliance and coming back, and keeps the history', async () => {
    events.length = 0;
    fleet.device('sim00001').setRunningConfig(ios('sim00001', { community: 'public', telnet: true }));
    await backup('sim00001');
    expect(events.map((e) => `${e.type} ${e.ruleName}`).sort()).toEqual(['violation no public community', 'violation no telnet']);
    const v = events.find((e) => e.ruleName === 'no telnet')!;
    expect(v.detail).toMatch(/^"line vty 0 4" \(line \d+\): has "transport input ssh telnet"$/);
    expect(v.historyId).toMatch(/^[0-9a-f-]{36}$/);
    const bad = body(await api('GET', '/compliance/devices/sim00001'));
    expect(bad.compliant).toBe(false);
    expect(bad.rules.filter((r: { compliant: boolean }) => !r.compliant).map((r: { name: string }) => r.name)).toEqual(['no public community', 'no telnet']);

    // evaluated again without a change (as after an unchanged backup): no new events, a later evaluated_at
    events.length = 0;
    await backup('sim00001');
    const again = await evaluateDevice(s.t.db, BlobStore.forContext(s.ctx), ids.get('sim00001')!);
    expect(again.filter((o) => !o.compliant).map((o) => o.ruleName)).toEqual(['no public community', 'no telnet']);
    expect(events).toEqual([]);
    const later = body(await api('GET', '/compliance/devices/sim00001'));
    expect(later.rules[0].evaluated_at > bad.rules[0].evaluated_at).toBe(true);
    expect(later.rules[0].since).toBe(bad.rules[0].since);

    fleet.device('sim00001').setRunningConfig(ios('sim00001'));
    await backup('sim00001');
    expect(events.map((e) => `${e.type} ${e.ruleName}`).sort()).toEqual(['restored no public community', 'restored no telnet']);
    const d = body(await api('GET', '/compliance/devices/sim00001'));
    expect(d.compliant).toBe(true);
    const telnet = d.history.filter((h: { name: string }) => h.name === 'no telnet').map((h: { compliant: boolean }) => h.compliant);
    expect(telnet).toEqual([true, false, true]); // newest first: restored, violated, first evaluation
    expect(d.history).toHaveLength(4 + 2 + 2);
    expectProblem(await api('GET', '/compliance/devices/nope'), 404, 'device_not_found');
  });

  it('evaluates a new or changed rule over the latest configs on demand', async () => {
    events.length = 0;
    expect((await api('POST', '/compliance/rules', { name: 'http off', kind: 'must_contain', match: 'line', pattern: 'no ip http server' })).statusCode).toBe(201);
    const e1 = await api('POST', '/compliance/evaluate', { rule_id: 'http off' });
    expect(e1.statusCode).toBe(200);
    expect(body(e1)).toMatchObject({ rules: 1, devices_evaluated: 3, results: 3, compliant: 3, non_compliant: 0, violations: 0, without_config: 0 });
    const patched = await api('PATCH', '/compliance/rules/http%20off', { pattern: 'ip http secure-server' });
    expect(patched.statusCode).toBe(200);
    // its old results described the old pattern: gone until evaluated again
    expect(body(await api('GET', '/compliance/devices/sim00002')).rules.map((r: { name: string }) => r.name)).not.toContain('http off');
    const e2 = body(await api('POST', '/compliance/evaluate', { rule_id: 'http off', group_id: 'branch' }));
    expect(e2).toMatchObject({ devices_evaluated: 2, compliant: 0, non_compliant: 2, violations: 2 });
    expect(events.filter((e) => e.ruleName === 'http off').map((e) => e.deviceName).sort()).toEqual(['sim00001', 'sim00002']);
    const all = body(await api('POST', '/compliance/evaluate', {}));
    expect(all).toMatchObject({ rules: 5, devices_evaluated: 3 });
    expectProblem(await api('POST', '/compliance/evaluate', { rule_id: 'nope' }), 404, 'rule_not_found');
    expect((await api('DELETE', '/compliance/rules/http%20off')).statusCode).toBe(204);
    expectProblem(await api('GET', '/compliance/rules/http%20off'), 404, 'rule_not_found');
    expect(body(await api('GET', '/compliance/devices/sim00001')).history.some((h: { name: string }) => h.name === 'http off')).toBe(false);
  });

  it('through the backup worker: each finished job is evaluated, also when the config did not change', async () => {
    const settings = { attemptDeadlineSeconds: 20, retryLimit: 0, retryDelaySeconds: 1, superviseIntervalSeconds: 2 };
    await getBoss(s.ctx, { settings });
    worker = await startWorker(s.ctx, { concurrency: 2, settings, pollIntervalMs: 200, log: () => {} });
    const finished = new Set<string>();
    offs.push(bus.on('job.finished', (e) => void finished.add(e.jobId)));
    const viaWorker = async (name: string) => {
      const j = await enqueueBackup(s.ctx, { deviceId: ids.get(name)!, trigger: 'api' });
      await waitFor(`job ${j.jobId}`, async () => finished.has(j.jobId), 60_000);
      await watcher.idle();
    };
    const before = body(await api('GET', '/compliance/devices/sim00002')).rules.find((r: { name: string }) => r.name === 'ntp');
    events.length = 0;
    await viaWorker('sim00002'); // same config as before: no backup.changed, only job.finished
    const after = body(await api('GET', '/compliance/devices/sim00002')).rules.find((r: { name: string }) => r.name === 'ntp');
    expect(after.compliant).toBe(false);
    expect(after.evaluated_at > before.evaluated_at).toBe(true);
    expect(after.since).toBe(before.since);
    expect(events).toEqual([]);
    fleet.device('sim00002').setRunningConfig(ios('sim00002'));
    await viaWorker('sim00002');
    expect(events.map((e) => `${e.type} ${e.deviceName} ${e.ruleName}`)).toEqual(['restored sim00002 ntp']);
  });
});
