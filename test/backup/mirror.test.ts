// The git mirror as an operator turns it on: NETKEEP_GIT_MIRROR=1 for `netkeep backup`,
// one commit per changed config, none for a device that opts out, none on an unchanged pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jsonb, openDatabase } from '../../src/db/index.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { cleanupDirs, seedFleet, tempDir, testKeyring, TEST_MASTER_KEY } from './helpers.ts';

const BIN = join(import.meta.dirname, '../../bin/netkeep.js');

describe('git mirror from the environment', () => {
  let fleet: Fleet;
  const dataDir = tempDir('netkeep-mirror-');
  beforeAll(async () => {
    fleet = await startFleet({ count: 3, configLines: 40 });
    const ndb = await openDatabase({ dataDir, command: 'test' });
    const ids = await seedFleet(ndb.db, testKeyring(dataDir), fleet, { group: 'core' });
    await ndb.db.updateTable('devices').set({ options: jsonb({ git_mirror: false }) }).where('id', '=', ids.get('sim00003')!).execute();
    await ndb.close();
  });
  afterAll(async () => {
    await fleet?.close();
    cleanupDirs();
  });

  // async: the fleet simulator runs in this process and must keep answering meanwhile
  const pass = () =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'backup', '--all', '--wait', '--data-dir', dataDir], {
        env: { ...process.env, NETKEEP_GIT_MIRROR: '1', NETKEEP_MASTER_KEY: TEST_MASTER_KEY, DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const commits = () => execFileSync('git', ['-C', join(dataDir, 'git'), 'log', '--format=%s'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);

  it('commits each changed config once, in its group folder, and skips a device that opts out', async () => {
    const r = await pass();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 ok \(3 changed\)/);
    const log = commits();
    expect(log).toHaveLength(2);
    expect(log.join('\n')).toMatch(/sim00001/);
    expect(log.join('\n')).toMatch(/sim00002/);
    expect(log.join('\n')).not.toMatch(/sim00003/);
    const files = execFileSync('git', ['-C', join(dataDir, 'git'), 'ls-tree', '-r', '--name-only', 'HEAD'], { encoding: 'utf8' }).trim().split('\n');
    expect(files.sort()).toEqual(['core/sim00001', 'core/sim00002']);
    expect(existsSync(join(dataDir, 'blobs'))).toBe(true);
  });

  it('makes no commit when nothing changed', async () => {
    const r = await pass();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 ok \(0 changed\)/);
    expect(commits()).toHaveLength(2);
  });
});
