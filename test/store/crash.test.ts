// Crashes and full disks: a writer killed with SIGKILL mid-write, and a blob store on a 1 MB tmpfs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/db/index.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import { FsBlobBackend } from '../../src/store/backend.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { addDevice, cleanupDirs, keyringFor, sampleConfig, tempDir } from './helpers.ts';

const WRITER = new URL('./fixtures/blob-writer.ts', import.meta.url).pathname;

describe.each(backends())('crash safety on %s', (backend) => {
  afterAll(() => cleanupDirs());

  it('a writer killed with SIGKILL leaves no partial blob visible and no history row pointing at nothing', async () => {
    const dataDir = tempDir();
    let t: TestDb | undefined;
    let databaseUrl = '';
    if (backend === 'postgres') {
      t = await freshDb(backend);
      databaseUrl = t.databaseUrl!;
      await addDevice(t.db, 'crash-1');
    } else {
      const ndb = await openDatabase({ dataDir, command: 'test-setup' });
      await addDevice(ndb.db, 'crash-1');
      await ndb.close();
    }
    const child = spawn(process.execPath, [WRITER, dataDir, databaseUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it after its 4th committed backup, while the 5th (or later) is being written.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.split('\n').filter(Boolean).length >= 4) resolve();
      });
      child.on('exit', () => reject(new Error(`writer exited early: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
    child.kill('SIGKILL');
    await exited;
    const committed = out.split('\n').filter(Boolean).length;

    const ndb = backend === 'postgres' ? t! : await openDatabase({ dataDir, command: 'test-check' });
    try {
      const store = new BlobStore({ db: ndb.db, keyring: keyringFor(dataDir), backend: new FsBlobBackend(join(dataDir, 'blobs')) });
      const rows = await ndb.db.selectFrom('backup_history').select(['file_path', 'checksum', 'status']).execute();
      expect(rows.length).toBeGreaterThanOrEqual(committed);
      for (const r of rows) {
        expect(r.status).toBe('success');
        const bytes = await store.get(r.file_path); // throws if missing, partial or corrupt
        expect(bytes.toString('utf8')).toMatch(/^hostname crash-1\n/);
      }
      // Every blob under its final name is whole; partial writes exist only as temporaries.
      let visible = 0;
      for await (const key of store.backend.list()) {
        visible++;
        const row = await store.row(key);
        expect(row).toBeDefined();
        expect((await store.verify(key)).status).toBe('ok');
      }
      expect(visible).toBeGreaterThanOrEqual(rows.length);
      const tmp = join(dataDir, 'blobs', 'tmp');
      expect(readdirSync(tmp).every((n) => /^[0-9a-f]{64}\.\d+\.[0-9a-f]{8}$/.test(n))).toBe(true);
      await (store.backend as FsBlobBackend).cleanTemp(0);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      await ndb.close();
    }
  });
});

describe.each(backends())('full disk on %s', (backend) => {
  let t: TestDb;
  let mnt: string;
  let mounted = false;
  beforeAll(async () => {
    t = await freshDb(backend);
    mnt = join(tempDir(), 'small');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    mounted = true;
  });
  afterAll(async () => {
    if (mounted) execFileSync('umount', [mnt]);
    await t?.close();
    cleanupDirs();
  });

  it('refuses with a clear error, leaves nothing half-written and touches nothing already stored', async () => {
    const store = new BlobStore({ db: t.db, keyring: keyringFor(tempDir()), backend: new FsBlobBackend(join(mnt, 'blobs')) });
    const keep = sampleConfig(300, 0, 'kept');
    const kept = await store.put(keep);
    const big = randomBytes(1_200_000).toString('base64');
    const err = (await store.put(big).then(() => undefined, (e: unknown) => e)) as Error & { failureClass?: string };
    expect(err).toBeDefined();
    expect(err.failureClass).toBe('storage_error');
    expect(err.message).toMatch(/no space left in the blob store .* nothing was half-written and nothing already stored was touched\. Free space/);
    const keys: string[] = [];
    for await (const k of store.backend.list()) keys.push(k);
    expect(keys).toEqual([kept.sha256]);
    expect(readdirSync(join(mnt, 'blobs', 'tmp'))).toEqual([]);
    const rows = await t.db.selectFrom('blobs').select('sha256').execute();
    expect(rows.map((r) => r.sha256)).toEqual([kept.sha256]);
    expect(await store.getText(kept.sha256)).toBe(keep);
    // space is back: the same content stores fine
    const small = await store.put(sampleConfig(100, 0, 'after'));
    expect(await store.getText(small.sha256)).toBe(sampleConfig(100, 0, 'after'));
  });
});
