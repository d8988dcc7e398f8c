// System backups over the API (start, poll, download, delete; the schedule and its retention) on
// both back-ends, and `netkeep system-backup` / `system-restore` as real processes.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyArchive } from '../../src/system/archive.ts';
import { applySystemRetention, runDueSystemBackup } from '../../src/system/service.ts';
import { backends } from '../helpers/db.ts';
import { body, expectProblem, startServer, type TestServer } from '../api/helpers.ts';
import { cleanupDirs, tempDir } from '../backup/helpers.ts';

const BIN = join(import.meta.dirname, '../../bin/netkeep.js');

async function waitDone(s: TestServer, id: string) {
  for (let i = 0; i < 600; i++) {
    const r = body(await s.as('admin', { method: 'GET', url: `/api/v1/system/backups/${id}` }));
    if (r.status !== 'running') return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('system backup did not finish');
}

describe.each(backends())('system backups over the API on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
    await s.as('admin', { method: 'POST', url: '/api/v1/devices', payload: { name: 'core1', address: '192.0.2.1', driver: 'ios' } });
  });
  afterAll(async () => {
    await s?.close();
    cleanupDirs();
  });

  it('an admin starts one, polls it, downloads a verified archive; others may not', async () => {
    const start = await s.as('admin', { method: 'POST', url: '/api/v1/system/backups', payload: { include_master_key: true, passphrase: 'correct horse battery' } });
    expect(start.statusCode, start.body).toBe(202);
    const row = await waitDone(s, body(start).id);
    expect(row).toMatchObject({ status: 'success', trigger: 'api', includes_master_key: true, created_by: 'admin' });
    expect(row.summary.rows).toBeGreaterThan(0);
    const dl = await s.as('admin', { method: 'GET', url: `/api/v1/system/backups/${row.id}/download` });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/gzip');
    const bytes = dl.rawPayload;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.sha256);
    expect(dl.headers['x-netkeep-sha256']).toBe(row.sha256);
    const file = join(tempDir('netkeep-sysapi-'), 'dl.tar.gz');
    writeFileSync(file, bytes);
    const { manifest } = await verifyArchive(file);
    expect(manifest.master_key.included).toBe(true);
    expect(manifest.database.tables.find((t) => t.name === 'devices')?.rows).toBe(1);
    const audit = await s.t.db.selectFrom('audit_log').select(['action', 'result']).where('action', 'like', 'system.%').execute();
    expect(audit).toEqual(expect.arrayContaining([{ action: 'system.backup', result: 'ok' }, { action: 'system.backup.download', result: 'ok' }]));
    for (const role of ['operator', 'viewer'] as const) {
      expectProblem(await s.as(role, { method: 'GET', url: `/api/v1/system/backups/${row.id}/download` }), 403, 'forbidden');
    }
  });

  it('refuses a key without a passphrase, or a short one', async () => {
    expectProblem(await s.as('admin', { method: 'POST', url: '/api/v1/system/backups', payload: { include_master_key: true } }), 400, 'passphrase_required');
    expectProblem(await s.as('admin', { method: 'POST', url: '/api/v1/system/backups', payload: { include_master_key: true, passphrase: 'short' } }), 400, 'invalid_request');
  });

  it('the schedule claims a due run once, and keeps the last N scheduled archives', async () => {
    const put = await s.as('admin', { method: 'PUT', url: '/api/v1/system/backup-schedule', payload: { enabled: true, schedule_cron: '0 3 * * *', keep_last: 2 } });
    expect(put.statusCode, put.body).toBe(200);
    expect(body(put)).toMatchObject({ enabled: true, schedule_cron: '0 3 * * *', keep_last: 2 });
    expect(Date.parse(body(put).next_run_at)).toBeGreaterThan(Date.now());
    expectProblem(await s.as('admin', { method: 'PUT', url: '/api/v1/system/backup-schedule', payload: { schedule_cron: '61 * * * *' } }), 400, 'invalid_schedule');

    const rows = [];
    for (let i = 0; i < 3; i++) {
      const due = new Date(Date.now() - 1000);
      await s.t.db.updateTable('system_backup_schedule').set({ next_run_at: due }).execute();
      // two processes see the same due run: only one takes it
      const [a, b] = await Promise.all([runDueSystemBackup(s.ctx), runDueSystemBackup(s.ctx)]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      rows.push((a ?? b)!);
    }
    expect(rows.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    const now = await s.t.db.selectFrom('system_backups').select(['id', 'status', 'path']).where('trigger', '=', 'schedule').orderBy('started_at').execute();
    expect(now.map((r) => r.status)).toEqual(['deleted', 'success', 'success']);
    expect(existsSync(now[0]!.path)).toBe(false);
    expect(existsSync(now[2]!.path)).toBe(true);
    // the schedule moved on to its next slot
    const sched = await s.t.db.selectFrom('system_backup_schedule').selectAll().executeTakeFirstOrThrow();
    expect(sched.next_run_at!.getTime()).toBeGreaterThan(Date.now());
    expect(await applySystemRetention(s.ctx, 2)).toEqual([]);
    // an admin's API archives are never removed by retention
    expect((await s.t.db.selectFrom('system_backups').select('status').where('trigger', '=', 'api').execute()).every((r) => r.status === 'success')).toBe(true);
  }, 120_000);

  it('deletes an archive; a deleted one cannot be downloaded', async () => {
    const list = body(await s.as('admin', { method: 'GET', url: '/api/v1/system/backups' }));
    expect(list.schedule.enabled).toBe(true);
    const one = list.items.find((r: { status: string }) => r.status === 'success');
    const del = await s.as('admin', { method: 'DELETE', url: `/api/v1/system/backups/${one.id}` });
    expect(body(del).status).toBe('deleted');
    expect(existsSync(one.path)).toBe(false);
    expectProblem(await s.as('admin', { method: 'GET', url: `/api/v1/system/backups/${one.id}/download` }), 409, 'system_backup_not_ready');
  });
});

