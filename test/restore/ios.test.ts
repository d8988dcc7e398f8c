// Restore through the API against the simulator's IOS-like devices (over real SSH, SCP upload,
// `configure replace … revert trigger error timer N` / `configure confirm`), on both database
// back-ends: dry run → token → execute → verify → audit, and every bad input of issue 7.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/run.ts';
import { jsonb } from '../../src/db/index.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import type { FsBlobBackend } from '../../src/store/backend.ts';
import { backends } from '../helpers/db.ts';
import { body, expectProblem, startServer, type TestServer } from '../api/helpers.ts';
import { seedFleet } from '../backup/helpers.ts';

describe.each(backends())('restore to IOS through the API on %s', (backend) => {
  let s: TestServer;
  let fleet: Fleet;
  let ids: Map<string, string>;
  const v1: Record<string, string> = {};
  const v2: Record<string, string> = {};
  const original: Record<string, string> = {};

  const restore = (role: 'admin' | 'operator' | 'viewer', id: string, payload: Record<string, unknown> = {}) =>
    s.as(role, { method: 'POST', url: `/api/v1/backups/history/${id}/restore`, payload });
  const audits = async (action: string) => s.t.db.selectFrom('audit_log').select(['action', 'result', 'username', 'details']).where('action', '=', action).execute();

  beforeAll(async () => {
    s = await startServer(backend);
    fleet = await startFleet({ count: 4, configLines: 100 });
    ids = await seedFleet(s.t.db, s.ctx.keyring, fleet, { pin: true });
    // two versions of each device: v1, then a change on the device, then v2
    for (const name of ids.keys()) {
      original[name] = fleet.device(name).state.runningConfig;
      const a = await runBackup(s.ctx, { deviceId: ids.get(name)!, trigger: 'api' });
      fleet.device(name).mutate(1);
      const b = await runBackup(s.ctx, { deviceId: ids.get(name)!, trigger: 'api' });
      if (a.status !== 'success' || b.status !== 'success') throw new Error(`set-up backup failed: ${JSON.stringify([a, b])}`);
      v1[name] = a.historyId;
      v2[name] = b.historyId;
    }
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
    await s?.close();
  });

  it('dry run (the default) shows the live → version diff and the exact steps, sends nothing; execute with its token replaces, verifies, confirms, records and audits', async () => {
    const name = 'sim00001';
    const dev = fleet.device(name);
    const before = dev.state.runningConfig;
    const dr = await restore('operator', v1[name]);
    expect(dr.statusCode, dr.body).toBe(200);
    const d = body(dr);
    expect(d).toMatchObject({ dry_run: true, device_name: name, history_id: v1[name], method: 'replace', identical: false });
    expect(d.method_description).toMatch(/^replace — .*configure replace/);
    expect(d.diff.unified).toMatch(/^- description access port changed in run 1$/m);
    expect(d.diff.unified).toMatch(/^\+ description access port 1 room \d+$/m);
    expect(d.diff.hunks.length).toBeGreaterThan(0);
    expect(d.payload.kind).toBe('file');
    expect(d.payload.text).toContain(`hostname ${name}`);
    expect(d.payload.text).not.toMatch(/^! Image:/m); // netkeep's informational comments are not pushed
    expect(d.payload.steps).toContain('configure replace flash:netkeep-restore.cfg force revert trigger error timer 5');
    expect(d.confirm_token).toMatch(/^nkr_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(d.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(dev.state.runningConfig).toBe(before); // a dry run changes nothing
    expect(dev.files.size).toBe(0);
    // the token is stored only as a hash
    const row = await s.t.db.selectFrom('restores').selectAll().where('id', '=', d.restore_id).executeTakeFirstOrThrow();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(d.confirm_token);

    const ex = await restore('operator', v1[name], { execute: true, confirm_token: d.confirm_token });
    expect(ex.statusCode, ex.body).toBe(200);
    const e = body(ex);
    expect(e).toMatchObject({ dry_run: false, restore_id: d.restore_id, status: 'success', method: 'replace', verified: true });
    expect(e.message).toMatch(/confirmed after verification/);
    expect(dev.state.runningConfig).toBe(original[name]); // the device runs version 1 again
    expect(dev.pendingRevert).toBeUndefined(); // `configure confirm` was sent
    expect(dev.files.get('flash:netkeep-restore.cfg')).toContain(`hostname ${name}`);
    // the verified config became a new version, identical to v1
    const after = body(await s.as('viewer', { url: `/api/v1/backups/history/${e.history_id_after}` }));
    const first = body(await s.as('viewer', { url: `/api/v1/backups/history/${v1[name]}` }));
    expect(after.checksum).toBe(first.checksum);
    // the record and its token ledger
    const rec = body(await s.as('viewer', { url: `/api/v1/restores/${d.restore_id}` }));
    expect(rec).toMatchObject({ status: 'success', verified: true, method: 'replace', username: 'operator', device_name: name, history_id_after: e.history_id_after });
    expect(rec.token_uses.map((u: { outcome: string }) => u.outcome)).toEqual(['accepted']);
    const list = body(await s.as('viewer', { url: `/api/v1/restores?device_id=${name}` }));
    expect(list.items.map((r: { id: string }) => r.id)).toContain(d.restore_id);
    // audit: dry run, execution, result, and the route's own rows
    for (const a of ['restore.dry_run', 'restore.execute', 'restore.result']) {
      const rows = (await audits(a)).filter((r) => (r.details as { restore_id?: string }).restore_id === d.restore_id);
      expect(rows, a).toHaveLength(1);
      expect(rows[0]).toMatchObject({ result: 'ok', username: 'operator' });
    }
    expect((await audits('backup.restore')).filter((r) => r.username === 'operator' && r.result === 'ok').length).toBeGreaterThanOrEqual(2);

    // the same token again: refused, audited, in the ledger, nothing sent
    const again = await restore('operator', v1[name], { execute: true, confirm_token: d.confirm_token });
    expect(expectProblem(again, 409, 'restore_token_used').detail).toMatch(/already used .* works once.*dry run again/);
    const rec2 = body(await s.as('viewer', { url: `/api/v1/restores/${d.restore_id}` }));
    expect(rec2.token_uses.map((u: { outcome: string }) => u.outcome)).toEqual(['accepted', 'used']);
    expect((await audits('restore.refused')).some((r) => (r.details as { reason?: string }).reason === 'token_used')).toBe(true);
  });

  it('refuses an altered token, a token for another version, a token of another user and an expired token — each audited, nothing sent', async () => {
    const name = 'sim00002';
    const dev = fleet.device(name);
    const before = dev.state.runningConfig;
    const d = body(await restore('operator', v1[name]));
    // altered: one character changed
    const altered = d.confirm_token.slice(0, -1) + (d.confirm_token.endsWith('A') ? 'B' : 'A');
    expectProblem(await restore('operator', v1[name], { execute: true, confirm_token: altered }), 403, 'restore_token_invalid');
    // another version of the same device
    expect(expectProblem(await restore('operator', v2[name], { execute: true, confirm_token: d.confirm_token }), 409, 'restore_token_wrong_version').detail).toContain(v1[name]);
    // another user (even an admin)
    expect(expectProblem(await restore('admin', v1[name], { execute: true, confirm_token: d.confirm_token }), 403, 'restore_token_wrong_user').detail).toMatch(/belongs to operator/);
    // viewers may not restore at all
    expectProblem(await restore('viewer', v1[name], { execute: true, confirm_token: d.confirm_token }), 403, 'forbidden');
    // execute without a token; a token without execute
    expectProblem(await restore('operator', v1[name], { execute: true }), 400, 'confirm_token_required');
    expectProblem(await restore('operator', v1[name], { confirm_token: d.confirm_token }), 400, 'execute_missing');
    // expired: the dry run was 11 minutes ago
    await s.t.db.updateTable('restores').set({ token_expires_at: new Date(Date.now() - 60_000), created_at: new Date(Date.now() - 11 * 60_000) }).where('id', '=', d.restore_id).execute();
    expect(expectProblem(await restore('operator', v1[name], { execute: true, confirm_token: d.confirm_token }), 409, 'restore_token_expired').detail).toMatch(/expired at .*10 minutes/);
    expect(dev.state.runningConfig).toBe(before);
    expect(dev.files.size).toBe(0);
    const ledger = await s.t.db.selectFrom('restore_token_uses').select(['outcome', 'username']).where('restore_id', '=', d.restore_id).orderBy('id').execute();
    expect(ledger.map((l) => l.outcome)).toEqual(['wrong_version', 'wrong_user', 'expired']);
    const unknown = await s.t.db.selectFrom('restore_token_uses').select('outcome').where('restore_id', 'is', null).execute();
    expect(unknown.map((u) => u.outcome)).toContain('unknown');
    const refused = (await audits('restore.refused')).map((r) => (r.details as { reason: string }).reason);
    for (const reason of ['token_unknown', 'token_wrong_version', 'token_wrong_user', 'token_expired']) expect(refused).toContain(reason);
    // the route's own audit rows say denied / failed
    const routeRows = (await audits('backup.restore')).filter((r) => (r.details as { status?: number }).status !== 200);
    expect(routeRows.length).toBeGreaterThanOrEqual(6);
  });

  it('refuses when the live config changed since the dry run (hash mismatch): nothing is pushed, the diff must be seen again', async () => {
    const name = 'sim00003';
    const dev = fleet.device(name);
    const d = body(await restore('admin', v1[name]));
    dev.mutate(7); // someone changed the device meanwhile
    const changed = dev.state.runningConfig;
    const p = expectProblem(await restore('admin', v1[name], { execute: true, confirm_token: d.confirm_token }), 409, 'live_config_changed');
    expect(p.detail).toMatch(/changed since the dry run.*nothing was sent.*dry run again/);
    expect(dev.state.runningConfig).toBe(changed);
    expect(dev.files.size).toBe(0);
    expect(body(await s.as('viewer', { url: `/api/v1/restores/${d.restore_id}` })).status).toBe('refused');
    // the token was spent: the new dry run gives a new one
    const d2 = body(await restore('admin', v1[name]));
    expect(d2.diff.unified).toContain('changed in run 7');
    // two executions racing with one token: exactly one runs
    const race = await Promise.all([1, 2].map(() => restore('admin', v1[name], { execute: true, confirm_token: d2.confirm_token })));
    const winners = race.filter((r) => r.statusCode === 200);
    expect(winners).toHaveLength(1);
    expectProblem(race.find((r) => r.statusCode !== 200)!, 409, 'restore_token_used');
    expect(body(winners[0])).toMatchObject({ status: 'success', verified: true });
    expect(dev.state.runningConfig).toBe(original[name]);
  });

  it('a device that refuses a line: replace is reverted by IOS and reported with the line and the answer; a merge that stopped half-way is put back', async () => {
    const name = 'sim00004';
    const dev = fleet.device(name);
    // the device does not take the description version 1 has (and its running config lacks)
    dev.rejects = /^ description access port 1 room/;
    // and someone changed its domain name: a merge of version 1 changes that line before it reaches the refused one
    dev.setRunningConfig(dev.state.runningConfig.replace(/^ip domain name .*$/m, 'ip domain name elsewhere.example.net'));
    const before = dev.state.runningConfig;
    const d = body(await restore('operator', v1[name]));
    const e = body(await restore('operator', v1[name], { execute: true, confirm_token: d.confirm_token }));
    expect(e).toMatchObject({ status: 'rolled_back', verified: false });
    expect(e.failed_line).toMatch(/^ description access port 1 room \d+$/);
    expect(e.device_answer).toMatch(/% Invalid input detected/);
    expect(e.message).toMatch(/refused " description access port 1 room .*back as it was/);
    expect(dev.state.runningConfig).toBe(before);
    expect((await audits('restore.result')).some((r) => r.result === 'failed' && (r.details as { failed_line?: string }).failed_line === e.failed_line)).toBe(true);

    // merge types the lines one by one; the lines before the refused one are applied, so netkeep
    // puts the previous config back with IOS' replace
    const m = body(await restore('operator', v1[name], { method: 'merge' }));
    expect(m.method).toBe('merge');
    expect(m.payload.kind).toBe('commands');
    expect(m.payload.text).toMatch(/^configure terminal\n/);
    expect(m.payload.text).toMatch(/\nend\n$/);
    const me = body(await restore('operator', v1[name], { execute: true, confirm_token: m.confirm_token }));
    expect(me).toMatchObject({ status: 'rolled_back', verified: false, method: 'merge' });
    expect(me.failed_line).toMatch(/^ description access port 1 room \d+$/);
    expect(me.device_answer).toMatch(/% Invalid input detected/);
    expect(me.message).toMatch(/lines before it had been applied, so netkeep put the previous config back with a replace/);
    expect(dev.state.runningConfig).toBe(before);
    expect(dev.pendingRevert).toBeUndefined();
    dev.rejects = undefined;
  });

  it('a config that does not verify after the push is not confirmed: rolled back at once (configure revert now)', async () => {
    const name = 'sim00001';
    const dev = fleet.device(name);
    dev.mutate(9);
    const before = dev.state.runningConfig;
    dev.ignores = /^logging host /; // accepted, but not kept
    const d = body(await restore('admin', v1[name]));
    const e = body(await restore('admin', v1[name], { execute: true, confirm_token: d.confirm_token }));
    dev.ignores = undefined;
    expect(e).toMatchObject({ status: 'rolled_back', verified: false });
    expect(e.verify_diff).toMatch(/^\+logging host /m);
    expect(e.message).toMatch(/did not match .*rolled it back \(configure revert now\)/);
    expect(dev.state.runningConfig).toBe(before);
    expect(dev.pendingRevert).toBeUndefined();
  });

  it('refuses to restore a version whose blob fails verification', async () => {
    const name = 'sim00002';
    const store = BlobStore.forContext(s.ctx);
    const sha = body(await s.as('viewer', { url: `/api/v1/backups/history/${v2[name]}` })).checksum as string;
    const p = (store.backend as FsBlobBackend).pathOf(sha);
    const raw = readFileSync(p);
    raw[raw.length - 3] ^= 0x10;
    writeFileSync(p, raw);
    const before = fleet.device(name).state.runningConfig;
    const r = expectProblem(await restore('operator', v2[name]), 409, 'blob_unverifiable');
    expect(r.detail).toMatch(/will not restore a version whose stored bytes fail verification/);
    expect(fleet.device(name).state.runningConfig).toBe(before);
    expect((await audits('restore.refused')).some((a) => (a.details as { reason?: string }).reason === 'blob_unverifiable')).toBe(true);
  });

  it('refuses a version stored with its secrets masked (it would overwrite the device\'s secrets with placeholders)', async () => {
    const name = 'sim00004';
    await s.t.db.updateTable('devices').set({ options: jsonb({ mask_secrets: true }) }).where('id', '=', ids.get(name)!).execute();
    const masked = await runBackup(s.ctx, { deviceId: ids.get(name)!, trigger: 'api' });
    await s.t.db.updateTable('devices').set({ options: jsonb({}) }).where('id', '=', ids.get(name)!).execute();
    expect(masked.status).toBe('success');
    const p = expectProblem(await restore('operator', masked.historyId), 409, 'secrets_masked');
    expect(p.detail).toMatch(/stored with its secrets masked .*<secret hidden>.*Pick a version stored without masking/);
  });

  it('diff-live: a version against the running config, without changing anything', async () => {
    const name = 'sim00003';
    const same = body(await s.as('viewer', { url: `/api/v1/backups/history/${v1[name]}/diff-live` }));
    expect(same).toMatchObject({ identical: true, device_name: name, unified: '' });
    fleet.device(name).mutate(11);
    const r = body(await s.as('viewer', { url: `/api/v1/backups/history/${v1[name]}/diff-live` }));
    expect(r.identical).toBe(false);
    expect(r.unified).toMatch(/^\+ description access port changed in run 11$/m);
    expect(r.hunks.length).toBe(1);
    expect((await audits('backup.diff_live')).filter((a) => a.username === 'viewer').length).toBe(2);
  });
});
