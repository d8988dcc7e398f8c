// `netkeep verify`: re-read blobs (all, or a random sample), decrypt, decompress and hash them,
// record the result on each blob row, and list the versions a bad blob affects.
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { BlobStore, VerifyStatus } from './blobs.ts';

export interface VerifyProblem {
  sha256: string;
  status: Exclude<VerifyStatus, 'ok'> | 'no_row';
  error: string;
  /** The history rows (versions) that reference it. */
  versions: { id: string; device_id: string; device_name: string; started_at: Date }[];
}

export interface VerifyReport {
  checked: number;
  ok: number;
  /** Blobs whose row exists but nothing references them and whose file is absent (collected by retention): not a loss. */
  unreferencedMissing: number;
  problems: VerifyProblem[];
}

export async function verifyStore(db: Db, store: BlobStore, o: { sample?: number; onProgress?: (checked: number) => void } = {}): Promise<VerifyReport> {
  const fraction = o.sample === undefined ? 1 : Math.min(Math.max(o.sample, 0), 1);
  const report: VerifyReport = { checked: 0, ok: 0, unreferencedMissing: 0, problems: [] };
  const refs = async (sha: string) =>
    db
      .selectFrom('backup_history as h')
      .innerJoin('devices as d', 'd.id', 'h.device_id')
      .select(['h.id', 'h.device_id', 'd.name as device_name', 'h.started_at'])
      .where('h.file_path', '=', sha)
      .orderBy('h.started_at', 'desc')
      .limit(1000)
      .execute();
  let after = '';
  for (;;) {
    const rows = await db.selectFrom('blobs').select('sha256').where('sha256', '>', after).orderBy('sha256').limit(500).execute();
    if (!rows.length) break;
    after = rows[rows.length - 1]!.sha256;
    for (const { sha256 } of rows) {
      if (fraction < 1 && Math.random() >= fraction) continue;
      report.checked++;
      const r = await store.verify(sha256);
      if (r.status === 'ok') {
        report.ok++;
      } else {
        const versions = await refs(sha256);
        if (r.status === 'missing' && versions.length === 0) report.unreferencedMissing++;
        else report.problems.push({ sha256, status: r.status, error: r.error ?? r.status, versions });
      }
      o.onProgress?.(report.checked);
    }
  }
  // History rows that point at a blob with no row at all (never happens through netkeep; a
  // restored-from-backup database with a newer blob store, or manual edits, can do it).
  const dangling = await sql<{ file_path: string }>`
    SELECT DISTINCT h.file_path FROM backup_history h
    WHERE h.status = 'success' AND h.file_path <> '' AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = h.file_path)
    LIMIT 10000`.execute(db);
  for (const { file_path } of dangling.rows) {
    report.problems.push({
      sha256: file_path,
      status: 'no_row',
      error: `versions point at blob ${file_path}, which the database does not know; restore the database and the blob store from the same system backup`,
      versions: await refs(file_path),
    });
  }
  return report;
}
