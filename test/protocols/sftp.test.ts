// SFTP/SCP against OpenSSH's sshd on loopback.
import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetkeepError } from '../../src/errors.ts';
import { fetchSftp, formatFileBackup, parseFileBackup, pushSftp } from '../../src/backup/fetch-sftp.ts';
import { haveSshd, startSshd } from '../setup/sshd.ts';
import type { SshdServer } from '../setup/sshd.ts';

const run = haveSshd() || process.env.CI ? describe : describe.skip;

async function failure(p: Promise<unknown>): Promise<NetkeepError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NetkeepError);
    return err as NetkeepError;
  }
  throw new Error('expected a failure, got success');
}

describe('file backup document', () => {
  it('round-trips text, files without a final newline, binary and odd paths byte for byte', () => {
    const files = [
      { path: '/etc/hostname', data: Buffer.from('router1\n'), mtime: new Date('2026-01-02T03:04:05Z') },
      { path: 'flash:/startup-config', data: Buffer.from('hostname r1\n===== END "x" =====\nno newline at end') },
      { path: '/tmp/with space "quoted".bin', data: Buffer.from([0, 1, 2, 255, 10, 13]) },
      { path: '/empty', data: Buffer.alloc(0) },
      { path: '/utf8', data: Buffer.from('été ✓\n') },
    ];
    const doc = formatFileBackup(files);
    expect(doc.startsWith('# netkeep files v1\n# files: 5\n# file "/etc/hostname" size=8 sha256=')).toBe(true);
    expect(doc).toContain('mtime=2026-01-02T03:04:05Z encoding=utf8');
    expect(doc).toContain('encoding=base64');
    expect(doc).toContain('===== BEGIN "/etc/hostname" =====\nrouter1\n===== END "/etc/hostname" =====');
    const back = parseFileBackup(doc);
    expect(back.map((f) => f.path)).toEqual(files.map((f) => f.path));
    for (let i = 0; i < files.length; i++) expect(back[i]!.data.equals(files[i]!.data)).toBe(true);
    expect(formatFileBackup(back)).toBe(doc);
    // a hand-edited section no longer matches its checksum
    expect(() => parseFileBackup(doc.replace('router1', 'router2'))).toThrow(/does not match its size and sha256/);
  });
});

