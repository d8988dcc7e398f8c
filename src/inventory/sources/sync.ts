// The sync engine: compares what a source says with the inventory and applies the difference in
// ONE transaction — create, update, adopt (a same-named device not from another source), mark
// orphaned (gone from the source; never deleted, history kept), restore (back in the source).
// Any bad record refuses the whole sync: nothing is saved and every bad line is reported. A dry
// run does all of it and rolls back, so the preview is exactly what a real run would do.
import { readFileSync } from 'node:fs';
import type { Db } from '../../db/index.ts';
import { jsonb } from '../../db/index.ts';
import { InputError, NetkeepError } from '../../errors.ts';
import type { Keyring } from '../../security/masterkey.ts';
import { decryptSecret } from '../../security/secrets.ts';
import { importDevices } from '../csv.ts';
import { findCredentialProfile } from '../credentials.ts';
import { updateDevice } from '../devices.ts';
import { parseCsvSource } from './csv.ts';
import { fetchNetboxDevices, netboxRecords, type NetboxConfig } from './netbox.ts';
import { parseOxidizedRouterDb, type OxidizedConfig } from './oxidized.ts';
import { parseRancidRouterDb, type RancidConfig } from './rancid.ts';
import { getSource, sourceSecrets, type SourceView } from './store.ts';
import type { ParsedSource, SkippedRecord, SourceKind, SourceLineError, SourceRecord } from './types.ts';

export interface SyncChange {
  action: 'create' | 'update' | 'orphan' | 'restore';
  device: string;
  /** Line (or NetBox item number) of the record; absent for orphans. */
  line?: number;
  /** What changes on an existing device (address, driver, group, …; "name" for a rename). */
  fields?: string[];
}

export interface SyncReport {
  run_id: string | null;
  source: string | null;
  kind: SourceKind;
  dry_run: boolean;
  /** ok: applied (or, in a dry run, would apply); refused: bad records, nothing saved; failed: the source could not be read. */
  status: 'ok' | 'refused' | 'failed';
  message: string;
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  orphaned: number;
  restored: number;
  errors: SourceLineError[];
  skipped: SkippedRecord[];
  changes: SyncChange[];
}

/** Parse a file source's text by kind. */
export function parseSourceText(kind: Exclude<SourceKind, 'netbox'>, text: string, config: Record<string, unknown> = {}): ParsedSource {
  if (kind === 'csv') return parseCsvSource(text);
  if (kind === 'oxidized') return parseOxidizedRouterDb(text, config as OxidizedConfig);
  return parseRancidRouterDb(text, config as RancidConfig);
}

/** Read a stored source: its file (or the given text instead), or NetBox's device list. */
export async function loadSource(db: Db, keyring: Keyring, src: SourceView, text?: string): Promise<ParsedSource> {
  if (src.kind === 'netbox') {
    if (text !== undefined) throw new InputError('invalid_request', 'a NetBox source is read from NetBox; send no content', 400);
    const { token } = await sourceSecrets(db, keyring, src.id);
    const cfg = src.config as unknown as NetboxConfig;
    return netboxRecords(await fetchNetboxDevices(cfg, token), cfg);
  }
  if (text === undefined) {
    const path = String(src.config.path);
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new NetkeepError(
        'config_error',
        `cannot read ${path} for source "${src.name}": ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied for the netkeep user' : (err as Error).message}; fix the path (netkeep source update) or the file's permissions`,
      );
    }
  }
  return parseSourceText(src.kind, text, src.config);
}

interface Existing {
  id: string;
  name: string;
  address: string;
  port: number | null;
  driver: string;
  protocol: string;
  group_name: string | null;
  site: string | null;
  tags: string[];
  enabled: boolean;
  credential_profile_id: string | null;
  source_id: string | null;
  source_key: string | null;
  orphaned_at: Date | null;
  username: string | null;
  password_enc: string | null;
  enable_password_enc: string | null;
}

