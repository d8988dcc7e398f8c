// `netkeep backup`, `netkeep status` and `netkeep worker` as real processes against a simulated
// fleet, on the embedded database (data directory) and on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/index.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, seedFleet, tempDir, testKeyring, TEST_MASTER_KEY } from './helpers.ts';

const BIN = join(import.meta.dirname, '../../bin/netkeep.js');

function netkeep(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NETKEEP_DATA_DIR: '', DATABASE_URL: '', NETKEEP_MASTER_KEY: TEST_MASTER_KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(backends())('netkeep backup and status on %s', (backend) => {
  let fleet: Fleet;
  let where: string[];
  let t: TestDb | undefined;
  beforeAll(async () => {
    fleet = await startFleet({ count: 6, configLines: 300, misbehave: { 'wrong-password': 1 } });
    const dataDir = tempDir();
    if (backend === 'pglite') {
      const ndb = await openDatabase({ dataDir, command: 'test' });
      await seedFleet(ndb.db, testKeyring(dataDir), fleet);
      await ndb.close();
      where = ['--data-dir', dataDir];
    } else {
      t = await freshDb('postgres');
      await seedFleet(t.db, testKeyring(dataDir), fleet);
      where = ['--database-url', t.databaseUrl!, '--data-dir', dataDir];
    }
  });
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
    cleanupDirs();
  });

  it('backup --all --wait runs the pass, prints progress lines and a summary, exits 1 when one failed', async () => {
    const r = await netkeep(['backup', '--all', '--wait', '--worker', ...where]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^backed up 6 devices in [\d.]+ s: 5 ok \(5 changed\), 1 failed \(auth failed 1\)$/m);
    expect(r.stdout).toMatch(/^ {2}sim00006: auth failed: .*credential/m);
    expect(r.stderr).toMatch(/^progress: 6\/6 done, 5 ok, 5 changed, 1 failed$/m); // plain lines: not a terminal
    expect(r.stderr).not.toMatch(/\r/);
  });

  it('backup --device --wait --json: a quiet second backup, exit 0', async () => {
    const r = await netkeep(['backup', '--device', 'sim00001', '--wait', '--worker', '--json', ...where]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ total: 1, ok: 1, changed: 0, failed: 0, failedByClass: {} });
  });

  it('status shows ok, failing since when and why, and the last backup', async () => {
    const j = await netkeep(['status', '--json', ...where]);
    expect(j.code, j.stderr).toBe(0);
    const s = JSON.parse(j.stdout);
    expect(s.devices).toMatchObject({ total: 6, ok: 5, failing: 1, never: 0 });
    expect(s.failing).toHaveLength(1);
    expect(s.failing[0]).toMatchObject({ device: 'sim00006', failureClass: 'auth_failed', consecutiveFailures: 1 });
    expect(Date.parse(s.failing[0].failingSince)).toBeGreaterThan(0);
    expect(s.lastPass.backups).toBe(7);
    expect(s.queue).toEqual({ waiting: 0, active: 0 });
    const txt = await netkeep(['status', ...where]);
    expect(txt.stdout).toContain('devices: 6 — 5 ok, 1 failing, 0 never backed up');
    expect(txt.stdout).toMatch(/^sim00006\s+\S+\s+1\s+auth failed\s+/m);
  });

  it('usage errors are one line with exit 2', async () => {
    const r = await netkeep(['backup', '--wait', ...where]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--all, --group NAME or --device NAME');
    const g = await netkeep(['backup', '--group', 'nope', '--wait', ...where]);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/no group "nope"/);
  });
});

describe('netkeep backup while another process holds the embedded data directory', () => {
  it('says so and how to back up through the running server', async () => {
    const dataDir = tempDir();
    const ndb = await openDatabase({ dataDir, command: 'test' });
    await ndb.close();
    const w = spawn(process.execPath, [BIN, 'worker', '--data-dir', dataDir], { env: { ...process.env, DATABASE_URL: '', NETKEEP_MASTER_KEY: TEST_MASTER_KEY }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    w.stderr.on('data', (b: Buffer) => (err += b.toString()));
    try {
      while (!/serving zone/.test(err)) await new Promise((r) => setTimeout(r, 100));
      const r = await netkeep(['backup', '--all', '--wait', '--data-dir', dataDir]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/in use by netkeep worker .*POST \/api\/v1\/backups\/devices\/\{id\}\/backup/);
    } finally {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('exit', r));
      cleanupDirs();
    }
  });
});