run('SFTP/SCP against OpenSSH sshd', () => {
  let srv: SshdServer;
  let files: string;
  const base = <T extends object = object>(over?: T) => ({
    host: '127.0.0.1',
    port: srv.port,
    credentials: { username: srv.user, privateKey: srv.clientKey },
    hostKey: { pinned: srv.hostKey },
    timeouts: { connectMs: 10_000, idleMs: 15_000, sessionMs: 60_000 },
    options: {} as Record<string, unknown>,
    ...(over as T),
  });

  beforeAll(async () => {
    srv = await startSshd();
    files = join(srv.dir, 'files');
    mkdirSync(files);
    writeFileSync(join(files, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
    writeFileSync(join(files, 'startup-config'), 'hostname r1\ninterface Gi0/1\n description uplink\n');
    utimesSync(join(files, 'hosts'), new Date('2026-03-04T05:06:07Z'), new Date('2026-03-04T05:06:07Z'));
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('fetches several files into one document with a manifest, stable across fetches', async () => {
    const paths = [join(files, 'hosts'), join(files, 'startup-config')];
    const a = await fetchSftp(base({ options: { paths } }));
    const b = await fetchSftp(base({ options: { paths, method: 'sftp' } }));
    expect(a.config).toBe(b.config);
    expect(a.hostKey).toBe(srv.hostKey);
    expect(a.config).toContain(`# file ${JSON.stringify(paths[0])} size=${statSync(paths[0]!).size} sha256=`);
    expect(a.config).toContain('mtime=2026-03-04T05:06:07Z encoding=utf8');
    const back = parseFileBackup(a.config);
    expect(back.map((f) => f.data.toString())).toEqual(paths.map((p) => readFileSync(p, 'utf8')));
    expect(a.volatile?.some((re) => re.test(a.config.split('\n')[2]!))).toBe(true);
  });

  it('SCP gives the same files (no mtime)', async () => {
    const paths = [join(files, 'hosts'), join(files, 'startup-config')];
    const viaScp = await fetchSftp(base({ options: { paths, method: 'scp' } }));
    expect(viaScp.config).toContain('mtime=- encoding=utf8');
    expect(parseFileBackup(viaScp.config).map((f) => f.data.toString())).toEqual(paths.map((p) => readFileSync(p, 'utf8')));
  });

  it('a missing file fails the whole backup as command_rejected naming the path', async () => {
    const missing = join(files, 'no-such-file');
    for (const method of ['sftp', 'scp']) {
      const e = await failure(fetchSftp(base({ options: { paths: [join(files, 'hosts'), missing], method } })));
      expect(e.failureClass).toBe('command_rejected');
      expect(e.message).toContain(missing);
      expect(e.details?.paths).toEqual([missing]);
    }
    const two = await failure(fetchSftp(base({ options: { paths: [missing, `${missing}2`] } })));
    expect(two.message).toMatch(/2 of 2 files could not be read/);
    const dir = await failure(fetchSftp(base({ options: { paths: [files] } })));
    expect(dir.failureClass).toBe('command_rejected');
    expect(dir.message).toMatch(/is a directory/);
  });

  it('bad options are config errors', async () => {
    expect((await failure(fetchSftp(base({ options: {} })))).failureClass).toBe('config_error');
    expect((await failure(fetchSftp(base({ options: { paths: ['/etc/hosts'], method: 'ftp' } })))).failureClass).toBe('config_error');
  });

  it('upload round trip: fetch, change, push back the stored document, fetch again', async () => {
    const target = join(files, 'restore-me.cfg');
    writeFileSync(target, 'version 1\n');
    const stored = await fetchSftp(base({ options: { paths: [target] } }));
    writeFileSync(target, 'version 2 (changed on the device)\n');
    for (const method of ['sftp', 'scp']) {
      const r = await pushSftp(base({ options: { method }, backup: stored.config }));
      expect(r.written).toEqual([expect.objectContaining({ path: target, size: 10 })]);
      expect(readFileSync(target, 'utf8')).toBe('version 1\n');
      writeFileSync(target, 'changed again\n');
    }
    // the replaced file keeps its mode
    chmodSync(target, 0o600);
    await pushSftp(base({ backup: stored.config }));
    expect(statSync(target).mode & 0o777).toBe(0o600);
    // new files (binary included) by SFTP
    const bin = join(files, 'new.bin');
    await pushSftp(base({ backup: [{ path: bin, data: Buffer.from([0, 1, 2, 3]) }] }));
    expect(readFileSync(bin)).toEqual(Buffer.from([0, 1, 2, 3]));
    // writing where it cannot is classified
    const e = await failure(pushSftp(base({ backup: [{ path: join(files, 'no-dir', 'x.cfg'), data: Buffer.from('x') }] })));
    expect(e.failureClass).toBe('command_rejected');
  });

  it('wrong key → auth_failed; changed host key → host_key_changed', async () => {
    const e1 = await failure(fetchSftp(base({ credentials: { username: srv.user, privateKey: srv.otherKey }, options: { paths: ['/etc/hostname'] } })));
    expect(e1.failureClass).toBe('auth_failed');
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmCBXEyOtZJTWOcCIsq9T4a1d2Rj3yJgVFNCaz8xwF1';
    const e2 = await failure(fetchSftp(base({ hostKey: { pinned: other }, options: { paths: ['/etc/hostname'] } })));
    expect(e2.failureClass).toBe('host_key_changed');
    const e3 = await failure(pushSftp(base({ hostKey: { pinned: other }, backup: [{ path: join(files, 'x'), data: Buffer.from('x') }] })));
    expect(e3.failureClass).toBe('host_key_changed');
  });
});
