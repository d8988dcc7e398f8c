// The store commands as processes against a real data directory (PGlite) or PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { openDatabase, type NetkeepDb } from '../../src/db/index.ts';
import { recordBackup } from '../../src/backup/record.ts';
import { loadKeyring } from '../../src/security/masterkey.ts';
import { backends, freshDb } from '../helpers/db.ts';
import { addDevice, cleanupDirs, sampleConfig, tempDir } from './helpers.ts';

const RUNNER = new URL('./fixtures/cli.ts', import.meta.url).pathname;

describe.each(backends())('store CLI on %s', (backend) => {
  let dataDir: string;
  let dbArgs: string[];
  const ids: string[] = [];
  const shas: string[] = [];
  const texts: string[] = [];
  const run = (fn: string, ...argv: string[]) => {
    const r = spawnSync(process.execPath, [RUNNER, fn, ...argv, ...dbArgs], { encoding: 'buffer', env: { ...process.env, NETKEEP_MASTER_KEY: '' } });
    return { code: r.status, out: r.stdout.toString('utf8'), raw: r.stdout, err: r.stderr.toString('utf8') };
  };
  beforeAll(async () => {
    dataDir = tempDir();
    let ndb: NetkeepDb;
    if (backend === 'postgres') {
      const t = await freshDb('postgres');
      ndb = t;
      dbArgs = ['--data-dir', dataDir, '--database-url', t.databaseUrl!];
    } else {
      ndb = await openDatabase({ dataDir, command: 'test-setup' });
      dbArgs = ['--data-dir', dataDir];
    }
    const ctx = { db: ndb.db, keyring: loadKeyring(dataDir, {}), dataDir };
    const dev = await addDevice(ndb.db, 'cli-r1');
    for (let i = 0; i < 3; i++) {
      const text = sampleConfig(100, i, 'cli-r1');
      texts.push(text);
      const r = await recordBackup(ctx, { deviceId: dev, text, startedAt: new Date(Date.UTC(2026, 0, 1 + i)), completedAt: new Date(Date.UTC(2026, 0, 1 + i)), trigger: 'schedule', driver: 'ios', facts: {}, durationMs: 1 });
      ids.push(r.historyId);
      shas.push(r.sha256);
    }
    await ndb.close();
  });
  afterAll(() => cleanupDirs());

  it('lists, shows, downloads and diffs versions', () => {
    const list = run('historyCommand', 'list', 'cli-r1');
    expect(list.code).toBe(0);
    const rows = list.out.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+STARTED\s+STATUS/);
    expect(rows.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([...ids].reverse());
    const show = run('historyCommand', 'show', ids[1]!);
    expect(show.raw.equals(Buffer.from(texts[1]!))).toBe(true);
    const out = join(dataDir, 'out.cfg.gz');
    expect(run('historyCommand', 'download', ids[0]!, '--output', out, '--gzip').code).toBe(0);
    expect(gunzipSync(readFileSync(out)).toString()).toBe(texts[0]);
    const diff = run('historyCommand', 'diff', ids[0]!, ids[2]!);
    expect(diff.code).toBe(0);
    expect(diff.out).toContain('+snmp-server location rack-2');
    const json = JSON.parse(run('historyCommand', 'show', ids[2]!, '--json').out);
    expect(json).toMatchObject({ id: ids[2], changed: true, verifiable: true });
    const bad = run('historyCommand', 'list', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^netkeep: no device with id or name "nope"/);
  });

  it('verify exits 0 when all is well and 1 naming the version when a byte flipped; download refuses it', () => {
    expect(run('verifyCommand').code).toBe(0);
    const p = join(dataDir, 'blobs', shas[1]!.slice(0, 2), shas[1]!.slice(2, 4), shas[1]!);
    const raw = readFileSync(p);
    raw[20] ^= 0x01;
    writeFileSync(p, raw);
    const v = run('verifyCommand');
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/checked 3 blob\(s\): 2 ok, 1 problem/);
    expect(v.out).toContain(`TAMPERED ${shas[1]}`);
    expect(v.out).toContain(`version ${ids[1]} of cli-r1`);
    const d = run('historyCommand', 'download', ids[1]!);
    expect(d.code).toBe(1);
    expect(d.raw.length).toBe(0);
    expect(d.err).toMatch(/^netkeep: storage error: backup .*failed its integrity check/);
    expect(run('verifyCommand', '--sample', '0').code).toBe(2);
    writeFileSync(p, (raw[20] ^= 0x01, raw));
    expect(run('verifyCommand', '--sample', '50%').code).toBe(0);
  });

  it('rotates keys, reports counts, and everything stays readable', () => {
    const before = run('keysCommand', 'status', '--json');
    const st = JSON.parse(before.out);
    expect(st.usage).toEqual([{ key_id: st.current, blobs: 3, secrets: 0 }]);
    const r = run('keysCommand', 'rotate');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^master key rotated: ${st.current} -> [0-9a-f]{16}; rewrapped 3 config data key\\(s\\) and 0 credential secret\\(s\\)`));
    const after = JSON.parse(run('keysCommand', 'status', '--json').out);
    expect(after.current).not.toBe(st.current);
    expect(after.usage).toEqual([{ key_id: after.current, blobs: 3, secrets: 0 }]);
    for (const [i, id] of ids.entries()) expect(run('historyCommand', 'show', id).out).toBe(texts[i]);
  });

  it('retention --dry-run shows what would go and changes nothing', () => {
    const r = run('retentionCommand', '--dry-run', '--keep-versions', '0');
    expect(r.code).toBe(0);
    // the versions are from January 2026, older than the default 30 days: all but the newest would go
    expect(r.out).toMatch(/dry run: would delete 2 history row\(s\) and 2 blob\(s\) \(\d+ bytes\); 1 old row\(s\) kept/);
    expect(r.out).toContain(ids[0]!);
    expect(r.out).toContain(ids[1]!);
    expect(r.out).not.toContain(ids[2]!);
    expect(run('historyCommand', 'list', 'cli-r1').out.trim().split('\n')).toHaveLength(4);
    const keep = run('retentionCommand', '--dry-run', '--keep-versions', '10');
    expect(keep.out).toMatch(/would delete 0 history row\(s\)/);
    expect(run('retentionCommand', '--keep-versions', 'x').err).toMatch(/--keep-versions must be a whole number/);
  });
});
