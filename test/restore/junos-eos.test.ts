// Restore through the API to recorded Junos and EOS devices that accept pushes (src/sim/pushable.ts),
// over real SSH with SCP uploads, on both database back-ends: Junos `load override` + `commit
// confirmed` confirmed after verification; EOS `configure replace`; devices that refuse a line.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/run.ts';
import { createCredentialProfile } from '../../src/inventory/credentials.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { PushableRecordingDevice } from '../../src/sim/pushable.ts';
import { loadRecording } from '../../src/sim/recording.ts';
import { SimSshServer } from '../../src/sim/server-ssh.ts';
import { backends } from '../helpers/db.ts';
import { body, startServer, type TestServer } from '../api/helpers.ts';

const REC = join(import.meta.dirname, '../fixtures/recordings');

describe.each(backends())('restore to Junos and EOS through the API on %s', (backend) => {
  let s: TestServer;
  let ssh: SimSshServer;
  const dev: Record<'junos' | 'eos', PushableRecordingDevice> = {} as never;
  const ids: Record<string, string> = {};
  const v1: Record<string, string> = {};
  const v2: Record<string, string> = {};
  const restore = (id: string, payload: Record<string, unknown> = {}) => s.as('operator', { method: 'POST', url: `/api/v1/backups/history/${id}/restore`, payload });
  const backup = async (name: string) => {
    const r = await runBackup(s.ctx, { deviceId: ids[name], trigger: 'api' });
    if (r.status !== 'success') throw new Error(JSON.stringify(r));
    return r.historyId;
  };
  /** A config without the lines the platform rewrites itself (Junos "## Last commit"). */
  const body_ = (t: string) => t.split('\n').filter((l) => !/^#/.test(l)).join('\n').trimEnd();

  beforeAll(async () => {
    s = await startServer(backend);
    ssh = new SimSshServer({ mode: 'port' });
    dev.junos = new PushableRecordingDevice(loadRecording(join(REC, 'junos#srx300_22.4#simulation.yaml')), { platform: 'junos' });
    dev.eos = new PushableRecordingDevice(loadRecording(join(REC, 'eos#DCS-7050SX3-48YC8_4.29.2F#simulation.yaml')), { platform: 'eos' });
    await createCredentialProfile(s.t.db, s.ctx.keyring, { name: 'lab', username: 'netkeep', password: 'netkeep' });
    for (const p of ['junos', 'eos'] as const) {
      const port = await ssh.addDevice(dev[p]);
      const d = await createDevice(s.t.db, { name: `${p}-1`, address: '127.0.0.1', port, driver: p, credential_profile: 'lab', options: { timeouts: { idleMs: 5000 } } });
      await s.t.db.updateTable('devices').set({ host_key: ssh.hostKeyOf() }).where('id', '=', d.id).execute();
      ids[p] = d.id;
    }
    // v1, then a change made on the device, then v2
    v1.junos = await backup('junos');
    dev.junos.setRunning(dev.junos.running.replace('8.8.4.4;', '9.9.9.9;'));
    v2.junos = await backup('junos');
    v1.eos = await backup('eos');
    dev.eos.setRunning(dev.eos.running.replace('ip routing\n', 'ip routing\nip name-server 192.0.2.53\n'));
    v2.eos = await backup('eos');
  }, 60_000);
  afterAll(async () => {
    await ssh?.close();
    await s?.close();
  });

  it('Junos: SCP to /var/tmp, load override, commit confirmed, verify, then the confirming commit', async () => {
    const j = dev.junos;
    const original = j.commits[j.commits.length - 1];
    // Junos' braces cannot be typed line by line: no merge
    expect(body(await restore(v1.junos, { method: 'merge' }))).toMatchObject({ status: 400, code: 'method_unsupported' });
    const d = body(await restore(v1.junos));
    expect(d).toMatchObject({ method: 'replace', identical: false });
    expect(d.method_description).toMatch(/load override.*commit confirmed/);
    expect(d.diff.unified).toMatch(/^-\s+9\.9\.9\.9;$/m);
    expect(d.diff.unified).toMatch(/^\+\s+8\.8\.4\.4;$/m);
    expect(d.payload.steps).toEqual(expect.arrayContaining(['configure exclusive', 'load override /var/tmp/netkeep-restore.conf', 'commit confirmed 5']));
    expect(d.payload.text).not.toMatch(/^# /m);
    expect(j.running).toContain('9.9.9.9;'); // dry run: nothing sent
    const e = body(await restore(v1.junos, { execute: true, confirm_token: d.confirm_token }));
    expect(e).toMatchObject({ status: 'success', verified: true });
    expect(e.message).toMatch(/confirmed after verification/);
    expect(j.pendingConfirm).toBeUndefined(); // confirmed: no rollback timer left
    expect(body_(j.running)).toBe(body_(original));
    expect(j.files.get('/var/tmp/netkeep-restore.conf')).toContain('8.8.4.4;');
  });

  it('Junos: a line the device refuses — the load fails, netkeep abandons the candidate (rollback 0), nothing is committed', async () => {
    const j = dev.junos;
    j.rejects = /9\.9\.9\.9;/;
    const before = j.running;
    const commits = j.commits.length;
    const d = body(await restore(v2.junos));
    const e = body(await restore(v2.junos, { execute: true, confirm_token: d.confirm_token }));
    j.rejects = undefined;
    expect(e).toMatchObject({ status: 'rolled_back', verified: false });
    expect(e.failed_line).toMatch(/^\s*9\.9\.9\.9;$/);
    expect(e.device_answer).toMatch(/syntax error: 9\.9\.9\.9;[\s\S]*load complete \(1 errors\)/);
    expect(j.running).toBe(before);
    expect(j.commits.length).toBe(commits);
  });

  it('Junos: a config that does not read back as the version is not confirmed: rollback 1 + commit, the previous config runs again', async () => {
    const j = dev.junos;
    j.ignores = /9\.9\.9\.9;/; // accepted by the load, but not kept
    const before = j.running;
    const d = body(await restore(v2.junos));
    const e = body(await restore(v2.junos, { execute: true, confirm_token: d.confirm_token }));
    j.ignores = undefined;
    expect(e).toMatchObject({ status: 'rolled_back', verified: false });
    expect(e.verify_diff).toMatch(/^\+\s+9\.9\.9\.9;$/m);
    expect(e.message).toMatch(/did not confirm it and rolled it back \(configure exclusive; rollback 1; commit/);
    expect(j.pendingConfirm).toBeUndefined();
    expect(body_(j.running)).toBe(body_(before));
  });

  it('EOS: SCP to flash:, configure replace, verify', async () => {
    const x = dev.eos;
    const d = body(await restore(v1.eos));
    expect(d).toMatchObject({ method: 'replace', identical: false });
    expect(d.payload.steps).toContain('configure replace flash:netkeep-restore.cfg');
    expect(d.diff.unified).toMatch(/^-ip name-server 192\.0\.2\.53$/m);
    const e = body(await restore(v1.eos, { execute: true, confirm_token: d.confirm_token }));
    expect(e).toMatchObject({ status: 'success', verified: true });
    expect(x.running).not.toContain('192.0.2.53');
    expect(x.running).toContain('hostname eos-test-01');
    // the next backup sees the restored config
    const diff = body(await s.as('viewer', { url: `/api/v1/backups/diff?from=${v1.eos}&to=${e.history_id_after}&hide_volatile=true` }));
    expect(diff.identical).toBe(true);
  });

  it('EOS: a refused line aborts the whole replace (EOS applies it atomically) and is reported', async () => {
    const x = dev.eos;
    x.rejects = /^ip name-server /;
    const before = x.running;
    const d = body(await restore(v2.eos));
    const e = body(await restore(v2.eos, { execute: true, confirm_token: d.confirm_token }));
    x.rejects = undefined;
    expect(e).toMatchObject({ status: 'rolled_back', verified: false, failed_line: 'ip name-server 192.0.2.53' });
    expect(e.device_answer).toMatch(/% Invalid input \(at line \d+: ip name-server 192\.0\.2\.53\)/);
    expect(x.running).toBe(before);
    // merge types the lines in `configure`: the refused line stops it
    x.rejects = /^ip name-server /;
    const m = body(await restore(v2.eos, { method: 'merge' }));
    expect(m.payload.text).toMatch(/^configure\n/);
    const me = body(await restore(v2.eos, { execute: true, confirm_token: m.confirm_token }));
    x.rejects = undefined;
    expect(me).toMatchObject({ verified: false, failed_line: 'ip name-server 192.0.2.53' });
    expect(me.device_answer).toMatch(/% Invalid input/);
  });
});
