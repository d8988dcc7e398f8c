// Config search and blame through the API, on both back-ends, over real stored (compressed,
// encrypted) versions recorded with the store API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordBackup, recordFailure } from '../../src/backup/record.ts';
import { NetkeepError } from '../../src/errors.ts';
import { addDevice, sampleConfig } from '../store/helpers.ts';
import { backends } from '../helpers/db.ts';
import { body, expectProblem, startServer, type TestServer } from '../api/helpers.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import type { FsBlobBackend } from '../../src/store/backend.ts';

const MARKER = 'snmp-server location marker-7f3c9e1d';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe.each(backends())('search and blame API on %s', (backend) => {
  let s: TestServer;
  const dev: Record<string, string> = {};
  let hour = 0;
  const record = async (name: string, text: string) => {
    hour++;
    const at = new Date(Date.UTC(2026, 0, 1, hour));
    return recordBackup(s.ctx, { deviceId: dev[name]!, text, startedAt: at, completedAt: at, trigger: 'schedule', driver: 'ios', durationMs: 1 });
  };
  const search = async (qs: string) => s.as('viewer', { url: `/api/v1/search?${qs}` });

  beforeAll(async () => {
    s = await startServer(backend);
    for (const [name, group] of [['core-1', 'core'], ['core-2', 'core'], ['edge-1', 'edge'], ['edge-2', 'edge'], ['never', 'edge']] as const) dev[name] = await addDevice(s.t.db, name, { group });
    await record('core-1', `${sampleConfig(60, 0, 'core-1')}snmp-server community public RO\n${MARKER}\n`);
    await record('core-2', `${sampleConfig(60, 0, 'core-2')}snmp-server community private RW\n`);
    await record('edge-1', `${sampleConfig(60, 0, 'edge-1')}SNMP-SERVER COMMUNITY PUBLIC RO\n`);
    // edge-2 had the community once; its latest config does not
    await record('edge-2', `${sampleConfig(60, 0, 'edge-2')}snmp-server community public RO\n`);
    await record('edge-2', `${sampleConfig(60, 0, 'edge-2')}snmp-server community s3cr3t RO\n`);
    await recordFailure(s.ctx, { deviceId: dev['edge-2']!, error: new NetkeepError('timeout', 'no answer'), startedAt: new Date(Date.UTC(2026, 0, 2)), completedAt: new Date(Date.UTC(2026, 0, 2)), trigger: 'schedule' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('finds plain text in the latest config of every device, ignoring case, with line numbers and context', async () => {
    const r = await search('q=snmp-server%20community%20public');
    expect(r.statusCode).toBe(200);
    const b = body(r);
    expect(b).toMatchObject({ query: 'snmp-server community public', regex: false, devices_searched: 4, devices_matched: 2, truncated: false });
    expect(b.results.map((x: { device_name: string }) => x.device_name)).toEqual(['core-1', 'edge-1']);
    const m = b.results[0].matches;
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ line_no: 61, line: 'snmp-server community public RO', after: [MARKER] });
    expect(m[0].before).toHaveLength(2);
    expect(b.results[0].history_id).toMatch(/^[0-9a-f-]{36}$/);
    const cs = body(await search('q=snmp-server%20community%20public&case_sensitive=true'));
    expect(cs.results.map((x: { device_name: string }) => x.device_name)).toEqual(['core-1']);
  });

  it('shows config lines only to those who may download configs, and audits each search', async () => {
    await s.as('admin', { method: 'PUT', url: '/api/v1/settings', payload: { viewer_can_download: false } });
    try {
      expect((await search('q=ntp')).statusCode).toBe(403);
      expect((await s.as('operator', { url: '/api/v1/search?q=ntp' })).statusCode).toBe(200);
    } finally {
      await s.as('admin', { method: 'PUT', url: '/api/v1/settings', payload: { viewer_can_download: true } });
    }
    const rows = await s.ctx.db.selectFrom('audit_log').select(['result', 'details']).where('action', '=', 'backup.search').execute();
    expect(rows.filter((r) => r.result === 'denied')).toHaveLength(1);
    expect(rows.filter((r) => r.result === 'ok' && (r.details as { q?: string }).q === 'ntp')).toHaveLength(1);
  });

  it('runs regular expressions with ^ and $ at line ends, and limits to a group by name or id', async () => {
    const q = encodeURIComponent('^snmp-server community (public|private) R[OW]$');
    const b = body(await search(`q=${q}&regex=true&case_sensitive=true&context=0`));
    expect(b.results.map((x: { device_name: string }) => x.device_name)).toEqual(['core-1', 'core-2']);
    expect(b.results[1].matches[0]).toEqual({ line_no: 61, line: 'snmp-server community private RW', before: [], after: [] });
    const byName = body(await search(`q=${q}&regex=true&group_id=edge`));
    expect(byName).toMatchObject({ devices_searched: 2, devices_matched: 1 });
    const g = await s.t.db.selectFrom('device_groups').select('id').where('name', '=', 'core').executeTakeFirstOrThrow();
    expect(body(await search(`q=${q}&regex=true&group_id=${g.id}`))).toMatchObject({ devices_searched: 2, devices_matched: 2, group_id: g.id });
    expectProblem(await search(`q=x&group_id=no-such-group`), 404, 'group_not_found');
  });

  it('limits results and says so, while counting every matching device', async () => {
    const b = body(await search('q=hostname&limit=2'));
    expect(b).toMatchObject({ devices_searched: 4, devices_matched: 4, truncated: true });
    expect(b.results).toHaveLength(2);
    const few = body(await search('q=interface&max_matches=3&limit=1'));
    expect(few.results[0].matches).toHaveLength(3);
    expect(few.results[0].more_matches).toBe(true);
  });

  it('picks up versions recorded after the cache was warmed', async () => {
    expect(body(await search('q=ntp%20server%20192.0.2.55'))).toMatchObject({ devices_matched: 0, configs_loaded: 0 }); // warm: nothing read
    await record('core-2', `${sampleConfig(60, 0, 'core-2')}ntp server 192.0.2.55\n`); // recorded without a bus event, as by another process
    const b = body(await search('q=ntp%20server%20192.0.2.55'));
    expect(b.results.map((x: { device_name: string }) => x.device_name)).toEqual(['core-2']);
    expect(b.configs_loaded).toBe(1);
    expect(body(await search('q=community%20private')).devices_matched).toBe(0); // core-2's new config dropped it
  });

  it('searches every distinct stored version on request', async () => {
    const latest = body(await search('q=snmp-server%20community%20public&case_sensitive=true'));
    expect(latest.results.map((x: { device_name: string }) => x.device_name)).toEqual(['core-1']);
    const all = body(await search('q=snmp-server%20community%20public&case_sensitive=true&all_versions=true'));
    expect(all.all_versions).toBe(true);
    expect(all.results.map((x: { device_name: string }) => x.device_name)).toEqual(['core-1', 'edge-2']);
    const old = await s.t.db.selectFrom('backup_history').select(['id']).where('device_id', '=', dev['edge-2']!).where('status', '=', 'success').orderBy('started_at').executeTakeFirstOrThrow();
    expect(all.results[1].history_id).toBe(old.id);
    expect(all.versions_searched).toBeGreaterThanOrEqual(6);
  });

  it('refuses bad patterns with what is wrong and where, and does not hang on catastrophic ones', async () => {
    const bad = expectProblem(await search(`q=${encodeURIComponent('interface (Gi')}&regex=true`), 400, 'invalid_regex');
    expect(bad.detail).toMatch(/Unterminated group \(at character 11/);
    expectProblem(await search('q=&regex=true'), 400, 'empty_pattern');
    expectProblem(await search('q=%20%20'), 400, 'empty_pattern');
    expectProblem(await search('regex=true'), 400, 'invalid_request');
    // exponential with a backtracking engine; V8's linear-time fallback runs it (the answer comes back)
    await record('edge-1', `${sampleConfig(20, 0, 'edge-1')}description ${'a'.repeat(40)}!\n`);
    const cat = await search(`q=${encodeURIComponent('(a+)+$')}&regex=true`);
    expect(cat.statusCode).toBe(200);
    expect(body(cat).devices_matched).toBe(0);
    const ci = await search(`q=${encodeURIComponent('^description (a|A)*$')}&regex=true`);
    expect(body(ci).devices_matched).toBe(0);
    // a backreference cannot use that engine: nested repetition is refused instead
    expectProblem(await search(`q=${encodeURIComponent('(a)\\1(a+)+$')}&regex=true`), 400, 'unsafe_regex');
    expect((await search(`q=${encodeURIComponent('(\\w)\\1')}&regex=true`)).statusCode).toBe(200);
  });

  it('keeps configs encrypted at rest: no plaintext in the data directory after searching', async () => {
    expect(body(await search(`q=${encodeURIComponent('marker-7f3c9e1d')}`)).devices_matched).toBe(1);
    const files = filesUnder(s.ctx.dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f).includes('marker-7f3c9e1d')).toBe(false);
  });

  it('blames each line on the version it first appeared in since it was last absent', async () => {
    const d = await addDevice(s.t.db, 'blame-1');
    dev['blame-1'] = d;
    const v1 = await record('blame-1', 'hostname b1\n!\nntp server 10.0.0.1\n!\n');
    const v2 = await record('blame-1', 'hostname b1\n!\nntp server 10.0.0.1\n!\nlogging host 10.0.0.9\n!\n');
    await record('blame-1', 'hostname b1\n!\nntp server 10.0.0.1\n!\nlogging host 10.0.0.9\n!\n'); // identical
    const v4 = await record('blame-1', 'hostname b1\n!\n!\nlogging host 10.0.0.9\n!\nsnmp-server location lab\n');
    const v5 = await record('blame-1', 'hostname b1\n!\nntp server 10.0.0.1\n!\nlogging host 10.0.0.9\n!\nsnmp-server location lab\n');
    const r = await s.as('operator', { url: '/api/v1/backups/devices/blame-1/blame' });
    expect(r.statusCode).toBe(200);
    const b = body(r);
    expect(b).toMatchObject({ device_id: d, history_id: v5.historyId, complete: true });
    const by = b.lines.map((l: { text: string; history_id: string }) => [l.text, l.history_id]);
    expect(by).toEqual([
      ['hostname b1', v1.historyId],
      ['!', v1.historyId],
      ['ntp server 10.0.0.1', v5.historyId], // removed in v4, back in v5
      ['!', v1.historyId],
      ['logging host 10.0.0.9', v2.historyId],
      ['!', v2.historyId],
      ['snmp-server location lab', v4.historyId],
    ]);
    expect(b.lines[0].since).toBe(new Date(Date.UTC(2026, 0, 1, hour - 4)).toISOString());
    expectProblem(await s.as('operator', { url: '/api/v1/backups/devices/never/blame' }), 404, 'no_backup');
    expectProblem(await s.as('operator', { url: '/api/v1/backups/devices/nope/blame' }), 404, 'device_not_found');
  });

  it('names a device whose latest blob fails verification instead of searching it, and never serves its bytes', async () => {
    dev['broken-1'] = await addDevice(s.t.db, 'broken-1', { group: 'core' });
    const v = await record('broken-1', `${sampleConfig(30, 0, 'broken-1')}snmp-server community public RO\n`);
    const store = BlobStore.forContext(s.ctx);
    writeFileSync((store.backend as FsBlobBackend).pathOf(v.sha256), Buffer.from('NKB1\x03 this is not the blob'));
    const b = body(await search('q=snmp-server%20community%20public&case_sensitive=true&group_id=core'));
    expect(b.results.map((x: { device_name: string }) => x.device_name)).toEqual(['core-1']);
    expect(b.devices_searched).toBe(2);
    expect(b.warnings).toEqual([expect.stringMatching(new RegExp(`^broken-1: latest version ${v.historyId} was not searched: blob ${v.sha256} `))]);
  });
});
