// `netkeep restore` and `netkeep diff-live` as real processes against the simulator, on the
// embedded database and on PostgreSQL: the dry run prints the diff, the steps and the command
// with the token; the execution restores and verifies; bad tokens are one clear line, exit 2.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/run.ts';
import { openDatabase, type NetkeepDb } from '../../src/db/index.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, seedFleet, tempDir, testKeyring, TEST_MASTER_KEY } from '../backup/helpers.ts';

const BIN = join(import.meta.dirname, '../../bin/netkeep.js');

function netkeep(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NETKEEP_DATA_DIR: '', DATABASE_URL: '', NETKEEP_MASTER_KEY: TEST_MASTER_KEY, USER: 'alice' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(backends())('netkeep restore and diff-live on %s', (backend) => {
  let fleet: Fleet;
  let where: string[];
  let t: TestDb | undefined;
  let v1 = '';
  let original = '';
  beforeAll(async () => {
    fleet = await startFleet({ count: 1, configLines: 100 });
    const dataDir = tempDir('netkeep-restore-cli-');
    let ndb: NetkeepDb;
    if (backend === 'pglite') {
      ndb = await openDatabase({ dataDir, command: 'test' });
      where = ['--data-dir', dataDir];
    } else {
      t = await freshDb('postgres');
      ndb = t;
      where = ['--database-url', t.databaseUrl!, '--data-dir', dataDir];
    }
    const keyring = testKeyring(dataDir);
    const ids = await seedFleet(ndb.db, keyring, fleet, { pin: true });
    const ctx = { db: ndb.db, keyring, dataDir };
    original = fleet.devices[0].state.runningConfig;
    const a = await runBackup(ctx, { deviceId: ids.get('sim00001')!, trigger: 'api' });
    if (a.status !== 'success') throw new Error(JSON.stringify(a));
    v1 = a.historyId;
    fleet.devices[0].mutate(3);
    if (backend === 'pglite') await ndb.close();
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
    cleanupDirs();
  });

  it('diff-live shows the change on the device (exit 1); restore prints the diff, the steps and the command with its token; --execute restores (exit 0)', async () => {
    const dl = await netkeep(['diff-live', v1, ...where]);
    expect(dl.code, dl.stderr).toBe(1);
    expect(dl.stdout).toMatch(/^\+ description access port changed in run 3$/m);

    const dry = await netkeep(['restore', v1, ...where]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^dry run: restore sim00001 to version /m);
    expect(dry.stdout).toMatch(/^method: replace — /m);
    expect(dry.stdout).toMatch(/^- description access port changed in run 3$/m);
    expect(dry.stdout).toMatch(/^ {2}configure replace flash:netkeep-restore\.cfg force revert trigger error timer 5$/m);
    const m = /^ {2}netkeep restore (\S+) --execute --token (nkr_\S+)$/m.exec(dry.stdout);
    expect(m?.[1]).toBe(v1);
    expect(fleet.devices[0].state.runningConfig).not.toBe(original);

    // a token that is not the one printed: one line, exit 2, nothing sent
    const bad = await netkeep(['restore', v1, '--execute', '--token', `${m![2].slice(0, -2)}xx`, ...where]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^netkeep: this confirmation token is not one netkeep handed out \(altered or mistyped\); run the dry run again .*\n$/);
    const noToken = await netkeep(['restore', v1, '--execute', ...where]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/--execute needs --token TOKEN/);

    const ex = await netkeep(['restore', v1, '--execute', '--token', m![2], '--json', ...where]);
    expect(ex.code, ex.stderr + ex.stdout).toBe(0);
    expect(JSON.parse(ex.stdout)).toMatchObject({ dry_run: false, status: 'success', verified: true, method: 'replace' });
    expect(fleet.devices[0].state.runningConfig).toBe(original);

    const again = await netkeep(['restore', v1, '--execute', '--token', m![2], ...where]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already used/);
    const same = await netkeep(['diff-live', v1, ...where]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/the live config matches version/);
  }, 90_000);

  it('--help says how the dry run and the token work', async () => {
    const h = await netkeep(['restore', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/dry run/);
    expect(h.stdout).toMatch(/--execute --token TOKEN/);
    expect(h.stdout).toMatch(/works once, for 10 minutes/);
  });
});
