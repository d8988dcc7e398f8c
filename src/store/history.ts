// The read side of config history: a device's versions (newest first, keyset-paginated), one
// version with its metadata, its verified text, and the diff of any two versions.
import { sql } from 'kysely';
import { formatPatch, structuredPatch } from 'diff';
import type { Db } from '../db/index.ts';
import { findDriver } from '../drivers/index.ts';
import { applyRules } from '../drivers/helpers.ts';
import { InputError } from '../errors.ts';
import { BlobError, type BlobStore } from './blobs.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface VersionView {
  id: string;
  device_id: string;
  config_id: string;
  backup_type: string;
  status: string;
  started_at: Date;
  completed_at: Date;
  trigger: string;
  /** Bytes of the config text. */
  size: number;
  /** SHA-256 of the config text; also its blob key. '' for a failed run. */
  checksum: string;
  changed: boolean | null;
  significant: boolean | null;
  error_message: string | null;
  error_class: string | null;
  job_id: string | null;
  /** 'ok' | 'missing' | 'corrupt' | 'tampered' | 'key_missing'; null for a failed run. */
  verify_status: string | null;
  /** false when the blob failed its last verification: its bytes are not served. */
  verifiable: boolean;
  metadata?: Record<string, string>;
}

export interface ListVersionsOptions {
  limit?: number;
  /** Keyset cursor from a previous page's next_cursor. */
  cursor?: string;
  /** Plain offset (slower on deep pages; prefer the cursor). */
  offset?: number;
  /** Only runs whose config changed. */
  changesOnly?: boolean;
  status?: 'success' | 'failure';
  configId?: string;
  /** Include the total count (one more index scan). Default true. */
  withTotal?: boolean;
  /** Include metadata rows. Default true. */
  withMetadata?: boolean;
}

export interface VersionPage {
  items: VersionView[];
  total?: number;
  limit: number;
  next_cursor: string | null;
}

export function encodeCursor(v: { started_at: Date; id: string }): string {
  return Buffer.from(`${v.started_at.toISOString()}|${v.id}`).toString('base64url');
}

function decodeCursor(c: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  const d = new Date(at ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(d.getTime())) throw new InputError('invalid_cursor', 'the cursor is not one this server gave out; start again from the first page', 400);
  return { at: d, id };
}

function baseQuery(db: Db) {
  return db
    .selectFrom('backup_history as h')
    .innerJoin('backup_configs as c', 'c.id', 'h.config_id')
    .leftJoin('blobs as b', (j) => j.onRef('b.sha256', '=', 'h.file_path'))
    .select([
      'h.id',
      'h.device_id',
      'h.config_id',
      'c.backup_type',
      'h.status',
      'h.started_at',
      'h.completed_at',
      'h.trigger',
      'h.file_size as size',
      'h.checksum',
      'h.changed',
      'h.significant',
      'h.error_message',
      'h.error_class',
      'h.job_id',
      'b.verify_status',
      'b.sha256 as blob_sha',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

function view(r: Row): VersionView {
  const { blob_sha, ...rest } = r;
  let verify = rest.verify_status as string | null;
  if (rest.status === 'success' && !blob_sha) verify = 'missing';
  if (rest.status !== 'success') verify = null;
  return { ...rest, verify_status: verify, verifiable: rest.status === 'success' && verify === 'ok' } as VersionView;
}

async function attachMetadata(db: Db, items: VersionView[]): Promise<void> {
  if (!items.length) return;
  const rows = await db
    .selectFrom('backup_metadata')
    .select(['backup_id', 'key', 'value'])
    .where(
      'backup_id',
      'in',
      items.map((i) => i.id),
    )
    .execute();
  const by = new Map(items.map((i) => [i.id, (i.metadata = {} as Record<string, string>)]));
  for (const r of rows) by.get(r.backup_id)![r.key] = r.value;
  // Successful runs since 2026-11-22 keep changed / significant / trigger only in the history
  // row's columns (older rows also have them as metadata rows): shown among the metadata as before.
  for (const i of items) {
    const m = i.metadata!;
    if (i.status === 'success') {
      if (m.changed === undefined && i.changed !== null) m.changed = i.changed ? 'yes' : 'no';
      if (m.significant === undefined && i.significant !== null) m.significant = i.significant ? 'yes' : 'no';
    }
    if (m.trigger === undefined && i.trigger) m.trigger = i.trigger;
  }
}

export async function resolveDeviceId(db: Db, idOrName: string): Promise<{ id: string; name: string; driver: string }> {
  let q = db.selectFrom('devices').select(['id', 'name', 'driver']);
  q = UUID.test(idOrName) ? q.where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])) : q.where('name', '=', idOrName);
  const d = await q.executeTakeFirst();
  if (!d) throw new InputError('device_not_found', `no device with id or name "${idOrName}"; list the devices to find the right one`, 404);
  return d;
}

