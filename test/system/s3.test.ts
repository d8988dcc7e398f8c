// System backup with the S3 blob store (a real S3-compatible server): the blobs are read from the
// bucket into the archive, and restore writes them to the data directory, or to the S3 store
// named by NETKEEP_BLOB_STORE at restore time.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { openContext } from '../../src/context.ts';
import { recordBackup } from '../../src/backup/record.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import { blobBackendFromEnv } from '../../src/store/config.ts';
import { loadKeyring } from '../../src/security/masterkey.ts';
import { createSystemBackup } from '../../src/system/archive.ts';
import { restoreSystemBackup } from '../../src/system/restore.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { startS3Server, type TestS3 } from '../setup/s3.ts';
import { cleanupDirs, tempDir } from '../backup/helpers.ts';

describe('system backup with the S3 blob store', () => {
  let s3: TestS3;
  let t: TestDb;
  let ctx: AppContext;
  let env: Record<string, string>;
  const texts: string[] = [];
  let archive: string;

  beforeAll(async () => {
    s3 = await startS3Server();
    env = { NETKEEP_S3_ACCESS_KEY_ID: s3.accessKeyId, NETKEEP_S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const spec = (prefix: string) => `s3://${s3.bucket}/${prefix}?endpoint=${s3.endpoint}&path_style=true`;
    t = await freshDb('pglite');
    const dataDir = tempDir('netkeep-sys3-');
    ctx = { ndb: t, db: t.db, keyring: loadKeyring(dataDir, {}), dataDir, close: async () => {} };
    const backend = blobBackendFromEnv({ ...env, NETKEEP_BLOB_STORE: spec('source') }, dataDir);
    const store = new BlobStore({ db: t.db, keyring: ctx.keyring, backend });
    const d = await createDevice(t.db, { name: 'r1', address: '192.0.2.1', driver: 'ios' });
    for (let i = 0; i < 4; i++) {
      texts.push(`hostname r1\n! version ${i}\ninterface Gi0/${i}\n`);
      await recordBackup(ctx, { deviceId: d.id, text: texts[i]!, startedAt: new Date(), completedAt: new Date(), trigger: 'api', driver: 'ios', durationMs: 1, store });
    }
    archive = (await createSystemBackup(ctx, { out: join(tempDir('netkeep-sys3-'), 'a.tar.gz'), backend, env: { ...env, NETKEEP_BLOB_STORE: spec('source') } })).path;
    env.TARGET = spec('target');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await s3?.close();
    cleanupDirs();
  });

  async function versions(dir: string, e: Record<string, string>): Promise<string[]> {
    const target = await openContext({ dataDir: dir, command: 'test', env: e });
    try {
      const store = new BlobStore({ db: target.db, keyring: target.keyring, backend: blobBackendFromEnv(e, dir) });
      const rows = await target.db.selectFrom('backup_history').select('file_path').orderBy('started_at').execute();
      return Promise.all(rows.map(async (r) => (await store.get(r.file_path)).toString()));
    } finally {
      await target.close();
    }
  }

  it('the archive holds the blobs from the bucket; restored to the filesystem they read back', async () => {
    const dir = join(tempDir('netkeep-sys3-dst-'), 'data');
    const r = await restoreSystemBackup({ archive, dataDir: dir, masterKeyFile: join(ctx.dataDir, 'master.key'), env: {} });
    expect(r.blobs).toBe(4);
    expect(r.manifest.blob_store.kind).toBe('s3');
    expect(await versions(dir, {})).toEqual(texts);
  }, 120_000);

  it('with NETKEEP_BLOB_STORE at restore time, the blobs go to that S3 store', async () => {
    const dir = join(tempDir('netkeep-sys3-dst-'), 'data');
    const e = { ...env, NETKEEP_BLOB_STORE: env.TARGET! };
    const r = await restoreSystemBackup({ archive, dataDir: dir, masterKeyFile: join(ctx.dataDir, 'master.key'), env: e });
    expect(r.blobs).toBe(4);
    const keys: string[] = [];
    for await (const k of blobBackendFromEnv(e, dir).list()) keys.push(k);
    expect(keys).toHaveLength(4);
    expect(await versions(dir, e)).toEqual(texts);
  }, 120_000);
});