function netkeep(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NETKEEP_DATA_DIR: '', DATABASE_URL: '', NETKEEP_MASTER_KEY: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('netkeep system-backup and system-restore (processes, embedded database)', () => {
  afterAll(() => cleanupDirs());

  it('backs up a data directory and restores it elsewhere; refuses what it should, in one line', () => {
    const root = tempDir('netkeep-syscli-');
    const src = join(root, 'src');
    const pass = join(root, 'pass');
    writeFileSync(pass, 'blue harbour lantern 42\n');
    const wrong = join(root, 'wrong');
    writeFileSync(wrong, 'not the passphrase at all\n');
    let r = netkeep(['device', 'add', 'edge1', '--address', '192.0.2.7', '--driver', 'ios', '--data-dir', src]);
    expect(r.code, r.stderr).toBe(0);
    const archive = join(root, 'nk.tar.gz');
    r = netkeep(['system-backup', '--data-dir', src, '--out', archive, '--include-master-key', '--passphrase-file', pass]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(archive);
    expect(r.stderr).toMatch(/master key is in the archive, sealed with your passphrase/);

    r = netkeep(['system-restore', archive, '--data-dir', join(root, 'dst'), '--passphrase-file', wrong]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^netkeep: the passphrase does not open the master key/);
    expect(existsSync(join(root, 'dst'))).toBe(false);

    r = netkeep(['system-restore', archive, '--data-dir', join(root, 'dst'), '--passphrase-file', pass]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/restored \d+ rows/);
    r = netkeep(['device', 'list', '--json', '--data-dir', join(root, 'dst')]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).items.map((d: { name: string }) => d.name)).toEqual(['edge1']);

    r = netkeep(['system-restore', archive, '--data-dir', src, '--passphrase-file', pass]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^netkeep: the data directory .* is not empty/m);
    r = netkeep(['system-backup', '--data-dir', src, '--include-master-key']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--include-master-key needs --passphrase-file/);
  }, 240_000);
});