/** A device's versions, newest first. */
export async function listVersions(db: Db, deviceIdOrName: string, o: ListVersionsOptions = {}): Promise<VersionPage> {
  const d = await resolveDeviceId(db, deviceIdOrName);
  const limit = Math.min(Math.max(Math.trunc(o.limit ?? 50), 1), 1000);
  let q = baseQuery(db).where('h.device_id', '=', d.id);
  if (o.changesOnly) q = q.where('h.changed', '=', true);
  if (o.status) q = q.where('h.status', '=', o.status);
  if (o.configId) q = q.where('h.config_id', '=', o.configId);
  let pageQ = q;
  if (o.cursor) {
    const c = decodeCursor(o.cursor);
    // a row comparison: an index range on (device_id, started_at, id), read backwards
    pageQ = pageQ.where(sql<boolean>`(h.started_at, h.id) < (${c.at}, ${c.id}::uuid)`);
  }
  pageQ = pageQ.orderBy('h.started_at', 'desc').orderBy('h.id', 'desc').limit(limit + 1);
  if (o.offset && !o.cursor) pageQ = pageQ.offset(Math.max(0, Math.trunc(o.offset)));
  const rows = await pageQ.execute();
  const more = rows.length > limit;
  const items = rows.slice(0, limit).map(view);
  if (o.withMetadata !== false) await attachMetadata(db, items);
  let total: number | undefined;
  if (o.withTotal !== false) {
    let cq = db.selectFrom('backup_history as h').where('h.device_id', '=', d.id);
    if (o.changesOnly) cq = cq.where('h.changed', '=', true);
    if (o.status) cq = cq.where('h.status', '=', o.status);
    if (o.configId) cq = cq.where('h.config_id', '=', o.configId);
    total = (await cq.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
  }
  const last = items[items.length - 1];
  return { items, ...(total !== undefined ? { total } : {}), limit, next_cursor: more && last ? encodeCursor(last) : null };
}

export async function getVersion(db: Db, id: string, o: { withMetadata?: boolean } = {}): Promise<VersionView> {
  const r = UUID.test(id) ? await baseQuery(db).where('h.id', '=', id).executeTakeFirst() : undefined;
  if (!r) throw new InputError('backup_not_found', `no backup with id "${id}"; list a device's backups with GET /api/v1/backups/devices/{id}/history`, 404);
  const v = view(r);
  if (o.withMetadata !== false) await attachMetadata(db, [v]);
  return v;
}

/** The newest successful version of a device (of one config when given). */
export async function latestVersion(db: Db, deviceIdOrName: string, configId?: string): Promise<VersionView> {
  const page = await listVersions(db, deviceIdOrName, { status: 'success', limit: 1, withTotal: false, ...(configId ? { configId } : {}) });
  const v = page.items[0];
  if (!v) {
    throw new InputError('no_backup', `device "${deviceIdOrName}" has no successful backup yet; trigger one or look at its history for failures`, 404);
  }
  return v;
}

/**
 * The verified text of a version. A failed run has none (404 no_config); a blob that fails
 * verification throws a 409 blob_unverifiable InputError naming how it failed; its bytes are never served.
 */
export async function readVersion(db: Db, store: BlobStore, id: string, o: { withMetadata?: boolean } = {}): Promise<{ version: VersionView; text: Buffer }> {
  const version = await getVersion(db, id, o);
  if (version.status !== 'success' || !version.checksum) {
    throw new InputError('no_config', `backup ${id} is a failed run (${version.error_class ?? 'error'}: ${version.error_message ?? ''}); it has no config. Pick a successful version`, 404);
  }
  try {
    const text = await store.get(version.checksum);
    return { version, text };
  } catch (err) {
    if (err instanceof BlobError) {
      throw new InputError('blob_unverifiable', `backup ${id}: ${err.message}`, 409, { verify_status: err.status, blob: err.sha256 });
    }
    throw err;
  }
}

export interface DiffOptions {
  /** Lines matching any of these are dropped from both sides before diffing. */
  ignore?: RegExp[];
  /** A text filter applied to both sides (e.g. the driver's volatile filter). */
  filter?: (text: string) => string;
  /** Use the device driver's volatile-line filter (`significant` rules). */
  hideVolatile?: boolean;
  context?: number;
}

export interface DiffResult {
  from: VersionView;
  to: VersionView;
  identical: boolean;
  added: number;
  removed: number;
  unified: string;
  hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[];
}

export function volatileFilterFor(driverId: string): ((text: string) => string) | undefined {
  const d = findDriver(driverId);
  if (!d?.significant?.length) return undefined;
  return (t) => applyRules(t, d.significant);
}

export function diffTexts(a: string, b: string, o: Omit<DiffOptions, 'hideVolatile'> & { fromName?: string; toName?: string } = {}) {
  let x = a;
  let y = b;
  if (o.filter) {
    x = o.filter(x);
    y = o.filter(y);
  }
  if (o.ignore?.length) {
    const drop = (t: string) =>
      t
        .split('\n')
        .filter((l) => !o.ignore!.some((re) => ((re.lastIndex = 0), re.test(l))))
        .join('\n');
    x = drop(x);
    y = drop(y);
  }
  const patch = structuredPatch(o.fromName ?? 'a', o.toName ?? 'b', x, y, undefined, undefined, { context: o.context ?? 3 });
  let added = 0;
  let removed = 0;
  for (const h of patch.hunks) for (const l of h.lines) l[0] === '+' ? added++ : l[0] === '-' ? removed++ : 0;
  return { identical: patch.hunks.length === 0, added, removed, unified: patch.hunks.length ? formatPatch(patch) : '', hunks: patch.hunks };
}

export async function diffVersions(db: Db, store: BlobStore, fromId: string, toId: string, o: DiffOptions = {}): Promise<DiffResult> {
  const [a, b] = await Promise.all([readVersion(db, store, fromId, { withMetadata: false }), readVersion(db, store, toId, { withMetadata: false })]);
  let filter = o.filter;
  if (o.hideVolatile && !filter) {
    const dev = await db.selectFrom('devices').select('driver').where('id', '=', b.version.device_id).executeTakeFirst();
    filter = volatileFilterFor(dev?.driver ?? '');
  }
  const name = (v: VersionView) => `${v.id} (${v.started_at.toISOString()})`;
  const r = diffTexts(a.text.toString('utf8'), b.text.toString('utf8'), { ...o, ...(filter ? { filter } : {}), fromName: name(a.version), toName: name(b.version) });
  return { from: a.version, to: b.version, ...r };
}
