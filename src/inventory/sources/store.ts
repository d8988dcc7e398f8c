// Inventory sources as stored rows: create, list, get, change, delete; per-kind settings checked
// on the way in; the NetBox token encrypted under the master key and never handed out.
import type { Db } from '../../db/index.ts';
import { jsonb } from '../../db/index.ts';
import { InputError } from '../../errors.ts';
import type { Keyring } from '../../security/masterkey.ts';
import { decryptSecret, encryptSecret } from '../../security/secrets.ts';
import { validateCron, validateTimezone } from '../../schedule/cron.ts';
import { inTx, isPlainObject, isUniqueViolation, isUuid, page } from '../common.ts';
import { findCredentialProfile } from '../credentials.ts';
import { validateObjectName } from '../groups.ts';
import { checkNetboxConfig } from './netbox.ts';
import { checkOxidizedConfig } from './oxidized.ts';
import { checkRancidConfig } from './rancid.ts';
import { isSourceKind, SOURCE_KINDS, type SourceKind } from './types.ts';

export interface SourceInput {
  name: string;
  kind: string;
  config?: Record<string, unknown>;
  /** NetBox API token (write-only; null clears it). */
  token?: string | null;
  enabled?: boolean;
  schedule_cron?: string | null;
  schedule_timezone?: string;
}

export interface SourceView {
  id: string;
  name: string;
  kind: SourceKind;
  config: Record<string, unknown>;
  has_token: boolean;
  enabled: boolean;
  schedule_cron: string | null;
  schedule_timezone: string;
  next_run_at: Date | null;
  last_run_at: Date | null;
  last_status: string | null;
  device_count: number;
  orphaned_count: number;
  created_at: Date;
  updated_at: Date;
}

/** Settings every kind accepts besides its own. */
const COMMON_KEYS = ['credential_profile', 'allow_empty'];
const FILE_KEYS = ['path'];
const KIND_KEYS: Record<SourceKind, string[]> = {
  csv: [...FILE_KEYS],
  oxidized: [...FILE_KEYS, 'delimiter', 'map', 'vars_map', 'model_map'],
  rancid: [...FILE_KEYS, 'type_map'],
  netbox: ['url', 'statuses', 'platform_map', 'group_from', 'group_tag_prefix', 'filter', 'page_size', 'tls', 'timeout_ms'],
};

/** Check a source's settings for its kind; returns the normalized settings. */
export function checkSourceConfig(kind: SourceKind, config: unknown): Record<string, unknown> {
  if (config === undefined || config === null) config = {};
  if (!isPlainObject(config)) throw new InputError('invalid_source_config', 'config is a JSON object of the source\'s settings (see docs/inventory-sources.md)', 400);
  const allowed = [...COMMON_KEYS, ...KIND_KEYS[kind]];
  for (const k of Object.keys(config)) {
    if (!allowed.includes(k)) throw new InputError('invalid_source_config', `a ${kind} source has no setting "${k}"; its settings are ${allowed.join(', ')}`, 400);
  }
  const out: Record<string, unknown> = {};
  if (config.credential_profile !== undefined && config.credential_profile !== null) {
    out.credential_profile = validateObjectName('credential profile', config.credential_profile);
  }
  if (config.allow_empty !== undefined) {
    if (typeof config.allow_empty !== 'boolean') throw new InputError('invalid_source_config', 'allow_empty is true or false', 400);
    out.allow_empty = config.allow_empty;
  }
  if (kind !== 'netbox') {
    if (typeof config.path !== 'string' || !config.path.startsWith('/')) {
      throw new InputError('invalid_source_config', `a ${kind} source needs "path": the absolute path of the file on the netkeep server, e.g. /etc/oxidized/router.db`, 400);
    }
    out.path = config.path;
  }
  const { path: _p, credential_profile: _c, allow_empty: _a, ...own } = config;
  if (kind === 'oxidized') Object.assign(out, checkOxidizedConfig(own));
  if (kind === 'rancid') Object.assign(out, checkRancidConfig(own));
  if (kind === 'netbox') Object.assign(out, checkNetboxConfig(own));
  return out;
}

