// The git mirror and the import of Oxidized / RANCID git history, with the real `git`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordBackup } from '../../src/backup/record.ts';
import { GitMirror, type MirrorEvent } from '../../src/store/git-mirror.ts';
import { importGitHistory } from '../../src/store/import.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import { listVersions, readVersion } from '../../src/store/history.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { addDevice, cleanupDirs, keyringFor, sampleConfig, tempDir } from './helpers.ts';

const g = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });

describe('git mirror', () => {
  afterAll(() => cleanupDirs());

  it('writes one commit per change, one file per device in group folders, and pushes', async () => {
    const dir = join(tempDir(), 'git');
    const remote = join(tempDir(), 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const events: MirrorEvent[] = [];
    const m = new GitMirror({ dir, flushDelayMs: 0, remote: { url: remote }, onEvent: (e) => events.push(e) });
    m.enqueue({ deviceName: 'r1', group: 'core', text: 'hostname r1\n', at: new Date('2026-01-01T10:00:00Z'), trigger: 'schedule', historyId: 'h1' });
    m.enqueue({ deviceName: 'sw 2', group: null, text: 'hostname sw2\n', at: new Date('2026-01-01T09:00:00Z'), trigger: 'manual' });
    expect(await m.flush()).toEqual({ commits: 2 });
    m.enqueue({ deviceName: 'r1', group: 'core', text: 'hostname r1\nntp server 10.0.0.1\n', at: new Date('2026-01-02T10:00:00Z'), trigger: 'api' });
    expect(await m.flush()).toEqual({ commits: 1 });
    await m.idle();
    const log = g(dir, 'log', '--format=%an <%ae>|%at|%s', 'main').trim().split('\n');
    expect(log).toEqual([
      `netkeep <netkeep@localhost>|${Date.parse('2026-01-02T10:00:00Z') / 1000}|r1: api backup at 2026-01-02T10:00:00.000Z`,
      `netkeep <netkeep@localhost>|${Date.parse('2026-01-01T10:00:00Z') / 1000}|r1: schedule backup at 2026-01-01T10:00:00.000Z`,
      `netkeep <netkeep@localhost>|${Date.parse('2026-01-01T09:00:00Z') / 1000}|sw 2: manual backup at 2026-01-01T09:00:00.000Z`,
    ]);
    expect(g(dir, 'show', 'main:core/r1')).toBe('hostname r1\nntp server 10.0.0.1\n');
    expect(g(dir, 'show', 'main:default/sw 2')).toBe('hostname sw2\n');
    expect(g(dir, 'log', '--format=%s', 'main', '--', 'core/r1').trim().split('\n')).toHaveLength(2);
    expect(g(dir, 'show', '-s', '--format=%b', 'main~1')).toContain('netkeep-history: h1');
    // pushed
    expect(g(remote, 'rev-parse', 'main')).toBe(g(dir, 'rev-parse', 'main'));
    expect(m.status()).toMatchObject({ commits: 3, queued: 0, lastPushError: null });
  });

  it('retries a failing push with backoff, reports it, and keeps committing', async () => {
    const dir = join(tempDir(), 'git');
    const events: MirrorEvent[] = [];
    const m = new GitMirror({ dir, flushDelayMs: 0, remote: { url: join(tempDir(), 'does-not-exist.git'), token: 'sekrit-token' }, pushAttempts: 3, pushBaseDelayMs: 5, onEvent: (e) => events.push(e) });
    m.enqueue({ deviceName: 'r9', text: 'x\n', at: new Date(), trigger: 'schedule' });
    expect(await m.flush()).toEqual({ commits: 1 });
    await m.idle();
    const failures = events.filter((e) => e.type === 'push_failed');
    expect(failures.map((f) => (f as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    expect(failures.map((f) => (f as { retryInMs: number | null }).retryInMs)).toEqual([5, 10, null]);
    expect(m.status().lastPushError).toMatch(/push to .* failed \(attempt 3 of 3\).*check the remote URL/);
    expect(JSON.stringify(events)).not.toContain('sekrit-token');
    m.enqueue({ deviceName: 'r9', text: 'y\n', at: new Date(), trigger: 'schedule' });
    expect((await m.flush()).commits).toBe(1);
    await m.idle();
    expect(g(dir, 'rev-list', '--count', 'main').trim()).toBe('2');
  });

  it('takes the changed configs of recordBackup, and only those', async () => {
    const t = await freshDb('pglite');
    try {
      const dataDir = tempDir();
      const ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
      const dev = await addDevice(t.db, 'mir-1', { group: 'edge' });
      const m = new GitMirror({ dir: join(dataDir, 'git'), flushDelayMs: 0 });
      for (const [i, text] of ['a\n', 'a\n', 'b\n'].entries()) {
        await recordBackup(ctx, { deviceId: dev, text, startedAt: new Date(Date.UTC(2026, 0, 1, i)), completedAt: new Date(Date.UTC(2026, 0, 1, i)), trigger: 'schedule', driver: 'ios', facts: {}, durationMs: 1, mirror: m });
      }
      await m.flush();
      expect(g(join(dataDir, 'git'), 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['mir-1: schedule backup at 2026-01-01T02:00:00.000Z', 'mir-1: schedule backup at 2026-01-01T00:00:00.000Z']);
      expect(g(join(dataDir, 'git'), 'show', 'main:edge/mir-1')).toBe('b\n');
    } finally {
      await t.close();
    }
  });
});

function commitAll(repo: string, when: string, msg: string) {
  execFileSync('git', ['-C', repo, 'add', '-A']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=oxidized', '-c', 'user.email=o@x', 'commit', '-q', '-m', msg], { env: { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when } });
}

describe.each(backends())('import of git history on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(backend);
  });
  afterAll(async () => {
    await t?.close();
    cleanupDirs();
  });

  it('imports an Oxidized git repository: every commit of every device with its date', async () => {
    const repo = tempDir();
    execFileSync('git', ['-C', repo, 'init', '-q', '-b', 'master']);
    mkdirSync(join(repo, 'ios'));
    mkdirSync(join(repo, 'branch'));
    const history: { dev: string; when: string; text: string }[] = [];
    const put = (path: string, dev: string, when: string, text: string) => {
      writeFileSync(join(repo, path), text);
      commitAll(repo, when, `update ${dev}`);
      history.push({ dev, when, text });
    };
    put('ios/core-r1', 'core-r1', '2024-03-01T10:00:00Z', sampleConfig(120, 0, 'core-r1'));
    put('branch/br-sw1', 'br-sw1', '2024-03-01T11:00:00Z', sampleConfig(80, 0, 'br-sw1'));
    put('ios/core-r1', 'core-r1', '2024-03-05T10:00:00Z', sampleConfig(120, 2, 'core-r1'));
    put('edge-fw', 'edge-fw', '2024-04-01T00:30:00Z', 'config system global\n    set hostname "edge-fw"\nend\n');
    put('branch/br-sw1', 'br-sw1', '2024-04-02T08:15:00Z', sampleConfig(80, 3, 'br-sw1') + 'caf\u00e9\n');
    put('ios/core-r1', 'core-r1', '2024-05-01T10:00:00Z', sampleConfig(120, 4, 'core-r1'));
    // a device that already exists in netkeep keeps its driver
    await addDevice(t.db, 'edge-fw', { driver: 'fortios' });

    const dataDir = tempDir();
    const ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
    const store = BlobStore.forContext(ctx);
    const rep = await importGitHistory(ctx, 'oxidized-git', repo, { store });
    expect(rep).toMatchObject({ repositories: 1, commits: 6, versions: 6, skipped: 0 });
    expect(Object.fromEntries(rep.devices.map((d) => [d.name, [d.group, d.driver, d.created, d.versions]]))).toEqual({
      'core-r1': ['ios', 'ios', true, 3],
      'br-sw1': ['branch', 'unknown', true, 2],
      'edge-fw': [null, 'fortios', false, 1],
    });
    for (const name of ['core-r1', 'br-sw1', 'edge-fw']) {
      const mine = history.filter((h) => h.dev === name).reverse();
      const page = await listVersions(t.db, name, {});
      expect(page.items.map((v) => v.started_at.toISOString())).toEqual(mine.map((h) => new Date(h.when).toISOString()));
      expect(page.items.every((v) => v.trigger === 'import' && v.status === 'success')).toBe(true);
      for (const [i, v] of page.items.entries()) expect((await readVersion(t.db, store, v.id)).text.toString('utf8')).toBe(mine[i]!.text);
    }
    const d = await t.db.selectFrom('devices as d').leftJoin('device_groups as g', 'g.id', 'd.group_id').select(['d.source', 'g.name as group', 'd.last_success_at']).where('d.name', '=', 'core-r1').executeTakeFirstOrThrow();
    expect(d).toMatchObject({ source: 'oxidized-git', group: 'ios' });
    expect(d.last_success_at?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    // again: nothing new
    const again = await importGitHistory(ctx, 'oxidized-git', repo, { store });
    expect(again).toMatchObject({ versions: 0, skipped: 6 });
  });

  it('imports a RANCID git layout with drivers from router.db and RANCID-CONTENT-TYPE', async () => {
    const repo = tempDir();
    execFileSync('git', ['-C', repo, 'init', '-q', '-b', 'master']);
    mkdirSync(join(repo, 'lab', 'configs'), { recursive: true });
    writeFileSync(join(repo, 'lab', 'router.db'), 'rx-1;juniper;up\n');
    writeFileSync(join(repo, 'lab', 'configs', 'rx-1'), '#RANCID-CONTENT-TYPE: juniper\nsystem { host-name rx-1; }\n');
    writeFileSync(join(repo, 'lab', 'configs', 'rx-2'), '!RANCID-CONTENT-TYPE: cisco\nhostname rx-2\n');
    commitAll(repo, '2023-01-01T00:00:00Z', 'first');
    writeFileSync(join(repo, 'lab', 'configs', 'rx-2'), '!RANCID-CONTENT-TYPE: cisco\nhostname rx-2\nntp server 1.2.3.4\n');
    commitAll(repo, '2023-02-01T00:00:00Z', 'second');
    const dataDir = tempDir();
    const ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
    const rep = await importGitHistory(ctx, 'rancid', repo);
    expect(rep.versions).toBe(3);
    expect(Object.fromEntries(rep.devices.map((d) => [d.name, [d.group, d.driver, d.versions]]))).toEqual({ 'rx-1': ['lab', 'junos', 1], 'rx-2': ['lab', 'ios', 2] });
    const v = await listVersions(t.db, 'rx-2', {});
    expect(v.items.map((i) => i.started_at.toISOString())).toEqual(['2023-02-01T00:00:00.000Z', '2023-01-01T00:00:00.000Z']);
    expect(v.items.map((i) => i.changed)).toEqual([true, true]);
  });

  it('refuses a path that is no git repository, saying what it needs', async () => {
    const dataDir = tempDir();
    await expect(importGitHistory({ db: t.db, keyring: keyringFor(dataDir), dataDir }, 'rancid', tempDir())).rejects.toMatchObject({ code: 'not_a_git_repository', message: expect.stringMatching(/convert CVS\/SVN/) });
  });
});
