// Blame: for each line of a device's current config, the version in which it first appeared
// since it was last absent — the oldest version of the unbroken run of versions (of the same
// backup config, successful runs only) that contain it. A line is followed back through the
// history with a line diff between neighbouring versions (as `git blame` does), so repeated lines
// such as " no shutdown" or "!" are told apart by position, not by text.
import { diffArrays } from 'diff';
import type { Db } from '../db/index.ts';
import { BlobError, type BlobStore } from './blobs.ts';
import { latestVersion, readVersion, resolveDeviceId } from './history.ts';

export interface BlameLine {
  line_no: number;
  text: string;
  history_id: string;
  since: Date;
}

export interface BlameResult {
  device_id: string;
  device_name: string;
  history_id: string;
  /** Versions walked (distinct contents read, identical neighbours skipped without reading). */
  versions_examined: number;
  /** False when the walk stopped early (version limit or an unreadable version): the oldest lines may be older than shown. */
  complete: boolean;
  warnings: string[];
  lines: BlameLine[];
}

function splitLines(text: string): string[] {
  const ls = text.split('\n');
  if (ls.length && ls[ls.length - 1] === '') ls.pop();
  return ls.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export async function blameDevice(db: Db, store: BlobStore, idOrName: string, o: { maxVersions?: number } = {}): Promise<BlameResult> {
  const d = await resolveDeviceId(db, idOrName);
  const latest = await latestVersion(db, d.id);
  const { text } = await readVersion(db, store, latest.id, { withMetadata: false });
  const current = splitLines(text.toString('utf8'));
  const origin = current.map(() => ({ id: latest.id, at: latest.started_at }));
  // pos[i]: where line i of the current config is in the version being looked at (-1: gone)
  const pos = current.map((_, i) => i);
  let alive = current.length;
  let prevLines = current;
  let prevSha = latest.checksum;
  let examined = 1;
  let complete = true;
  const warnings: string[] = [];
  const max = o.maxVersions ?? 5000;
  const older = await db
    .selectFrom('backup_history')
    .select(['id', 'checksum', 'started_at'])
    .where('device_id', '=', d.id)
    .where('config_id', '=', latest.config_id)
    .where('status', '=', 'success')
    .where('checksum', '<>', '')
    .where((eb) => eb.or([eb('started_at', '<', latest.started_at), eb.and([eb('started_at', '=', latest.started_at), eb('id', '<', latest.id)])]))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(max + 1)
    .execute();
  if (older.length > max) {
    complete = false;
    warnings.push(`only the newest ${max} versions were followed; lines attributed to the oldest of them may be older`);
    older.length = max;
  }
  for (const v of older) {
    if (!alive) break;
    if (v.checksum === prevSha) {
      for (let i = 0; i < current.length; i++) if (pos[i]! >= 0) origin[i] = { id: v.id, at: v.started_at };
      continue;
    }
    let lines: string[];
    try {
      lines = splitLines((await store.get(v.checksum)).toString('utf8'));
    } catch (err) {
      if (!(err instanceof BlobError)) throw err;
      complete = false;
      warnings.push(`version ${v.id} (${v.started_at.toISOString()}) cannot be read (${err.status}); lines are attributed as if history began after it`);
      break;
    }
    examined++;
    // map each index of prevLines to its index in lines (or -1)
    const map = new Int32Array(prevLines.length).fill(-1);
    let a = 0;
    let b = 0;
    for (const part of diffArrays(lines, prevLines)) {
      const n = part.count ?? part.value.length;
      if (part.added) b += n;
      else if (part.removed) a += n;
      else {
        for (let k = 0; k < n; k++) map[b + k] = a + k;
        a += n;
        b += n;
      }
    }
    for (let i = 0; i < current.length; i++) {
      const p = pos[i]!;
      if (p < 0) continue;
      const q = map[p]!;
      pos[i] = q;
      if (q < 0) alive--;
      else origin[i] = { id: v.id, at: v.started_at };
    }
    prevLines = lines;
    prevSha = v.checksum;
  }
  return {
    device_id: d.id,
    device_name: d.name,
    history_id: latest.id,
    versions_examined: examined,
    complete,
    warnings,
    lines: current.map((t, i) => ({ line_no: i + 1, text: t, history_id: origin[i]!.id, since: origin[i]!.at })),
  };
}
