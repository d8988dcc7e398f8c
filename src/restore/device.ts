// The device a restore talks to: its row, credentials, driver, protocol and settings (group →
// device → the version's backup configuration), and fetching its config live — the same way a
// backup fetches it, so that live and stored text compare like for like.
import type { Db } from '../db/index.ts';
import { findDriver } from '../drivers/index.ts';
import type { Driver } from '../drivers/types.ts';
import { InputError, NetkeepError, classify } from '../errors.ts';
import { fetchConfig } from '../backup/fetch.ts';
import { isFileProtocol, protocolFetcher } from '../backup/protocols.ts';
import type { ProtocolFetchOptions, TlsOptions } from '../backup/protocol-types.ts';
import { resolveCredentials, transportCredentials } from '../inventory/credentials.ts';
import type { Keyring } from '../security/masterkey.ts';
import type { AlgorithmProfile, Credentials, HostKeyPolicy, Timeouts } from '../transports/types.ts';

export interface RestoreDevice {
  id: string;
  name: string;
  address: string;
  port: number | undefined;
  protocol: string;
  driverId: string;
  driver: Driver | undefined;
  credentials: Credentials;
  options: Record<string, unknown>;
  hostKey: HostKeyPolicy;
  timeouts: Partial<Timeouts>;
  /** Lines the protocol itself calls volatile (SNMP counters…), for comparisons. */
  volatile?: RegExp[];
}

function obj(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function merged(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const l of layers) for (const [k, v] of Object.entries(l)) out[k] = k === 'timeouts' ? { ...obj(out[k]), ...obj(v) } : v;
  return out;
}

function timeoutsOf(options: Record<string, unknown>): Partial<Timeouts> {
  const t: Partial<Timeouts> = {};
  const o = obj(options.timeouts);
  for (const k of ['connectMs', 'idleMs', 'sessionMs'] as const) if (typeof o[k] === 'number' && (o[k] as number) > 0) t[k] = o[k] as number;
  if (typeof options.timeout === 'number' && options.timeout > 0) {
    t.connectMs ??= options.timeout * 1000;
    t.idleMs ??= options.timeout * 1000;
  }
  return t;
}

/** Load the device of a version, ready to talk to. Bad set-up is an InputError the person can fix. */
export async function loadRestoreDevice(db: Db, keyring: Keyring, deviceId: string, configId: string): Promise<RestoreDevice> {
  const d = await db
    .selectFrom('devices as d')
    .leftJoin('device_groups as g', 'g.id', 'd.group_id')
    .select(['d.id', 'd.name', 'd.address', 'd.port', 'd.driver', 'd.protocol', 'd.credential_profile_id', 'd.options', 'd.host_key', 'g.options as group_options'])
    .where('d.id', '=', deviceId)
    .executeTakeFirst();
  if (!d) throw new InputError('device_not_found', `the device of this version no longer exists; nothing can be restored to it`, 404);
  const cfg = await db.selectFrom('backup_configs').select(['protocol', 'options']).where('id', '=', configId).executeTakeFirst();
  const options = merged(obj(d.group_options), obj(d.options), obj(cfg?.options));
  const protocol = cfg?.protocol ?? d.protocol;
  // SNMP takes its community / v3 keys from the options: a credential profile is optional there
  if (!d.credential_profile_id && protocol !== 'snmp') {
    throw new InputError('no_credentials', `device ${d.name} has no credential profile, so netkeep cannot log in to restore it; give it one (PATCH /api/v1/devices/${d.name} with {"credential_profile": NAME}) and run the dry run again`, 409);
  }
  const none = { username: null, password: null, enablePassword: null, privateKey: null, passphrase: null };
  const c = d.credential_profile_id ? await resolveCredentials(db, keyring, d.credential_profile_id) : none;
  const driver = findDriver(d.driver);
  if (!isFileProtocol(protocol) && !driver) {
    throw new InputError('unknown_driver', `device ${d.name} uses driver "${d.driver}", which netkeep does not know; set a driver from 'netkeep drivers' on the device`, 409);
  }
  const hostKey: HostKeyPolicy = d.host_key
    ? { pinned: d.host_key }
    : {
        onFirstUse: async (key: string) => {
          await db.updateTable('devices').set({ host_key: key, updated_at: new Date() }).where('id', '=', d.id).where('host_key', 'is', null).execute();
        },
      };
  return {
    id: d.id,
    name: d.name,
    address: d.address,
    port: d.port ?? undefined,
    protocol,
    driverId: d.driver,
    driver,
    credentials: transportCredentials(c),
    options,
    hostKey,
    timeouts: timeoutsOf(options),
  };
}

/** Protocol settings (flat in the options, or under the protocol's name). */
export function protocolOptions(dev: RestoreDevice): Record<string, unknown> {
  return { ...dev.options, ...obj(dev.options[dev.protocol]) };
}

/** How a protocol fetcher or pusher (RESTCONF, SFTP, SNMP) reaches the device: as a backup does. */
export function fetchOptionsOf(dev: RestoreDevice): ProtocolFetchOptions {
  return {
    host: dev.address,
    ...(dev.port ? { port: dev.port } : {}),
    credentials: dev.credentials,
    options: protocolOptions(dev),
    hostKey: dev.hostKey,
    tls: obj(dev.options.tls) as TlsOptions,
    timeouts: dev.timeouts,
  };
}

/** Fetch the device's config now, exactly as a backup would. Failures name the device. */
export async function fetchLive(dev: RestoreDevice): Promise<string> {
  try {
    if (isFileProtocol(dev.protocol)) {
      const fetcher = await protocolFetcher(dev.protocol);
      const r = await fetcher(fetchOptionsOf(dev));
      if (r.volatile) dev.volatile = r.volatile;
      return r.config;
    }
    if (dev.protocol !== 'ssh' && dev.protocol !== 'telnet') {
      throw new NetkeepError('config_error', `protocol "${dev.protocol}" is not one netkeep knows; use ssh, telnet, snmp, netconf, rest or sftp`);
    }
    const r = await fetchConfig({
      host: dev.address,
      ...(dev.port ? { port: dev.port } : {}),
      protocol: dev.protocol,
      driver: dev.driver!,
      credentials: dev.credentials,
      timeouts: dev.timeouts,
      ...(typeof dev.options.algorithms === 'string' ? { algorithms: dev.options.algorithms as AlgorithmProfile } : {}),
      ...(dev.options.vars && typeof dev.options.vars === 'object' ? { vars: dev.options.vars as Record<string, unknown> } : {}),
      ...(typeof dev.options.mask_secrets === 'boolean' ? { maskSecrets: dev.options.mask_secrets } : {}),
      hostKey: dev.hostKey,
    });
    return r.config;
  } catch (err) {
    const e = classify(err, dev.name);
    throw e.message.includes(dev.name) ? e : new NetkeepError(e.failureClass, `${dev.name}: ${e.message}`, e.details, { cause: e });
  }
}
