// An in-process cache of the latest stored config of every device, as decompressed, decrypted
// text in memory only (never written anywhere: encryption at rest stays intact). Before each use
// it is checked against the database: a one-row signature of the devices table (count, sums of
// last_success_at and updated_at) says whether anything moved; if so, one scan of
// devices.last_success_at finds the devices backed up since (by any process), whose newest version is then looked up (and once a minute,
// in the background, the newest version of every device); 'backup.changed' events on this process's bus load a new version ahead of the next
// search. One cache per database handle.
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { bus } from '../events/bus.ts';
import { BlobError, type BlobStore } from '../store/blobs.ts';

export interface CachedConfig {
  deviceId: string;
  deviceName: string;
  groupId: string | null;
  historyId: string;
  sha256: string;
  at: Date;
  text: string;
  /** devices.last_success_at when this entry was resolved (the change probe). */
  seenSuccessAt: number;
  /** Offsets of the first character of every line (computed when first needed). */
  lineStarts?: Int32Array;
}

export interface Unreadable {
  deviceId: string;
  deviceName: string;
  groupId: string | null;
  historyId: string;
  reason: string;
}

export interface Snapshot {
  /** Devices with a readable latest config, ordered by name. */
  configs: CachedConfig[];
  /** Devices whose latest config could not be read (blob missing, corrupt, key missing). */
  unreadable: Unreadable[];
  /** Configs that had to be read from the blob store for this snapshot. */
  loaded: number;
}

interface ProbeRow {
  id: string;
  name: string;
  group_id: string | null;
  last_success_at: Date | null;
}

interface LatestRow {
  device_id: string;
  name: string;
  group_id: string | null;
  history_id: string;
  checksum: string;
  started_at: Date;
}

/** The newest successful version of every device, or of the given ones (an index probe per device). */
export async function latestRows(db: Db, deviceIds?: string | string[]): Promise<LatestRow[]> {
  const ids = deviceIds === undefined ? undefined : Array.isArray(deviceIds) ? deviceIds : [deviceIds];
  if (ids && !ids.length) return [];
  const r = await sql<LatestRow>`
    SELECT d.id AS device_id, d.name, d.group_id, l.id AS history_id, l.checksum, l.started_at
    FROM devices d
    CROSS JOIN LATERAL (
      SELECT h.id, h.checksum, h.started_at FROM backup_history h
      WHERE h.device_id = d.id AND h.status = 'success' AND h.checksum <> ''
      ORDER BY h.started_at DESC, h.id DESC LIMIT 1
    ) l
    ${ids ? sql`WHERE d.id IN (${sql.join(ids)})` : sql``}`.execute(db);
  return r.rows.map((x) => ({ ...x, started_at: new Date(x.started_at) }));
}

/** Offsets of line starts in text. */
export function lineStartsOf(c: { text: string; lineStarts?: Int32Array }): Int32Array {
  if (c.lineStarts) return c.lineStarts;
  const starts: number[] = [0];
  const t = c.text;
  for (let i = t.indexOf('\n'); i !== -1 && i + 1 < t.length; i = t.indexOf('\n', i + 1)) starts.push(i + 1);
  return (c.lineStarts = Int32Array.from(starts));
}

export class LatestConfigs {
  private readonly db: Db;
  private readonly store: BlobStore;
  private readonly entries = new Map<string, CachedConfig>();
  private unreadable = new Map<string, Unreadable & { sha256: string; seenSuccessAt: number }>();
  private lastFull = 0;
  /** The devices signature (count, sums of last_success_at and updated_at) at the last probe. */
  private lastSig = '';
  /** The background check marked devices for the next probe. */
  private marked = false;
  /** Devices with a version that the background check found and the probe did not flag. */
  private readonly missed = new Set<string>();
  private sorted: CachedConfig[] | undefined;
  private inflight: Promise<Snapshot> | undefined;
  private readonly off: () => void;
  /** Parallel blob reads while loading. */
  readonly concurrency: number;