class Rollback extends Error {}

function refused(base: SyncReport, errors: SourceLineError[], message: string): SyncReport {
  return { ...base, status: 'refused', errors, message, created: 0, updated: 0, unchanged: 0, orphaned: 0, restored: 0 };
}

/**
 * Apply a parsed source to the inventory. `source` null is a one-off import (create and update
 * only; nothing is orphaned). Never throws for bad records: they come back in `errors`.
 */
export async function applySource(
  db: Db,
  keyring: Keyring,
  source: Pick<SourceView, 'id' | 'name' | 'kind' | 'config'> | null,
  kind: SourceKind,
  parsed: ParsedSource,
  opts: { dryRun?: boolean; now?: Date } = {},
): Promise<SyncReport> {
  const now = opts.now ?? new Date();
  const base: SyncReport = {
    run_id: null, source: source?.name ?? null, kind, dry_run: !!opts.dryRun, status: 'ok', message: '',
    records: parsed.records.length, created: 0, updated: 0, unchanged: 0, orphaned: 0, restored: 0,
    errors: [...parsed.errors], skipped: parsed.skipped, changes: [],
  };
  if (parsed.errors.length) {
    return refused(base, parsed.errors, `${parsed.errors.length} bad line${parsed.errors.length === 1 ? '' : 's'} in the source; nothing was saved — fix them and sync again`);
  }
  let report: SyncReport | undefined;
  const run = async (trx: Db): Promise<SyncReport> => {
    const rows = (await trx
      .selectFrom('devices as d')
      .leftJoin('device_groups as g', 'g.id', 'd.group_id')
      .leftJoin('credential_profiles as p', 'p.id', 'd.credential_profile_id')
      .select([
        'd.id', 'd.name', 'd.address', 'd.port', 'd.driver', 'd.protocol', 'g.name as group_name', 'd.site', 'd.tags', 'd.enabled', 'd.credential_profile_id',
        'd.source_id', 'd.source_key', 'd.orphaned_at', 'p.username', 'p.password_enc', 'p.enable_password_enc',
      ])
      .execute()) as Existing[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    const byKey = new Map(source ? rows.filter((r) => r.source_id === source.id && r.source_key !== null).map((r) => [r.source_key!, r]) : []);
    const others = source
      ? new Map((await trx.selectFrom('inventory_sources').select(['id', 'name']).execute()).map((s) => [s.id, s.name]))
      : new Map<string, string>();
    const errors: SourceLineError[] = [];
    const changes: SyncChange[] = [];
    const renames: { id: string; to: string }[] = [];
    const seen = new Set<string>();
    const r: SyncReport = { ...base };
    const secret = (enc: string | null) => (enc ? decryptSecret(keyring, enc) : '');

    for (const rec of parsed.records) {
      let dev = byKey.get(rec.key);
      if (dev && dev.name !== rec.name) {
        const other = byName.get(rec.name);
        if (other && other.id !== dev.id) {
          errors.push({ line: rec.line, message: `the source renamed "${dev.name}" to "${rec.name}", but another device already has that name; rename or remove one of them` });
          continue;
        }
      }
      dev ??= byName.get(rec.name);
      if (dev && source && dev.source_id && dev.source_id !== source.id) {
        errors.push({ line: rec.line, message: `device "${rec.name}" comes from source "${others.get(dev.source_id) ?? dev.source_id}"; a device belongs to one source — remove it from one of them` });
        continue;
      }
      if (!dev) {
        changes.push({ action: 'create', device: rec.name, line: rec.line });
        r.created++;
        continue;
      }
      seen.add(dev.id);
      const f: string[] = [];
      if (dev.name !== rec.name) {
        f.push('name');
        renames.push({ id: dev.id, to: rec.name });
      }
      if (dev.address !== rec.address) f.push('address');
      if (dev.driver !== rec.driver) f.push('driver');
      if (rec.port !== undefined && dev.port !== rec.port) f.push('port');
      if (rec.protocol !== undefined && dev.protocol !== rec.protocol) f.push('protocol');
      if (rec.group !== undefined && dev.group_name !== rec.group) f.push('group');
      if (rec.site !== undefined && dev.site !== rec.site) f.push('site');
      if (rec.tags !== undefined && JSON.stringify(dev.tags) !== JSON.stringify(rec.tags)) f.push('tags');
      if (rec.enabled !== undefined && dev.enabled !== rec.enabled) f.push('enabled');
      if (rec.username && (dev.username !== rec.username || secret(dev.password_enc) !== (rec.password ?? '') || secret(dev.enable_password_enc) !== (rec.enable_password ?? ''))) f.push('credentials');
      if (source && dev.source_id !== source.id) f.push('source');
      if (source && dev.orphaned_at) {
        changes.push({ action: 'restore', device: rec.name, line: rec.line, ...(f.length ? { fields: f } : {}) });
        r.restored++;
      } else if (f.length) {
        changes.push({ action: 'update', device: rec.name, line: rec.line, fields: f });
        r.updated++;
      } else r.unchanged++;
    }
    const orphans = source ? rows.filter((d) => d.source_id === source.id && !seen.has(d.id) && d.orphaned_at === null) : [];
    for (const o of orphans) changes.push({ action: 'orphan', device: o.name });
    r.orphaned = orphans.length;
    r.changes = changes;
    if (errors.length) return refused(r, errors.sort((a, b) => a.line - b.line), `${errors.length} record${errors.length === 1 ? '' : 's'} conflict with the inventory; nothing was saved — fix them and sync again`);
    if (source && parsed.records.length === 0 && orphans.length > 0 && source.config.allow_empty !== true) {
      return refused(r, [], `the source lists no devices, which would orphan all ${orphans.length} of its devices; nothing was saved. If the source is really empty, set allow_empty: true on it; otherwise check its file, URL, filter or token`);
    }

    // apply: renames first (so the importer finds devices by their new names), then the importer
    for (const rn of renames) await updateDevice(trx, rn.id, { name: rn.to });
    try {
      await importDevices(trx, keyring, parsed.records, { source: kind });
    } catch (err) {
      if (err instanceof InputError && typeof err.details?.line === 'number') {
        return refused(r, [{ line: err.details.line, message: err.message.replace(/^line \d+: /, '').replace(/; nothing was imported$/, '') }], 'a record could not be saved; nothing was saved — fix it and sync again');
      }
      throw err;
    }
    const profile = typeof source?.config.credential_profile === 'string' ? await findCredentialProfile(trx, source.config.credential_profile) : undefined;
    if (source?.config.credential_profile && !profile) {
      return refused(r, [], `the source's credential profile "${source.config.credential_profile}" no longer exists; set another one on the source (or none) and sync again`);
    }
    for (const rec of parsed.records) {
      const set: Record<string, unknown> = {};
      if (source) Object.assign(set, { source_id: source.id, source_key: rec.key, source: kind, orphaned_at: null });
      if (rec.enabled !== undefined) set.enabled = rec.enabled;
      if (Object.keys(set).length) await trx.updateTable('devices').set({ ...set, updated_at: now }).where('name', '=', rec.name).execute();
      if (profile && !rec.username) {
        await trx.updateTable('devices').set({ credential_profile_id: profile.id, updated_at: now }).where('name', '=', rec.name).where('credential_profile_id', 'is', null).execute();
      }
    }
    if (orphans.length) {
      await trx.updateTable('devices').set({ orphaned_at: now, updated_at: now }).where('id', 'in', orphans.map((o) => o.id)).execute();
    }
    r.message = `${opts.dryRun ? 'would create' : 'created'} ${r.created}, ${opts.dryRun ? 'update' : 'updated'} ${r.updated}, ${opts.dryRun ? 'orphan' : 'orphaned'} ${r.orphaned}, ${opts.dryRun ? 'restore' : 'restored'} ${r.restored}; ${r.unchanged} unchanged${r.skipped.length ? `; ${r.skipped.length} skipped` : ''}`;
    return r;
  };
  try {
    await db.transaction().execute(async (trx) => {
      report = await run(trx);
      if (opts.dryRun || report.status !== 'ok') throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return report!;
}

const MAX_LOGGED = 1000;

/** Sync a stored source now (or preview it with dryRun), and log the run. */
export async function syncSource(
  ctx: { db: Db; keyring: Keyring },
  idOrName: string,
  opts: { dryRun?: boolean; trigger?: string; text?: string; now?: Date } = {},
): Promise<SyncReport> {
  const src = await getSource(ctx.db, idOrName);
  const startedAt = new Date();
  let report: SyncReport;
  try {
    const parsed = await loadSource(ctx.db, ctx.keyring, src, opts.text);
    report = await applySource(ctx.db, ctx.keyring, src, src.kind, parsed, opts);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const message = err instanceof NetkeepError ? err.message : `internal error: ${(err as Error).message}`;
    report = {
      run_id: null, source: src.name, kind: src.kind, dry_run: !!opts.dryRun, status: 'failed', message: `${message}; nothing was changed`,
      records: 0, created: 0, updated: 0, unchanged: 0, orphaned: 0, restored: 0, errors: [], skipped: [], changes: [],
    };
  }
  const run = await ctx.db
    .insertInto('inventory_sync_runs')
    .values({
      source_id: src.id, trigger: (opts.trigger ?? 'manual').slice(0, 16), dry_run: report.dry_run, status: report.status, started_at: startedAt, finished_at: new Date(),
      records: report.records, created: report.created, updated: report.updated, unchanged: report.unchanged, orphaned: report.orphaned, restored: report.restored,
      skipped: report.skipped.length, message: report.message, errors: jsonb(report.errors.slice(0, MAX_LOGGED)), changes: jsonb(report.changes.slice(0, MAX_LOGGED)),
      skipped_records: jsonb(report.skipped.slice(0, MAX_LOGGED)),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (!report.dry_run) await ctx.db.updateTable('inventory_sources').set({ last_run_at: startedAt, last_status: report.status }).where('id', '=', src.id).execute();
  return { ...report, run_id: run.id };
}

export interface SyncRunView {
  id: string;
  trigger: string;
  dry_run: boolean;
  status: string;
  started_at: Date;
  finished_at: Date;
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  orphaned: number;
  restored: number;
  skipped: number;
  message: string | null;
  errors: unknown[];
  changes: unknown[];
  skipped_records: unknown[];
}

export async function listSyncRuns(db: Db, idOrName: string, opts: { limit?: number; offset?: number } = {}): Promise<{ items: SyncRunView[]; total: number }> {
  const src = await getSource(db, idOrName);
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 1000);
  const offset = Math.max(opts.offset ?? 0, 0);
  const [rows, n] = await Promise.all([
    db.selectFrom('inventory_sync_runs').selectAll().where('source_id', '=', src.id).orderBy('started_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
    db.selectFrom('inventory_sync_runs').select((eb) => eb.fn.countAll<number>().as('n')).where('source_id', '=', src.id).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(({ source_id: _s, ...r }) => r), total: Number(n.n) };
}

/** A one-off import of a file in any file format (`netkeep device import --format …`): create and update only. */
export async function importSourceText(
  db: Db,
  keyring: Keyring,
  kind: Exclude<SourceKind, 'netbox'>,
  text: string,
  opts: { dryRun?: boolean; config?: Record<string, unknown> } = {},
): Promise<SyncReport> {
  return applySource(db, keyring, null, kind, parseSourceText(kind, text, opts.config ?? {}), opts);
}

export type { SourceRecord };
