// Devices: what to back up, how to reach it, with which driver and credentials.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { jsonb } from '../db/index.ts';
import { findDriver } from '../drivers/index.ts';
import { InputError } from '../errors.ts';
import { inTx, isForeignKeyViolation, isPlainObject, isUniqueViolation, isUuid, likePattern, page } from './common.ts';
import { findCredentialProfile } from './credentials.ts';
import { findGroup, validateOptions } from './groups.ts';

export const PROTOCOLS = ['ssh', 'telnet', 'snmp', 'netconf', 'rest', 'sftp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface DeviceInput {
  name: string;
  address: string;
  port?: number | null;
  driver: string;
  protocol?: string;
  /** Group name or id; null for none. */
  group?: string | null;
  site?: string | null;
  tags?: string[];
  enabled?: boolean;
  /** Credential profile name or id; null for none. */
  credential_profile?: string | null;
  zone?: string | null;
  options?: Record<string, unknown>;
  /** Where the device came from: manual (default), csv, router.db, netbox. */
  source?: string;
}

export interface DeviceView {
  id: string;
  name: string;
  address: string;
  port: number | null;
  driver: string;
  protocol: string;
  group: string | null;
  group_id: string | null;
  site: string | null;
  tags: string[];
  enabled: boolean;
  credential_profile: string | null;
  credential_profile_id: string | null;
  zone: string | null;
  options: Record<string, unknown>;
  source: string;
  has_host_key: boolean;
  host_key_pending: boolean;
  orphaned_at: Date | null;
  last_status: string | null;
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  last_change_at: Date | null;
  failing_since: Date | null;
  consecutive_failures: number;
  last_error: string | null;
  last_error_class: string | null;
  created_at: Date;
  updated_at: Date;
}

export const DEVICE_SORTS = ['name', 'address', 'driver', 'group', 'site', 'last_status', 'last_success_at', 'last_change_at', 'created_at'] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,254}$/;
const HOST_RE = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const TAG_RE = /^[^\s,;\x00-\x1f\x7f]{1,64}$/;
const ZONE_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DRIVER_RE = /^[a-z0-9_-]{1,64}$/;

export function validateDeviceName(name: unknown): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (!NAME_RE.test(n) || isUuid(n)) {
    throw new InputError(
      'invalid_device_name',
      `device name "${String(name)}" is not valid: use 1–255 letters, digits, ".", "_", "-", ":", "@" or "+", starting with a letter or digit (a host name works)`,
      400,
    );
  }
  return n;
}

export function validateAddress(address: unknown): string {
  const a = typeof address === 'string' ? address.trim() : '';
  if (!(isIP(a) || HOST_RE.test(a))) {
    throw new InputError('invalid_address', `address "${String(address)}" is neither an IP address nor a host name; give e.g. 192.0.2.1, 2001:db8::1 or sw1.example.net`, 400);
  }
  return a;
}

export function validatePort(port: unknown): number | null {
  if (port === null || port === undefined) return null;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError('invalid_port', `port ${String(port)} is not a TCP port; give a whole number from 1 to 65535, or leave it empty for the protocol's default`, 400);
  }
  return port;
}

/** The canonical driver id for an id or alias; InputError('unknown_driver') otherwise. */
export function validateDriver(driver: unknown): { id: string; protocols: readonly string[] } {
  const d = typeof driver === 'string' ? driver.trim().toLowerCase() : '';
  if (DRIVER_RE.test(d)) {
    const found = findDriver(d);
    if (found) return { id: found.id, protocols: found.protocols };
  }
  throw new InputError('unknown_driver', `no driver "${String(driver)}"; run \`netkeep drivers\` (or GET /api/v1/drivers) for the list — Oxidized model names work too`, 400);
}

export function validateProtocol(protocol: unknown): Protocol {
  if (!PROTOCOLS.includes(protocol as Protocol)) {
    throw new InputError('invalid_protocol', `protocol "${String(protocol)}" is not supported; use one of ${PROTOCOLS.join(', ')}`, 400);
  }
  return protocol as Protocol;
}

export function validateTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw new InputError('invalid_tags', 'tags must be a list of strings; give [] for none', 400);
  const out: string[] = [];
  for (const t of tags) {
    if (typeof t !== 'string' || !TAG_RE.test(t.trim())) {
      throw new InputError('invalid_tags', `tag "${String(t)}" is not valid: 1–64 characters without spaces, "," or ";"; fix it`, 400);
    }
    if (!out.includes(t.trim())) out.push(t.trim());
  }
  if (out.length > 100) throw new InputError('invalid_tags', 'a device has at most 100 tags; use fewer', 400);
  return out;
}