  constructor(db: Db, store: BlobStore, o: { concurrency?: number; listen?: boolean } = {}) {
    this.db = db;
    this.store = store;
    this.concurrency = Math.max(1, o.concurrency ?? 16);
    this.off =
      o.listen === false
        ? () => {}
        : bus.on('backup.changed', (e) => {
            void this.refreshDevice(e.deviceId).catch(() => {});
          });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stop listening to the bus and drop every cached config. */
  close(): void {
    this.off();
    this.entries.clear();
    this.unreadable.clear();
    this.sorted = undefined;
  }

  /** Drop everything (the next snapshot reads every config again: a cold start). */
  clear(): void {
    this.lastFull = 0;
    this.lastSig = '';
    this.missed.clear();
    this.entries.clear();
    this.unreadable.clear();
    this.sorted = undefined;
  }

  /** The current latest configs, brought up to date with the database first. Concurrent calls share one refresh. */
  snapshot(): Promise<Snapshot> {
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async refresh(): Promise<Snapshot> {
    // The probe: one scan of devices. A device whose last_success_at moved (or that is new) is
    // resolved again; every FULL_EVERY_MS all are, in the background (a guard against rows
    // written by paths that do not move last_success_at).
    // A signature of the devices table first (one row back): unchanged → nothing to look at.
    const sig = (
      await sql<{ sig: string }>`SELECT count(*)::text || '|' || coalesce(sum(extract(epoch FROM last_success_at)), 0)::text || '|' || coalesce(sum(extract(epoch FROM updated_at)), 0)::text AS sig FROM devices`.execute(this.db)
    ).rows[0]!.sig;
    if (this.sorted && this.lastFull !== 0 && sig === this.lastSig && !this.marked) {
      if (Date.now() - this.lastFull > FULL_EVERY_MS) this.backgroundCheck();
      return { configs: this.sorted, unreadable: this.unreadableList(), loaded: 0 };
    }
    this.lastSig = sig;
    this.marked = false;
    const probe = await this.db.selectFrom('devices').select(['id', 'name', 'group_id', 'last_success_at']).execute();
    // the first time, every device is looked up; later the full check runs in the background
    // (off the search's path) and marks what the probe could not see for the next search
    const full = this.lastFull === 0;
    if (!full && Date.now() - this.lastFull > FULL_EVERY_MS) this.backgroundCheck();
    const seen = new Map<string, ProbeRow>();
    const stale: string[] = [];
    for (const d of probe as ProbeRow[]) {
      seen.set(d.id, d);
      const e = this.entries.get(d.id);
      const at = d.last_success_at ? new Date(d.last_success_at).getTime() : 0;
      if (e) {
        if (e.deviceName !== d.name) this.sorted = undefined;
        e.deviceName = d.name;
        e.groupId = d.group_id;
        if (e.seenSuccessAt !== at) stale.push(d.id);
      } else if (!full) {
        const bad = this.unreadable.get(d.id);
        if ((at && (!bad || bad.seenSuccessAt !== at)) || this.missed.has(d.id)) stale.push(d.id);
      }
    }
    for (const id of [...this.entries.keys()]) {
      if (!seen.has(id)) {
        this.entries.delete(id);
        this.sorted = undefined;
      }
    }
    for (const id of [...this.unreadable.keys()]) if (!seen.has(id)) this.unreadable.delete(id);
    if (full) this.lastFull = Date.now();
    this.missed.clear();
    const rows: LatestRow[] = [];
    for (let i = 0; full ? i === 0 : i < stale.length; i += 1000) rows.push(...(await latestRows(this.db, full ? undefined : stale.slice(i, i + 1000))));
    const toLoad: (LatestRow & { seen: number })[] = [];
    for (const r of rows) {
      const p = seen.get(r.device_id);
      const at = p?.last_success_at ? new Date(p.last_success_at).getTime() : 0;
      const e = this.entries.get(r.device_id);
      if (e && e.sha256 === r.checksum) {
        e.historyId = r.history_id;
        e.at = r.started_at;
        e.seenSuccessAt = at;
        continue;
      }
      const bad = this.unreadable.get(r.device_id);
      if (bad && bad.sha256 === r.checksum && bad.historyId === r.history_id) continue; // known bad: not re-read on every search
      toLoad.push({ ...r, seen: at });
    }
    await this.load(toLoad);
    this.sorted ??= [...this.entries.values()].sort((a, b) => (a.deviceName < b.deviceName ? -1 : a.deviceName > b.deviceName ? 1 : 0));
    return { configs: this.sorted, unreadable: this.unreadableList(), loaded: toLoad.length };
  }

  private unreadableList(): Unreadable[] {
    return [...this.unreadable.values()].map(({ sha256: _s, seenSuccessAt: _a, ...u }) => u);
  }

  private checking = false;

  /** The full check off the search path: devices whose newest version is not the cached one are marked for the next probe. */
  private backgroundCheck(): void {
    if (this.checking) return;
    this.checking = true;
    this.lastFull = Date.now();
    void latestRows(this.db)
      .then((rows) => {
        for (const r of rows) {
          const e = this.entries.get(r.device_id);
          if (e && e.historyId !== r.history_id) {
            e.seenSuccessAt = -1;
            this.marked = true;
          }
          const bad = this.unreadable.get(r.device_id);
          if (!e && (!bad || bad.historyId !== r.history_id)) {
            this.missed.add(r.device_id);
            this.marked = true;
          }
        }
      })
      .catch(() => {})
      .finally(() => {
        this.checking = false;
      });
  }

  /** Read many latest configs: one blob-row look-up per batch, files read `concurrency` at a time, a batch of decrypted bytes in memory at once. */
  private async load(rows: (LatestRow & { seen: number })[]): Promise<void> {
    for (let i = 0; i < rows.length; i += LOAD_BATCH) {
      const part = rows.slice(i, i + LOAD_BATCH);
      const got = await this.store.getMany(
        part.map((r) => r.checksum),
        { concurrency: this.concurrency },
      );
      for (const r of part) {
        const g = got.get(r.checksum);
        if (g && 'bytes' in g) this.put(r, g.bytes.toString('utf8'));
        else this.fail(r, g ? g.error : new BlobError('missing', r.checksum, `blob ${r.checksum} was not read`));
      }
    }
  }

  private async loadOne(r: LatestRow & { seen: number }): Promise<void> {
    try {
      this.put(r, (await this.store.get(r.checksum)).toString('utf8'));
    } catch (err) {
      if (!(err instanceof BlobError)) throw err;
      this.fail(r, err);
    }
  }

  private put(r: LatestRow & { seen: number }, text: string): void {
    // a newer version may have been loaded meanwhile (bus event): keep the newer one
    const cur = this.entries.get(r.device_id);
    if (cur && cur.at > r.started_at) return;
    this.entries.set(r.device_id, { deviceId: r.device_id, deviceName: r.name, groupId: r.group_id, historyId: r.history_id, sha256: r.checksum, at: r.started_at, text, seenSuccessAt: r.seen });
    this.unreadable.delete(r.device_id);
    this.sorted = undefined;
  }

  private fail(r: LatestRow & { seen: number }, err: BlobError): void {
    this.entries.delete(r.device_id);
    this.sorted = undefined;
    this.unreadable.set(r.device_id, { deviceId: r.device_id, deviceName: r.name, groupId: r.group_id, historyId: r.history_id, sha256: r.checksum, seenSuccessAt: r.seen, reason: err.message });
  }

  /** Bring one device up to date now (after a backup of it). */
  async refreshDevice(deviceId: string): Promise<CachedConfig | undefined> {
    const [r] = await latestRows(this.db, deviceId);
    if (!r) return undefined;
    const d = await this.db.selectFrom('devices').select('last_success_at').where('id', '=', deviceId).executeTakeFirst();
    const seen = d?.last_success_at ? new Date(d.last_success_at).getTime() : 0;
    const e = this.entries.get(deviceId);
    if (!e || e.sha256 !== r.checksum) await this.loadOne({ ...r, seen });
    else Object.assign(e, { historyId: r.history_id, at: r.started_at, seenSuccessAt: seen, deviceName: r.name, groupId: r.group_id });
    return this.entries.get(deviceId);
  }

  /** One device's latest config (loaded if needed). */
  async get(deviceId: string): Promise<CachedConfig | undefined> {
    return this.refreshDevice(deviceId);
  }
}

/** Configs read per BlobStore.getMany call while loading (bounds the decrypted bytes in flight). */
const LOAD_BATCH = 1000;

/** How often every device's newest version is looked up regardless of the probe. */
const FULL_EVERY_MS = 60_000;

const caches = new WeakMap<Db, LatestConfigs>();

/** The process's cache for a database handle (created on first use). */
export function latestConfigsFor(db: Db, store: BlobStore): LatestConfigs {
  let c = caches.get(db);
  if (!c) {
    c = new LatestConfigs(db, store);
    caches.set(db, c);
  }
  return c;
}

/** Forget the cache of a database handle (when it closes). */
export function dropLatestConfigs(db: Db): void {
  caches.get(db)?.close();
  caches.delete(db);
}