function checkKind(kind: unknown): SourceKind {
  if (!isSourceKind(kind)) throw new InputError('invalid_source_kind', `kind "${String(kind)}" is not a source netkeep reads; use one of ${SOURCE_KINDS.join(', ')}`, 400);
  return kind;
}

function checkToken(token: unknown): string | null {
  if (token === null || token === '') return null;
  if (typeof token !== 'string' || token.length > 4096 || /[\s\x00-\x1f]/.test(token)) throw new InputError('invalid_source_config', 'token is the NetBox API token (no spaces)', 400);
  return token;
}

function sourceQuery(db: Db) {
  return db
    .selectFrom('inventory_sources as s')
    .selectAll('s')
    .select((eb) => [
      eb.selectFrom('devices as d').whereRef('d.source_id', '=', 's.id').select((e) => e.fn.countAll<number>().as('n')).as('device_count'),
      eb.selectFrom('devices as d').whereRef('d.source_id', '=', 's.id').where('d.orphaned_at', 'is not', null).select((e) => e.fn.countAll<number>().as('n')).as('orphaned_count'),
    ]);
}
type Row = Awaited<ReturnType<ReturnType<typeof sourceQuery>['executeTakeFirstOrThrow']>>;

function view(r: Row): SourceView {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as SourceKind,
    config: r.config,
    has_token: r.secrets_enc !== null,
    enabled: r.enabled,
    schedule_cron: r.schedule_cron,
    schedule_timezone: r.schedule_timezone,
    next_run_at: r.next_run_at,
    last_run_at: r.last_run_at,
    last_status: r.last_status,
    device_count: Number(r.device_count ?? 0),
    orphaned_count: Number(r.orphaned_count ?? 0),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export async function findSource(db: Db, idOrName: string): Promise<SourceView | undefined> {
  if (isUuid(idOrName)) {
    const r = await sourceQuery(db).where('s.id', '=', idOrName).executeTakeFirst();
    if (r) return view(r);
  }
  const r = await sourceQuery(db).where('s.name', '=', idOrName.trim()).executeTakeFirst();
  return r ? view(r) : undefined;
}

export async function getSource(db: Db, idOrName: string): Promise<SourceView> {
  const s = await findSource(db, idOrName);
  if (!s) throw new InputError('source_not_found', `no inventory source with id or name "${idOrName}"; list them with \`netkeep source list\` or GET /api/v1/sources`, 404);
  return s;
}

/** The source's secrets, decrypted (for the sync only). */
export async function sourceSecrets(db: Db, keyring: Keyring, id: string): Promise<{ token?: string }> {
  const r = await db.selectFrom('inventory_sources').select('secrets_enc').where('id', '=', id).executeTakeFirst();
  return r?.secrets_enc ? (JSON.parse(decryptSecret(keyring, r.secrets_enc)) as { token?: string }) : {};
}

export async function listSources(db: Db, opts: { limit?: number; offset?: number } = {}): Promise<{ items: SourceView[]; total: number }> {
  const { limit, offset } = page(opts);
  const [rows, n] = await Promise.all([
    sourceQuery(db).orderBy('s.name').limit(limit).offset(offset).execute(),
    db.selectFrom('inventory_sources').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(view), total: Number(n.n) };
}

async function checkProfile(db: Db, config: Record<string, unknown>): Promise<void> {
  if (typeof config.credential_profile === 'string' && !(await findCredentialProfile(db, config.credential_profile))) {
    throw new InputError('credential_profile_not_found', `no credential profile "${config.credential_profile}"; create it first (netkeep uses it for devices of this source that bring no credentials)`, 400);
  }
}

function taken(name: string): InputError {
  return new InputError('source_name_taken', `an inventory source named "${name}" already exists; choose another name or change that source`, 409);
}

export async function createSource(db: Db, keyring: Keyring, input: SourceInput): Promise<SourceView> {
  if (!isPlainObject(input)) throw new InputError('invalid_request', 'a source is a JSON object with name, kind and config', 400);
  const name = validateObjectName('source', input.name);
  const kind = checkKind(input.kind);
  const config = checkSourceConfig(kind, input.config);
  const token = input.token === undefined ? null : checkToken(input.token);
  if (token && kind !== 'netbox') throw new InputError('invalid_source_config', `a ${kind} source takes no token`, 400);
  const tz = validateTimezone(input.schedule_timezone ?? 'UTC');
  const cron = validateCron(input.schedule_cron ?? null, tz);
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') throw new InputError('invalid_request', 'enabled is true or false', 400);
  return inTx(db, async (trx) => {
    await checkProfile(trx, config);
    try {
      const r = await trx
        .insertInto('inventory_sources')
        .values({
          name, kind, config: jsonb(config), secrets_enc: token ? encryptSecret(keyring, JSON.stringify({ token })) : null,
          enabled: input.enabled ?? true, schedule_cron: cron, schedule_timezone: tz, updated_at: new Date(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return getSource(trx, r.id);
    } catch (err) {
      if (isUniqueViolation(err)) throw taken(name);
      throw err;
    }
  });
}

export async function updateSource(db: Db, keyring: Keyring, idOrName: string, patch: Partial<Omit<SourceInput, 'kind'>>): Promise<SourceView> {
  if (!isPlainObject(patch)) throw new InputError('invalid_request', 'a source change is a JSON object of the fields to change', 400);
  return inTx(db, async (trx) => {
    const s = await getSource(trx, idOrName);
    const set: Record<string, unknown> = {};
    if (patch.name !== undefined) set.name = validateObjectName('source', patch.name);
    if (patch.config !== undefined) {
      const config = checkSourceConfig(s.kind, patch.config);
      await checkProfile(trx, config);
      set.config = jsonb(config);
    }
    if (patch.token !== undefined) {
      if (s.kind !== 'netbox' && patch.token !== null) throw new InputError('invalid_source_config', `a ${s.kind} source takes no token`, 400);
      const t = checkToken(patch.token);
      set.secrets_enc = t ? encryptSecret(keyring, JSON.stringify({ token: t })) : null;
    }
    if (patch.enabled !== undefined) {
      if (typeof patch.enabled !== 'boolean') throw new InputError('invalid_request', 'enabled is true or false', 400);
      set.enabled = patch.enabled;
    }
    const tz = patch.schedule_timezone !== undefined ? validateTimezone(patch.schedule_timezone) : s.schedule_timezone;
    if (patch.schedule_timezone !== undefined) set.schedule_timezone = tz;
    if (patch.schedule_cron !== undefined || patch.schedule_timezone !== undefined) {
      set.schedule_cron = validateCron(patch.schedule_cron !== undefined ? patch.schedule_cron : s.schedule_cron, tz);
    }
    if (Object.keys(set).length === 0) return s;
    try {
      await trx.updateTable('inventory_sources').set({ ...set, updated_at: new Date() }).where('id', '=', s.id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw taken(String(set.name));
      throw err;
    }
    return getSource(trx, s.id);
  });
}

/**
 * Delete a source. Its devices stay (with their history); they lose the link to the source
 * (source_id NULL) and are no longer synced. Its sync runs go with it.
 */
export async function deleteSource(db: Db, idOrName: string): Promise<SourceView> {
  return inTx(db, async (trx) => {
    const s = await getSource(trx, idOrName);
    await trx.updateTable('devices').set({ source_id: null, source_key: null, updated_at: new Date() }).where('source_id', '=', s.id).execute();
    await trx.deleteFrom('inventory_sources').where('id', '=', s.id).execute();
    return s;
  });
}