function validateSite(site: unknown): string | null {
  if (site === null || site === undefined || site === '') return null;
  if (typeof site !== 'string' || site.length > 255 || /[\x00-\x1f\x7f]/.test(site)) {
    throw new InputError('invalid_site', 'a site is up to 255 characters without control characters; fix it', 400);
  }
  return site.trim();
}

function validateZone(zone: unknown): string | null {
  if (zone === null || zone === undefined || zone === '') return null;
  if (typeof zone !== 'string' || !ZONE_RE.test(zone)) {
    throw new InputError('invalid_zone', `zone "${String(zone)}" is not valid: 1–64 lower-case letters, digits, "_" or "-"`, 400);
  }
  return zone;
}

async function resolveGroupRef(db: Db, group: string | null | undefined): Promise<string | null> {
  if (group === null || group === undefined || group === '') return null;
  const g = await findGroup(db, String(group));
  if (!g) throw new InputError('group_not_found', `no group with id or name "${group}"; create the group first or give an existing one`, 400);
  return g.id;
}

async function resolveProfileRef(db: Db, profile: string | null | undefined): Promise<string | null> {
  if (profile === null || profile === undefined || profile === '') return null;
  const p = await findCredentialProfile(db, String(profile));
  if (!p) {
    throw new InputError('credential_profile_not_found', `no credential profile with id or name "${profile}"; create it first or give an existing one`, 400);
  }
  return p.id;
}

function deviceQuery(db: Db) {
  return db
    .selectFrom('devices as d')
    .leftJoin('device_groups as g', 'g.id', 'd.group_id')
    .leftJoin('credential_profiles as p', 'p.id', 'd.credential_profile_id')
    .selectAll('d')
    .select(['g.name as group_name', 'p.name as profile_name']);
}

type DeviceRow = Awaited<ReturnType<ReturnType<typeof deviceQuery>['executeTakeFirstOrThrow']>>;

