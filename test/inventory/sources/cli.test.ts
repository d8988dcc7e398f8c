// `netkeep device import --format …` and `netkeep source …` as real processes on both back-ends:
// preview, import, bad lines (FILE:LINE on stderr, exit 2, nothing saved), sync, orphaning, NetBox.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb } from '../../helpers/db.ts';
import { startNetbox, type NetboxServer } from './netbox-server.ts';

const BIN = join(import.meta.dirname, '../../../bin/netkeep.js');
const TOKEN = '00112233445566778899aabbccddeeff00112233';
// each test spawns up to ten netkeep processes; on two shared cores that takes a while (a bound, not a speed assertion)
const SLOW = 240_000;

/** Run netkeep without blocking this process (the NetBox test server lives in it). */
function netkeep(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NETKEEP_DATA_DIR: '', DATABASE_URL: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

describe.each(backends())('netkeep source and device import on %s', (backend) => {
  let db: string[];
  let dir: string;
  let nb: NetboxServer;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const devices = async () => {
    const r = await netkeep(['device', 'list', '--json', ...db]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).items as { name: string; driver: string; enabled: boolean; orphaned_at: string | null; source: string }[];
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'invsrc-cli-'));
    db = ['--data-dir', join(dir, 'data')];
    if (backend === 'postgres') {
      const t = await freshDb('postgres');
      await t.close();
      db.push('--database-url', t.databaseUrl!);
    }
    nb = await startNetbox(TOKEN);
  });
  afterAll(async () => {
    await nb?.close();
    rmSync(dir, { recursive: true, force: true });
  }, SLOW);

  it('imports an Oxidized router.db: preview first, then for real; a bad file imports nothing and names its lines', async () => {
    const ox = file('router.db', 'cli-r1:ios\ncli-r2:junos\n');
    const dry = await netkeep(['device', 'import', '--format', 'oxidized', ox, '--dry-run', ...db]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe('would create cli-r1\nwould create cli-r2\ndry run: nothing saved; would create 2, update 0, orphan 0, restore 0; 0 unchanged\n');
    expect(await devices()).toEqual([]);

    const real = await netkeep(['device', 'import', '--format', 'oxidized', ox, ...db]);
    expect(real.code, real.stderr).toBe(0);
    expect((await devices()).map((d) => [d.name, d.driver])).toEqual([['cli-r1', 'ios'], ['cli-r2', 'junos']]);

    const bad = file('bad-router.db', 'cli-r1|ios|192.0.2.1\ncli-r3|acme|192.0.2.3\ncli r4|ios|192.0.2.4\n');
    const r = await netkeep(['device', 'import', '--format', 'oxidized', '--config', '{"delimiter":"|","map":{"name":0,"model":1,"ip":2}}', bad, ...db]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      `${bad}:2: model "acme" has no netkeep driver; add it to the source's model_map (e.g. {"acme": "ios"}) or see \`netkeep drivers\``,
      expect.stringMatching(new RegExp(`^${bad.replace(/[.]/g, '\\.')}:3: device name "cli r4" is not valid`)),
      `netkeep: 2 bad lines in ${bad}; nothing was saved — fix them and sync again`,
      '',
    ]);
    expect((await devices()).find((d) => d.name === 'cli-r1')).toMatchObject({ driver: 'ios' });
    expect((await devices()).map((d) => d.name)).not.toContain('cli-r3');

    const wrong = await netkeep(['device', 'import', '--format', 'netbox', ox, ...db]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^netkeep: --format is csv, oxidized or rancid, not "netbox" \(NetBox is a source: netkeep source add NAME --kind netbox\)\n$/);
  }, SLOW);

  it('adds a RANCID source, previews and syncs it, orphans a removed device, lists sources and runs', async () => {
    const rdb = file('rancid.db', 'cli-core;cisco;up\ncli-edge;juniper;down\n');
    const add = await netkeep(['source', 'add', 'rdb', '--kind', 'rancid', '--path', rdb, ...db]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^added rancid source rdb \(.+\); preview it with: netkeep source sync rdb --dry-run\n$/);
    const dry = await netkeep(['source', 'sync', 'rdb', '--dry-run', ...db]);
    expect(dry.stdout).toMatch(/^would create cli-core\nwould create cli-edge\ndry run: nothing saved; would create 2/);
    const sync = await netkeep(['source', 'sync', 'rdb', ...db]);
    expect(sync.code, sync.stderr).toBe(0);
    expect((await devices()).find((d) => d.name === 'cli-edge')).toMatchObject({ driver: 'junos', enabled: false, source: 'rancid' });

    writeFileSync(rdb, 'cli-core;cisco;up\n');
    const gone = await netkeep(['source', 'sync', 'rdb', ...db]);
    expect(gone.stdout).toBe('orphan cli-edge\ncreated 0, updated 0, orphaned 1, restored 0; 1 unchanged\n');
    expect((await devices()).find((d) => d.name === 'cli-edge')!.orphaned_at).toEqual(expect.any(String));
    // the device table says so where it says enabled
    const table = await netkeep(['device', 'list', ...db]);
    expect(table.stdout).toMatch(/^cli-edge +cli-edge +junos +- +orphaned +/m);

    writeFileSync(rdb, 'cli-core;cisco;up\ncli-edge;juniper;bogus\n');
    const bad = await netkeep(['source', 'sync', 'rdb', ...db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^${rdb.replace(/[.]/g, '\\.')}:2: state "bogus" is neither "up" nor "down"`));

    const list = await netkeep(['source', 'list', ...db]);
    expect(list.stdout).toMatch(/^NAME +KIND +WHERE +SCHEDULE +DEVICES +ORPHANED +LAST RUN +STATUS\nrdb +rancid +\S+rancid\.db +- +2 +1 +\S+ +refused\n$/);
    const runs = await netkeep(['source', 'runs', 'rdb', '--json', ...db]);
    expect(JSON.parse(runs.stdout).items.map((r: { status: string; trigger: string; dry_run: boolean }) => [r.status, r.trigger, r.dry_run])).toEqual([
      ['refused', 'cli', false], ['ok', 'cli', false], ['ok', 'cli', false], ['ok', 'cli', true],
    ]);
  }, SLOW);

  it('adds a NetBox source with the token from stdin and the CA, and syncs it', async () => {
    nb.state = 'initial';
    const cfg = JSON.stringify({ page_size: 3, tls: { ca: nb.ca } });
    const add = await netkeep(['source', 'add', 'nb', '--kind', 'netbox', '--url', nb.url, '--token-stdin', '--config', cfg, '--json', ...db], `${TOKEN}\n`);
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ kind: 'netbox', has_token: true, config: { url: nb.url, page_size: 3 } });
    expect(add.stdout).not.toContain(TOKEN);
    const sync = await netkeep(['source', 'sync', 'nb', '--json', ...db]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ status: 'ok', created: 4 });
    expect(nb.requests.at(-1)).toEqual({ path: '/api/dcim/devices/?limit=3&offset=3', authorization: `Token ${TOKEN}` });
    expect((await devices()).find((d) => d.name === 'ber-fw-1')).toMatchObject({ driver: 'panos', source: 'netbox' });

    const rm = await netkeep(['source', 'remove', 'nb', ...db]);
    expect(rm.stdout).toBe('removed source nb; its 4 devices stay in the inventory\n');
    expect((await devices()).map((d) => d.name)).toContain('ber-fw-1');
  }, SLOW);
});
