// `netkeep search`, `netkeep blame` and `netkeep compliance` as processes against a real data
// directory (PGlite) or PostgreSQL, over versions recorded with the store API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { openDatabase, type NetkeepDb } from '../../src/db/index.ts';
import { recordBackup } from '../../src/backup/record.ts';
import { loadKeyring } from '../../src/security/masterkey.ts';
import { backends, freshDb } from '../helpers/db.ts';
import { addDevice, cleanupDirs, sampleConfig, tempDir } from '../store/helpers.ts';

const RUNNER = new URL('./fixtures/cli.ts', import.meta.url).pathname;

describe.each(backends())('search, blame and compliance CLI on %s', (backend) => {
  let dbArgs: string[];
  const ids: string[] = [];
  const run = (...argv: string[]) => {
    const r = spawnSync(process.execPath, [RUNNER, ...argv, ...dbArgs], { encoding: 'utf8', env: { ...process.env, NETKEEP_MASTER_KEY: '' } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  beforeAll(async () => {
    const dataDir = tempDir('netkeep-search-cli-');
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
    const a = await addDevice(ndb.db, 'cli-a', { group: 'lab' });
    const b = await addDevice(ndb.db, 'cli-b');
    const texts = [`${sampleConfig(40, 0, 'cli-a')}ntp server 10.0.0.1\n`, `${sampleConfig(40, 0, 'cli-a')}ntp server 10.0.0.1\nsnmp-server community public RO\n`];
    for (const [i, text] of texts.entries()) {
      ids.push((await recordBackup(ctx, { deviceId: a, text, startedAt: new Date(Date.UTC(2026, 0, 1 + i)), completedAt: new Date(Date.UTC(2026, 0, 1 + i)), trigger: 'schedule', driver: 'ios', durationMs: 1 })).historyId);
    }
    await recordBackup(ctx, { deviceId: b, text: sampleConfig(40, 0, 'cli-b'), startedAt: new Date(Date.UTC(2026, 0, 1)), completedAt: new Date(Date.UTC(2026, 0, 1)), trigger: 'schedule', driver: 'ios', durationMs: 1 });
    await ndb.close();
  });
  afterAll(() => cleanupDirs());

  it('searches, says how many matched, and exits 1 when nothing does', () => {
    const r = run('search', 'SNMP-server community public');
    expect(r.code).toBe(0);
    expect(r.out).toBe('cli-a:42:snmp-server community public RO\n');
    expect(r.err).toMatch(/^1 of 2 device\(s\) match; [\d.]+ ms\n$/);
    const ctx = run('search', '^ntp server', '--regex', '--context', '1', '--case-sensitive');
    expect(ctx.out).toBe('cli-a-40- description link 7 to cli-a-peer0\ncli-a:41:ntp server 10.0.0.1\ncli-a-42-snmp-server community public RO\n--\n');
    const j = JSON.parse(run('search', 'hostname', '--json', '--group', 'lab').out);
    expect(j).toMatchObject({ devices_searched: 1, devices_matched: 1, results: [{ device_name: 'cli-a' }] });
    expect(run('search', 'no-such-line-anywhere').code).toBe(1);
    const all = run('search', 'snmp-server community public', '--all-versions');
    expect(all.out).toContain(`(${ids[1]})`);
  }, 240_000);

  it('refuses bad input with one line that says what to do', () => {
    const bad = run('search', 'interface (Gi', '--regex');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^netkeep: q "interface \(Gi" is not a valid regular expression: Unterminated group \(at character 11/);
    expect(run('search', 'x', '--group', 'nope').err).toMatch(/no device group with id or name "nope"/);
    expect(run('search').code).toBe(2);
    expect(run('search', 'x', '--context', '99').err).toMatch(/--context must be a whole number from 0 to 20/);
    expect(run('blame', 'nope').err).toMatch(/no device with id or name "nope"/);
  }, 240_000);

  it('blames lines on the version they appeared in', () => {
    const r = run('blame', 'cli-a');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(42);
    expect(lines[0]).toMatch(new RegExp(`^${ids[0]!.slice(0, 8)} 2026-01-01 00:00:00  1  !$`));
    expect(lines[41]).toMatch(new RegExp(`^${ids[1]!.slice(0, 8)} 2026-01-02 00:00:00 42  snmp-server community public RO$`));
  }, 240_000);

  it('adds, lists, evaluates, reports and removes compliance rules', () => {
    const add = run('compliance', 'add', 'ntp set', 'ntp server 10.0.0.1');
    expect(add.code).toBe(0);
    expect(add.out).toContain('evaluated on 2 device(s): 1 compliant, 1 not');
    expect(run('compliance', 'add', 'no public', '^snmp-server community public', '--match', 'regex', '--must-not', '--group', 'lab').code).toBe(0);
    expect(run('compliance', 'add', 'bad', 'x (', '--match', 'regex').err).toMatch(/not a valid regular expression/);
    expect(run('compliance', 'add', 'bad', 'x', '--match', 'fuzzy').err).toMatch(/--match must be line, regex or block/);
    const rules = run('compliance', 'rules');
    expect(rules.out).toMatch(/^NAME\s+GROUP\s+KIND/);
    expect(rules.out).toMatch(/no public\s+lab\s+must_not_contain\s+regex/);
    const rep = run('compliance', 'report');
    expect(rep.code).toBe(1);
    expect(rep.out).toMatch(/cli-a\s+FAIL\s+no public: line 42/);
    expect(rep.out).toMatch(/cli-b\s+FAIL\s+ntp set: missing line "ntp server 10.0.0.1"/);
    expect(rep.out).toContain('0 compliant, 2 not compliant, 0 not evaluated');
    const one = JSON.parse(run('compliance', 'report', 'cli-a', '--json').out);
    expect(one).toMatchObject({ device_name: 'cli-a', compliant: false });
    expect(one.rules.map((r: { name: string; compliant: boolean }) => `${r.name}:${r.compliant}`)).toEqual(['no public:false', 'ntp set:true']);
    expect(run('compliance', 'evaluate').out).toMatch(/^2 rule\(s\) on 2 device\(s\): 1 compliant, 2 not \(0 newly failing, 0 restored\)/);
    expect(run('compliance', 'remove', 'no public').out).toBe('removed rule "no public"\n');
    expect(run('compliance', 'remove', 'no public').err).toMatch(/no compliance rule with id or name "no public"/);
    expect(run('compliance', 'frobnicate').code).toBe(2);
  }, 240_000);
});