function view(r: DeviceRow): DeviceView {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    port: r.port,
    driver: r.driver,
    protocol: r.protocol,
    group: r.group_name,
    group_id: r.group_id,
    site: r.site,
    tags: r.tags,
    enabled: r.enabled,
    credential_profile: r.profile_name,
    credential_profile_id: r.credential_profile_id,
    zone: r.zone,
    options: r.options,
    source: r.source,
    has_host_key: r.host_key !== null,
    host_key_pending: r.host_key_pending !== null,
    orphaned_at: r.orphaned_at,
    last_status: r.last_status,
    last_attempt_at: r.last_attempt_at,
    last_success_at: r.last_success_at,
    last_change_at: r.last_change_at,
    failing_since: r.failing_since,
    consecutive_failures: Number(r.consecutive_failures),
    last_error: r.last_error,
    last_error_class: r.last_error_class,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

function nameTaken(name: string): InputError {
  return new InputError('device_name_taken', `a device named "${name}" already exists; choose another name or update that device`, 409);
}

export async function findDevice(db: Db, idOrName: string): Promise<DeviceView | undefined> {
  if (typeof idOrName !== 'string') return undefined;
  if (isUuid(idOrName)) {
    const r = await deviceQuery(db).where('d.id', '=', idOrName).executeTakeFirst();
    if (r) return view(r);
  }
  const r = await deviceQuery(db).where('d.name', '=', idOrName.trim()).executeTakeFirst();
  return r ? view(r) : undefined;
}

export async function getDevice(db: Db, idOrName: string): Promise<DeviceView> {
  const d = await findDevice(db, idOrName);
  if (!d) throw new InputError('device_not_found', `no device with id or name "${idOrName}"; list the devices to find the right one`, 404);
  return d;
}

export async function createDevice(db: Db, input: DeviceInput): Promise<DeviceView> {
  if (!isPlainObject(input)) throw new InputError('invalid_request', 'a device is a JSON object with at least name, address and driver', 400);
  const name = validateDeviceName(input.name);
  const address = validateAddress(input.address);
  const port = validatePort(input.port);
  const driver = validateDriver(input.driver);
  const protocol = validateProtocol(input.protocol ?? driver.protocols[0] ?? 'ssh');
  const tags = validateTags(input.tags ?? []);
  const site = validateSite(input.site);
  const zone = validateZone(input.zone);
  const options = validateOptions('device', input.options ?? {});
  const enabled = input.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new InputError('invalid_request', 'enabled is true or false', 400);
  const source = input.source ?? 'manual';
  return inTx(db, async (trx) => {
    const group_id = await resolveGroupRef(trx, input.group);
    const credential_profile_id = await resolveProfileRef(trx, input.credential_profile);
    if (await findDevice(trx, name)) throw nameTaken(name);
    try {
      const r = await trx
        .insertInto('devices')
        .values({
          name, address, port, driver: driver.id, protocol, group_id, site, tags: jsonb(tags), enabled, credential_profile_id, zone,
          options: jsonb(options), source, host_key: null, host_key_pending: null, last_status: null, last_error: null, last_error_class: null,
          updated_at: new Date(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return getDevice(trx, r.id);
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(name);
      throw err;
    }
  });
}

export interface DeviceListOptions {
  limit?: number;
  offset?: number;
  /** Search in name, address and site (case-insensitive substring). */
  q?: string;
  /** Group name or id. */
  group?: string;
  sort?: DeviceSort;
  order?: 'asc' | 'desc';
  enabled?: boolean;
  status?: string;
}

export async function listDevices(db: Db, opts: DeviceListOptions = {}): Promise<{ items: DeviceView[]; total: number }> {
  const { limit, offset } = page(opts);
  let q = deviceQuery(db);
  if (opts.q) {
    const p = likePattern(opts.q);
    q = q.where((eb) => eb.or([eb('d.name', 'ilike', p), eb('d.address', 'ilike', p), eb('d.site', 'ilike', p)]));
  }
  if (opts.group !== undefined) {
    const g = await findGroup(db, opts.group);
    if (!g) return { items: [], total: 0 };
    q = q.where('d.group_id', '=', g.id);
  }
  if (opts.enabled !== undefined) q = q.where('d.enabled', '=', opts.enabled);
  if (opts.status !== undefined) {
    if (opts.status === 'never') q = q.where('d.last_status', 'is', null);
    else if (opts.status === 'orphaned') q = q.where('d.orphaned_at', 'is not', null);
    else if (opts.status === 'success' || opts.status === 'failure') q = q.where('d.last_status', '=', opts.status);
    else throw new InputError('invalid_status', `no device status "${opts.status}"; use success (ok), failure (failing), never (never backed up) or orphaned (gone from its inventory source)`, 400);
  }
  const sort = opts.sort ?? 'name';
  if (!DEVICE_SORTS.includes(sort)) throw new InputError('invalid_sort', `cannot sort devices by "${sort}"; use one of ${DEVICE_SORTS.join(', ')}`, 400);
  const order = opts.order === 'desc' ? 'desc' : 'asc';
  const col = sort === 'group' ? 'g.name' : (`d.${sort}` as const);
  const [rows, count] = await Promise.all([
    q
      .orderBy(sql.ref(col), (ob) => (order === 'desc' ? ob.desc() : ob.asc()).nullsLast())
      .orderBy('d.name')
      .limit(limit)
      .offset(offset)
      .execute(),
    q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(view), total: Number(count.n) };
}

export type DevicePatch = Partial<Omit<DeviceInput, 'source'>>;

export async function updateDevice(db: Db, idOrName: string, patch: DevicePatch): Promise<DeviceView> {
  if (!isPlainObject(patch)) throw new InputError('invalid_request', 'a device change is a JSON object of the fields to change', 400);
  return inTx(db, async (trx) => {
    const d = await getDevice(trx, idOrName);
    const set: Record<string, unknown> = {};
    if (patch.name !== undefined) {
      const name = validateDeviceName(patch.name);
      if (name !== d.name) {
        const other = await findDevice(trx, name);
        if (other && other.id !== d.id) throw nameTaken(name);
      }
      set.name = name;
    }
    if (patch.address !== undefined) set.address = validateAddress(patch.address);
    if (patch.port !== undefined) set.port = validatePort(patch.port);
    if (patch.driver !== undefined) set.driver = validateDriver(patch.driver).id;
    if (patch.protocol !== undefined) set.protocol = validateProtocol(patch.protocol);
    if (patch.group !== undefined) set.group_id = await resolveGroupRef(trx, patch.group);
    if (patch.site !== undefined) set.site = validateSite(patch.site);
    if (patch.tags !== undefined) set.tags = jsonb(validateTags(patch.tags));
    if (patch.enabled !== undefined) {
      if (typeof patch.enabled !== 'boolean') throw new InputError('invalid_request', 'enabled is true or false', 400);
      set.enabled = patch.enabled;
    }
    if (patch.credential_profile !== undefined) set.credential_profile_id = await resolveProfileRef(trx, patch.credential_profile);
    if (patch.zone !== undefined) set.zone = validateZone(patch.zone);
    if (patch.options !== undefined) set.options = jsonb(validateOptions('device', patch.options));
    if (Object.keys(set).length === 0) return d;
    try {
      await trx.updateTable('devices').set({ ...set, updated_at: new Date() }).where('id', '=', d.id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(String(set.name));
      throw err;
    }
    return getDevice(trx, d.id);
  });
}

/**
 * Delete a device and its backup configurations. Refuses (409 device_has_history) when backups of
 * it were recorded: history is never deleted with a device — disable the device instead.
 */
export async function deleteDevice(db: Db, idOrName: string): Promise<DeviceView> {
  return inTx(db, async (trx) => {
    const d = await getDevice(trx, idOrName);
    const h = await trx.selectFrom('backup_history').select('id').where('device_id', '=', d.id).limit(1).executeTakeFirst();
    if (h) {
      throw new InputError(
        'device_has_history',
        `device "${d.name}" has backup history, which netkeep never deletes with a device; disable it instead (PATCH it with {"enabled": false})`,
        409,
      );
    }
    try {
      await trx.deleteFrom('backup_configs').where('device_id', '=', d.id).execute();
      await trx.deleteFrom('devices').where('id', '=', d.id).execute();
    } catch (err) {
      if (isForeignKeyViolation(err)) {
        throw new InputError('device_has_history', `device "${d.name}" got backup history while being deleted; disable it instead (PATCH it with {"enabled": false})`, 409);
      }
      throw err;
    }
    return d;
  });
}

/**
 * Accept the SSH host key a device presented that differs from the pinned one (after an operator
 * checked it, e.g. the device was replaced): it becomes the pinned key and backups resume.
 */
export async function acceptHostKey(db: Db, idOrName: string): Promise<{ device: DeviceView; previous: string | null; accepted: string }> {
  return inTx(db, async (trx) => {
    const d = await getDevice(trx, idOrName);
    const row = await trx.selectFrom('devices').select(['host_key', 'host_key_pending']).where('id', '=', d.id).forUpdate().executeTakeFirstOrThrow();
    if (!row.host_key_pending) {
      throw new InputError(
        'no_pending_host_key',
        `device "${d.name}" has no changed host key waiting to be accepted${row.host_key ? '; its pinned key is still valid' : '; no key is pinned yet (the next backup pins it)'}`,
        409,
      );
    }
    await trx.updateTable('devices').set({ host_key: row.host_key_pending, host_key_pending: null, updated_at: new Date() }).where('id', '=', d.id).execute();
    return { device: await getDevice(trx, d.id), previous: row.host_key, accepted: row.host_key_pending };
  });
}

/** Forget a device's pinned host key: the next backup trusts and pins whatever key it sees. */
export async function forgetHostKey(db: Db, idOrName: string): Promise<DeviceView> {
  return inTx(db, async (trx) => {
    const d = await getDevice(trx, idOrName);
    await trx.updateTable('devices').set({ host_key: null, host_key_pending: null, updated_at: new Date() }).where('id', '=', d.id).execute();
    return getDevice(trx, d.id);
  });
}

/** The pinned and pending host keys with their SHA-256 fingerprints, for an operator to compare. */
export async function hostKeys(db: Db, idOrName: string): Promise<{ pinned: string | null; pending: string | null; pinned_fingerprint: string | null; pending_fingerprint: string | null }> {
  const d = await getDevice(db, idOrName);
  const row = await db.selectFrom('devices').select(['host_key', 'host_key_pending']).where('id', '=', d.id).executeTakeFirstOrThrow();
  return { pinned: row.host_key, pending: row.host_key_pending, pinned_fingerprint: fingerprint(row.host_key), pending_fingerprint: fingerprint(row.host_key_pending) };
}

/** OpenSSH-style "SHA256:<base64>" fingerprint of "<algo> <base64 key>". */
export function fingerprint(key: string | null): string | null {
  if (!key) return null;
  const b64 = key.trim().split(/\s+/)[1] ?? key.trim();
  return 'SHA256:' + createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '');
}
