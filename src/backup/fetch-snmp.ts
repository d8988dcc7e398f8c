// SNMP backups: a full-state document (a sorted, named walk of the configured subtrees) or, where
// the device supports CISCO-CONFIG-COPY-MIB, its running/startup config copied by TFTP to
// netkeep's own server. And the reverse for restore: the device copies a config from netkeep.
import { randomBytes } from 'node:crypto';
import { NetkeepError, classify } from '../errors.ts';
import type { Facts } from '../drivers/types.ts';
import { ObjectType, compareOids, openSnmpSession, type SnmpAuthProtocol, type SnmpClient, type SnmpLevel, type SnmpPrivProtocol, type SnmpSessionOptions, type SnmpVarbind, type SnmpVersion } from '../transports/snmp.ts';
import { acquireTftpServer } from '../transports/tftp.ts';
import type { ProtocolFetchOptions, ProtocolFetchResult, ProtocolFetcher } from './protocol-types.ts';

// ---------------------------------------------------------------------------------------------
// Names for the default subtrees (no MIB files needed).

interface NamedSubtree {
  name: string;
  oid: string;
}

/** Subtree names accepted in `options.subtrees`, and the default set. */
export const SUBTREES: Record<string, string> = {
  system: '1.3.6.1.2.1.1',
  interfaces: '1.3.6.1.2.1.2',
  ifXTable: '1.3.6.1.2.1.31.1.1',
  ipAddrTable: '1.3.6.1.2.1.4.20',
  entPhysicalTable: '1.3.6.1.2.1.47.1.1.1',
  lldpRemTable: '1.0.8802.1.1.2.1.4.1',
  lldpLocPortTable: '1.0.8802.1.1.2.1.3.7',
};

export const DEFAULT_SUBTREES = ['system', 'interfaces', 'ifXTable', 'ipAddrTable', 'entPhysicalTable', 'lldpRemTable'];

function columns(base: string, names: string[], first = 1): NamedSubtree[] {
  return names.map((n, i) => ({ name: n, oid: `${base}.${i + first}` })).filter((c) => c.name !== '');
}

/** Object names: the OID of the object (scalar or column), without instance. */
const NAMES: NamedSubtree[] = [
  ...columns('1.3.6.1.2.1.1', ['sysDescr', 'sysObjectID', 'sysUpTime', 'sysContact', 'sysName', 'sysLocation', 'sysServices', 'sysORLastChange']),
  ...columns('1.3.6.1.2.1.1.9.1', ['', 'sysORID', 'sysORDescr', 'sysORUpTime']),
  { name: 'ifNumber', oid: '1.3.6.1.2.1.2.1' },
  ...columns('1.3.6.1.2.1.2.2.1', [
    'ifIndex', 'ifDescr', 'ifType', 'ifMtu', 'ifSpeed', 'ifPhysAddress', 'ifAdminStatus', 'ifOperStatus', 'ifLastChange',
    'ifInOctets', 'ifInUcastPkts', 'ifInNUcastPkts', 'ifInDiscards', 'ifInErrors', 'ifInUnknownProtos',
    'ifOutOctets', 'ifOutUcastPkts', 'ifOutNUcastPkts', 'ifOutDiscards', 'ifOutErrors', 'ifOutQLen', 'ifSpecific',
  ]),
  ...columns('1.3.6.1.2.1.31.1.1.1', [
    'ifName', 'ifInMulticastPkts', 'ifInBroadcastPkts', 'ifOutMulticastPkts', 'ifOutBroadcastPkts',
    'ifHCInOctets', 'ifHCInUcastPkts', 'ifHCInMulticastPkts', 'ifHCInBroadcastPkts',
    'ifHCOutOctets', 'ifHCOutUcastPkts', 'ifHCOutMulticastPkts', 'ifHCOutBroadcastPkts',
    'ifLinkUpDownTrapEnable', 'ifHighSpeed', 'ifPromiscuousMode', 'ifConnectorPresent', 'ifAlias', 'ifCounterDiscontinuityTime',
  ]),
  ...columns('1.3.6.1.2.1.4.20.1', ['ipAdEntAddr', 'ipAdEntIfIndex', 'ipAdEntNetMask', 'ipAdEntBcastAddr', 'ipAdEntReasmMaxSize']),
  ...columns('1.3.6.1.2.1.47.1.1.1.1', [
    '', 'entPhysicalDescr', 'entPhysicalVendorType', 'entPhysicalContainedIn', 'entPhysicalClass', 'entPhysicalParentRelPos',
    'entPhysicalName', 'entPhysicalHardwareRev', 'entPhysicalFirmwareRev', 'entPhysicalSoftwareRev', 'entPhysicalSerialNum',
    'entPhysicalMfgName', 'entPhysicalModelName', 'entPhysicalAlias', 'entPhysicalAssetID', 'entPhysicalIsFRU',
    'entPhysicalMfgDate', 'entPhysicalUris', 'entPhysicalUUID',
  ]),
  ...columns('1.0.8802.1.1.2.1.4.1.1', [
    '', '', '', 'lldpRemChassisIdSubtype', 'lldpRemChassisId', 'lldpRemPortIdSubtype', 'lldpRemPortId', 'lldpRemPortDesc',
    'lldpRemSysName', 'lldpRemSysDesc', 'lldpRemSysCapSupported', 'lldpRemSysCapEnabled',
  ]),
  ...columns('1.0.8802.1.1.2.1.3.7.1', ['', 'lldpLocPortIdSubtype', 'lldpLocPortId', 'lldpLocPortDesc']),
];
const NAME_BY_OID = new Map(NAMES.map((n) => [n.oid, n.name]));
const LLDP_REM_ENTRY = '1.0.8802.1.1.2.1.4.1.1';

/** `<name>.<instance>` when the object is known, else the numeric OID. */
export function oidName(oid: string): string {
  const parts = oid.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const name = NAME_BY_OID.get(parts.slice(0, i).join('.'));
    if (name) return `${name}.${parts.slice(i).join('.')}`;
  }
  return oid;
}

/**
 * The OID a line is sorted and named by. lldpRemTable rows are indexed by
 * lldpRemTimeMark.lldpRemLocalPortNum.lldpRemIndex; the time mark changes whenever the
 * neighbour is relearnt, so it is dropped to keep the document stable.
 */
function stableOid(oid: string): string {
  if (oid.startsWith(`${LLDP_REM_ENTRY}.`)) {
    const rest = oid.slice(LLDP_REM_ENTRY.length + 1).split('.');
    if (rest.length >= 4) return [LLDP_REM_ENTRY, rest[0], ...rest.slice(2)].join('.');
  }
  return oid;
}

// ---------------------------------------------------------------------------------------------
// Rendering

const TYPE_LABEL: Record<number, string> = {
  [ObjectType.Boolean]: 'BOOLEAN',
  [ObjectType.Integer]: 'INTEGER',
  [ObjectType.OctetString]: 'STRING',
  [ObjectType.Null]: 'NULL',
  [ObjectType.OID]: 'OID',
  [ObjectType.IpAddress]: 'IpAddress',
  [ObjectType.Counter]: 'Counter32',
  [ObjectType.Gauge]: 'Gauge32',
  [ObjectType.TimeTicks]: 'TimeTicks',
  [ObjectType.Opaque]: 'Opaque',
  [ObjectType.Counter64]: 'Counter64',
};

function hex(b: Buffer): string {
  return [...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

function isPrintable(b: Buffer): boolean {
  for (const c of b) {
    if (c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

function asBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  return Buffer.alloc(0);
}

/** `<type>: <value>`, stable for equal values. Throws protocol_error for values of the wrong shape. */
export function renderValue(vb: SnmpVarbind, where = ''): string {
  const bad = () => new NetkeepError('protocol_error', `${where}the agent sent a malformed value for ${vb.oid} (type ${vb.type}); check the agent`);
  const v = vb.value;
  switch (vb.type) {
    case ObjectType.OctetString: {
      const b = asBuffer(v);
      // an all-printable string with a trailing NUL is common (C strings): drop the NUL
      const trimmed = b.length > 0 && b[b.length - 1] === 0 && isPrintable(b.subarray(0, -1)) ? b.subarray(0, -1) : b;
      if (trimmed.length === 0) return 'STRING: ""';
      return isPrintable(trimmed) ? `STRING: ${quote(trimmed.toString('latin1'))}` : `Hex-STRING: ${hex(b)}`;
    }
    case ObjectType.Opaque:
      return `Opaque: ${hex(asBuffer(v))}`;
    case ObjectType.Integer:
    case ObjectType.Counter:
    case ObjectType.Gauge:
    case ObjectType.TimeTicks:
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
      return `${TYPE_LABEL[vb.type]}: ${v}`;
    case ObjectType.Counter64: {
      if (typeof v === 'bigint' || typeof v === 'number') return `Counter64: ${v}`;
      const b = asBuffer(v);
      if (b.length > 9) throw bad();
      let n = 0n;
      for (const x of b) n = (n << 8n) | BigInt(x);
      return `Counter64: ${n}`;
    }
    case ObjectType.IpAddress:
      if (typeof v !== 'string' || !/^\d+\.\d+\.\d+\.\d+$/.test(v)) throw bad();
      return `IpAddress: ${v}`;
    case ObjectType.OID:
      if (typeof v !== 'string' || !/^\d+(\.\d+)*$/.test(v)) throw bad();
      return `OID: ${v}`;
    case ObjectType.Boolean:
      return `BOOLEAN: ${v ? 'true' : 'false'}`;
    case ObjectType.Null:
      return 'NULL';
    default:
      throw bad();
  }
}

/** Lines that change on every poll (uptime, counters, time stamps): ignored for "significant". */
export const SNMP_VOLATILE: RegExp[] = [
  /^\S+ = (?:Counter32|Counter64|TimeTicks): /,
  /^(?:sysUpTime|sysORLastChange|sysORUpTime|ifLastChange|ifCounterDiscontinuityTime|lldpRemTimeMark)\.\S* = /,
  /^1\.3\.6\.1\.2\.1\.25\.1\.2\.0 = /, // hrSystemDate
];

function stringValue(vb: SnmpVarbind | undefined): string | undefined {
  if (!vb || vb.type !== ObjectType.OctetString) return undefined;
  const s = asBuffer(vb.value).toString('utf8').replace(/\0+$/, '').trim();
  return s || undefined;
}

/** The full-state document: header comments, then one sorted line per varbind. */
export function renderFullState(varbinds: SnmpVarbind[], where = ''): string {
  const byOid = new Map<string, SnmpVarbind>();
  for (const vb of varbinds) byOid.set(vb.oid, vb);
  const rows = [...byOid.values()].map((vb) => ({ key: stableOid(vb.oid), vb }));
  rows.sort((a, b) => compareOids(a.key, b.key));
  const lines: string[] = [];
  const sysName = stringValue(byOid.get('1.3.6.1.2.1.1.5.0'));
  const sysDescr = stringValue(byOid.get('1.3.6.1.2.1.1.1.0'));
  lines.push('# netkeep SNMP full-state');
  if (sysName) lines.push(`# sysName: ${sysName.replace(/\s+/g, ' ')}`);
  if (sysDescr) lines.push(`# sysDescr: ${sysDescr.replace(/\s+/g, ' ')}`);
  for (const { key, vb } of rows) lines.push(`${oidName(key)} = ${renderValue(vb, where)}`);
  return `${lines.join('\n')}\n`;
}

const ENT = '1.3.6.1.2.1.47.1.1.1.1';

/** Model, OS version and serial from ENTITY-MIB (chassis first) and sysDescr. */
export function snmpFacts(varbinds: SnmpVarbind[]): Facts {
  const byOid = new Map(varbinds.map((vb) => [vb.oid, vb]));
  const sysDescr = stringValue(byOid.get('1.3.6.1.2.1.1.1.0'));
  const entities = new Map<string, { cls?: number; model?: string; serial?: string; sw?: string }>();
  for (const vb of varbinds) {
    if (!vb.oid.startsWith(`${ENT}.`)) continue;
    const [col, ...idx] = vb.oid.slice(ENT.length + 1).split('.');
    const key = idx.join('.');
    const e = entities.get(key) ?? {};
    if (col === '5' && typeof vb.value === 'number') e.cls = vb.value;
    if (col === '13') e.model = stringValue(vb);
    if (col === '11') e.serial = stringValue(vb);
    if (col === '10') e.sw = stringValue(vb);
    entities.set(key, e);
  }
  const ordered = [...entities.entries()].sort((a, b) => compareOids(a[0], b[0])).map(([, e]) => e);
  const chassis = ordered.find((e) => e.cls === 3 && (e.model || e.serial)) ?? ordered.find((e) => e.model || e.serial);
  const facts: Facts = {};
  const model = chassis?.model ?? ordered.find((e) => e.model)?.model;
  if (model) facts.model = model;
  const serial = chassis?.serial ?? ordered.find((e) => e.serial)?.serial;
  if (serial) facts.serial = serial;
  const version = sysDescr?.match(/\bVersion:?\s+([^\s,]+)/i)?.[1] ?? chassis?.sw ?? sysDescr?.match(/^Linux \S+ (\S+)/)?.[1];
  if (version) facts.osVersion = version;
  if (!facts.model && sysDescr) {
    const m = sysDescr.match(/^Cisco IOS Software, (\S+) Software/) ?? sysDescr.match(/^(\S+(?: \S+)?) (?:Software|Operating System)/);
    if (m?.[1]) facts.model = m[1];
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------
// Options

export interface ConfigCopyOptions {
  method: 'tftp';
  /** Address netkeep's TFTP server binds to. */
  bindAddress: string;
  /** UDP port to bind (default 69: devices always send to 69). */
  port?: number;
  /** Address the device is told to send to (default: bindAddress), e.g. behind NAT. */
  serverAddress?: string;
  /** How long the device may take to copy, ms (default 60000). */
  deadlineMs?: number;
  /** Poll interval for ccCopyState, ms (default 500). */
  pollMs?: number;
}

export interface SnmpOptions {
  version: SnmpVersion;
  community: string;
  user?: string;
  level: SnmpLevel;
  authProtocol: SnmpAuthProtocol;
  authKey?: string;
  privProtocol: SnmpPrivProtocol;
  privKey?: string;
  context?: string;
  subtrees: NamedSubtree[];
  timeoutMs: number;
  retries: number;
  maxRepetitions: number;
  backupType: 'full-state' | 'running-config' | 'startup-config';
  configCopy?: ConfigCopyOptions;
}

const AUTH = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'];
const PRIV = ['des', 'aes', 'aes256b', 'aes256r'];
const LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'];

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Validate and normalize `options` (and the credential profile) into SNMP settings. */
export function parseSnmpOptions(o: ProtocolFetchOptions): SnmpOptions {
  const opt = o.options ?? {};
  const cfg = (msg: string) => new NetkeepError('config_error', `${o.host}: ${msg}`);
  const version = String(opt.version ?? '2c').toLowerCase().replace(/^v/, '');
  if (version !== '2c' && version !== '3') throw cfg(`SNMP version "${String(opt.version)}" is not supported; set options.version to "2c" or "3"`);
  const authProtocol = String(opt.authProtocol ?? 'sha').toLowerCase().replace(/-/g, '');
  if (!AUTH.includes(authProtocol)) throw cfg(`SNMP authProtocol "${String(opt.authProtocol)}" is unknown; use one of ${AUTH.join(', ')}`);
  const privProtocol = String(opt.privProtocol ?? 'aes').toLowerCase().replace(/-/g, '');
  if (!PRIV.includes(privProtocol)) throw cfg(`SNMP privProtocol "${String(opt.privProtocol)}" is unknown; use one of ${PRIV.join(', ')}`);
  const authKey = str(opt.authKey);
  const privKey = str(opt.privKey);
  const user = str(opt.user) ?? o.credentials?.username;
  const level = str(opt.level) ?? (privKey ? 'authPriv' : authKey ? 'authNoPriv' : 'noAuthNoPriv');
  if (!LEVELS.includes(level)) throw cfg(`SNMP level "${level}" is unknown; use one of ${LEVELS.join(', ')}`);
  if (version === '3') {
    if (!user) throw cfg('SNMP v3 needs a user; set options.user');
    if (level !== 'noAuthNoPriv' && (!authKey || authKey.length < 8)) throw cfg('SNMP v3 authKey must be at least 8 characters; set options.authKey');
    if (level === 'authPriv' && (!privKey || privKey.length < 8)) throw cfg('SNMP v3 privKey must be at least 8 characters; set options.privKey');
  }
  const community = str(opt.community) ?? (version === '2c' ? o.credentials?.password : undefined) ?? 'public';

  const rawSubtrees = opt.subtrees === undefined ? DEFAULT_SUBTREES : opt.subtrees;
  const list = typeof rawSubtrees === 'string' ? rawSubtrees.split(/[\s,]+/).filter(Boolean) : rawSubtrees;
  if (!Array.isArray(list) || list.length === 0) throw cfg('options.subtrees must be a non-empty list of subtree names or OIDs');
  const subtrees = list.map((s) => {
    const t = String(s).replace(/^\./, '');
    if (SUBTREES[t]) return { name: t, oid: SUBTREES[t] };
    if (/^\d+(\.\d+)+$/.test(t)) return { name: t, oid: t };
    throw cfg(`unknown SNMP subtree "${String(s)}"; use an OID or one of ${Object.keys(SUBTREES).join(', ')}`);
  });

  const num = (v: unknown, def: number, name: string, min: number) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw cfg(`options.${name} must be a number >= ${min}`);
    return n;
  };
  const timeoutMs = num(opt.timeout, Math.min(o.timeouts?.idleMs ?? 3000, 10_000), 'timeout', 50);
  const retries = num(opt.retries, 1, 'retries', 0);
  const maxRepetitions = Math.floor(num(opt.maxRepetitions, 25, 'maxRepetitions', 1));

  let configCopy: ConfigCopyOptions | undefined;
  if (opt.configCopy !== undefined && opt.configCopy !== null && opt.configCopy !== false) {
    const cc = opt.configCopy as Record<string, unknown>;
    if (typeof cc !== 'object') throw cfg('options.configCopy must be an object {method, bindAddress, port}');
    const method = String(cc.method ?? 'tftp');
    if (method === 'scp') throw cfg('configCopy.method "scp" is not implemented yet; use "tftp"');
    if (method !== 'tftp') throw cfg(`configCopy.method "${method}" is unknown; use "tftp"`);
    const bindAddress = str(cc.bindAddress);
    if (!bindAddress) throw cfg("configCopy.bindAddress is required: the address of netkeep's TFTP server that the device can reach");
    const serverAddress = str(cc.serverAddress) ?? bindAddress;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(serverAddress) || serverAddress === '0.0.0.0') {
      throw cfg('configCopy.serverAddress (or bindAddress) must be the IPv4 address the device sends to; CISCO-CONFIG-COPY-MIB takes an IPv4 address');
    }
    configCopy = {
      method: 'tftp',
      bindAddress,
      serverAddress,
      port: num(cc.port, 69, 'configCopy.port', 0),
      deadlineMs: num(cc.deadlineMs, 60_000, 'configCopy.deadlineMs', 100),
      pollMs: num(cc.pollMs, 500, 'configCopy.pollMs', 10),
    };
  }
  const bt = str(opt.backupType) ?? str(opt.backup_type) ?? (configCopy ? 'running-config' : 'full-state');
  if (bt !== 'full-state' && bt !== 'running-config' && bt !== 'startup-config') throw cfg(`backup type "${bt}" is unknown for SNMP; use full-state, running-config or startup-config`);
  if (bt !== 'full-state' && !configCopy) throw cfg(`a ${bt} backup over SNMP needs options.configCopy {method: "tftp", bindAddress}`);

  return {
    version,
    community,
    level: level as SnmpLevel,
    authProtocol: authProtocol as SnmpAuthProtocol,
    privProtocol: privProtocol as SnmpPrivProtocol,
    subtrees,
    timeoutMs,
    retries,
    maxRepetitions,
    backupType: bt,
    ...(user ? { user } : {}),
    ...(authKey ? { authKey } : {}),
    ...(privKey ? { privKey } : {}),
    ...(str(opt.context) ? { context: str(opt.context)! } : {}),
    ...(configCopy ? { configCopy } : {}),
  };
}

function sessionOptions(o: ProtocolFetchOptions, s: SnmpOptions, sessionMs: number): SnmpSessionOptions {
  return {
    host: o.host,
    ...(o.port !== undefined ? { port: o.port } : {}),
    version: s.version,
    community: s.community,
    ...(s.version === '3'
      ? {
          v3: {
            user: s.user!,
            level: s.level,
            authProtocol: s.authProtocol,
            privProtocol: s.privProtocol,
            ...(s.authKey ? { authKey: s.authKey } : {}),
            ...(s.privKey ? { privKey: s.privKey } : {}),
            ...(s.context ? { context: s.context } : {}),
          },
        }
      : {}),
    timeoutMs: s.timeoutMs,
    retries: s.retries,
    maxRepetitions: s.maxRepetitions,
    sessionMs,
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// CISCO-CONFIG-COPY-MIB

const CC_ENTRY = '1.3.6.1.4.1.9.9.96.1.1.1.1';
export const CC = {
  protocol: `${CC_ENTRY}.2`,
  sourceFileType: `${CC_ENTRY}.3`,
  destFileType: `${CC_ENTRY}.4`,
  serverAddress: `${CC_ENTRY}.5`,
  fileName: `${CC_ENTRY}.6`,
  state: `${CC_ENTRY}.10`,
  failCause: `${CC_ENTRY}.13`,
  rowStatus: `${CC_ENTRY}.14`,
  serverAddressType: `${CC_ENTRY}.15`,
  serverAddressRev1: `${CC_ENTRY}.16`,
} as const;
export const CC_FILE_TYPE = { networkFile: 1, iosFile: 2, startupConfig: 3, runningConfig: 4, terminal: 5 } as const;
export const CC_STATE = { waiting: 1, running: 2, successful: 3, failed: 4 } as const;
const FAIL_CAUSES: Record<number, string> = {
  1: 'unknown',
  2: 'bad file name (check the TFTP server accepts the file)',
  3: 'timeout (the device could not reach the TFTP server)',
  4: 'no memory on the device',
  5: 'no such configuration on the device',
  6: 'unsupported protocol',
  7: 'some configuration commands failed to apply',
  8: 'system not ready',
  9: 'request aborted',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run one copy: create the row (createAndGo), poll ccCopyState, always destroy the row. */
async function runConfigCopy(
  client: SnmpClient,
  where: string,
  cc: ConfigCopyOptions,
  row: { source: number; dest: number; fileName: string },
  transfer: Promise<unknown>,
): Promise<void> {
  const index = 1 + Math.floor(Math.random() * 0x7ffffff0);
  const vb = (oid: string, type: number, value: unknown): SnmpVarbind => ({ oid: `${oid}.${index}`, type, value });
  // RowStatus first: agents that create the row on that varbind then accept the other columns.
  try {
    await client.set([
      vb(CC.rowStatus, ObjectType.Integer, 4), // createAndGo
      vb(CC.protocol, ObjectType.Integer, 1), // tftp
      vb(CC.sourceFileType, ObjectType.Integer, row.source),
      vb(CC.destFileType, ObjectType.Integer, row.dest),
      vb(CC.serverAddress, ObjectType.IpAddress, cc.serverAddress),
      vb(CC.fileName, ObjectType.OctetString, row.fileName),
    ]);
  } catch (err) {
    if (err instanceof NetkeepError && err.failureClass === 'command_rejected') {
      throw new NetkeepError(
        'command_rejected',
        `${where}: the device refused the CISCO-CONFIG-COPY-MIB copy request (${err.message.replace(/^.*?: /, '')}); it needs a read-write community/user with that MIB in its view, or use backupType full-state`,
        undefined,
        { cause: err },
      );
    }
    throw err;
  }
  // settle the transfer's outcome early so a rejection is never unhandled
  let transferError: unknown;
  let transferDone = false;
  transfer.then(
    () => (transferDone = true),
    (e) => {
      transferError = e;
      transferDone = true;
    },
  );
  try {
    const deadline = Date.now() + (cc.deadlineMs ?? 60_000);
    for (;;) {
      const [state, cause] = await client.get([`${CC.state}.${index}`, `${CC.failCause}.${index}`]);
      const s = state?.value;
      if (typeof s !== 'number' || state!.type !== ObjectType.Integer) {
        throw new NetkeepError('protocol_error', `${where}: ccCopyState is missing or not an integer after the copy started; the device's CISCO-CONFIG-COPY-MIB is broken`);
      }
      if (s === CC_STATE.successful) {
        await transfer; // the file must have arrived completely, too
        return;
      }
      if (s === CC_STATE.failed) {
        const c = typeof cause?.value === 'number' ? cause.value : 1;
        if (transferError && c === 3) throw transferError;
        if (c === 3) {
          throw new NetkeepError('timeout', `${where}: the device reports the config copy timed out: it could not reach netkeep's TFTP server ${cc.serverAddress}:${cc.port ?? 69}/udp; check routing, ACLs and the device's tftp source-interface`);
        }
        throw new NetkeepError('command_rejected', `${where}: the device reports the config copy failed: ${FAIL_CAUSES[c] ?? `cause ${c}`}; check the device's log and that it can reach ${cc.serverAddress}:${cc.port ?? 69}/udp`);
      }
      if (transferDone && transferError) throw transferError;
      if (Date.now() > deadline) {
        throw new NetkeepError('timeout', `${where}: the config copy did not finish within ${cc.deadlineMs} ms (ccCopyState ${s}); check that the device can reach ${cc.serverAddress}:${cc.port ?? 69}/udp`);
      }
      await sleep(cc.pollMs ?? 500);
    }
  } finally {
    await client.set([vb(CC.rowStatus, ObjectType.Integer, 6)]).catch(() => {}); // destroy
  }
}

function copyFileName(host: string): string {
  return `netkeep-${host.replace(/[^A-Za-z0-9.-]/g, '_')}-${randomBytes(6).toString('hex')}.cfg`;
}

// ---------------------------------------------------------------------------------------------
// Fetch and push

const FACT_SUBTREES = ['1.3.6.1.2.1.1', `${ENT}.5`, `${ENT}.10`, `${ENT}.11`, `${ENT}.13`];

export const fetchSnmp: ProtocolFetcher = async (o: ProtocolFetchOptions): Promise<ProtocolFetchResult> => {
  const where = `${o.host}${o.port ? `:${o.port}` : ''}`;
  let client: SnmpClient | undefined;
  let release: (() => Promise<void>) | undefined;
  try {
    const s = parseSnmpOptions(o);
    client = openSnmpSession(sessionOptions(o, s, o.timeouts?.sessionMs ?? 300_000));

    if (s.backupType === 'full-state') {
      const all: SnmpVarbind[] = [];
      for (const st of s.subtrees) all.push(...(await client.walk(st.oid)));
      if (all.length === 0) {
        throw new NetkeepError('command_rejected', `${where}: the agent answered but returned nothing under ${s.subtrees.map((t) => t.name).join(', ')}; check the SNMP view for this community/user`);
      }
      const config = renderFullState(all, `${where}: `);
      const entWalked = s.subtrees.some((t) => t.oid === SUBTREES.entPhysicalTable);
      const facts = snmpFacts(entWalked ? all : [...all, ...(await walkQuiet(client, FACT_SUBTREES.slice(1)))]);
      return { config, facts, volatile: SNMP_VOLATILE };
    }

    // running-config / startup-config by CISCO-CONFIG-COPY-MIB
    const cc = s.configCopy!;
    const factVbs: SnmpVarbind[] = [];
    for (const base of FACT_SUBTREES) factVbs.push(...(await walkQuiet(client, [base])));
    if (factVbs.length === 0) {
      throw new NetkeepError('command_rejected', `${where}: the agent answered but returned nothing under system and ENTITY-MIB; check the SNMP view for this community/user`);
    }
    const acquired = await acquireTftpServer({ address: cc.bindAddress, port: cc.port ?? 69 });
    release = acquired.release;
    const fileName = copyFileName(o.host);
    const arrival = acquired.server.expect(fileName, { deadlineMs: cc.deadlineMs ?? 60_000 });
    arrival.catch(() => {});
    try {
      await runConfigCopy(
        client,
        where,
        cc,
        { source: s.backupType === 'startup-config' ? CC_FILE_TYPE.startupConfig : CC_FILE_TYPE.runningConfig, dest: CC_FILE_TYPE.networkFile, fileName },
        arrival,
      );
    } finally {
      acquired.server.cancel(fileName);
    }
    const bytes = await arrival;
    if (bytes.length === 0) throw new NetkeepError('protocol_error', `${where}: the device sent an empty configuration; check that it has one`);
    if (bytes.includes(0)) throw new NetkeepError('protocol_error', `${where}: the device sent binary data, not a configuration text; check the copy source`);
    const config = bytes.toString('utf8').replace(/\r\n/g, '\n');
    return { config: config.endsWith('\n') ? config : `${config}\n`, facts: snmpFacts(factVbs) };
  } catch (err) {
    throw classify(err, where);
  } finally {
    client?.close();
    await release?.();
  }
};

/** Walk these bases, treating "not there" as empty (facts are best effort). */
async function walkQuiet(client: SnmpClient, bases: string[]): Promise<SnmpVarbind[]> {
  const out: SnmpVarbind[] = [];
  for (const b of bases) out.push(...(await client.walk(b)));
  return out;
}

export interface SnmpPushOptions extends ProtocolFetchOptions {
  /** The config text to put on the device. */
  config: string;
  /** Where the device copies it: running-config (merge, as Cisco does) or startup-config. */
  target?: 'running-config' | 'startup-config';
}

/**
 * Restore by SNMP: netkeep's TFTP server offers the config, the device is told (CISCO-CONFIG-COPY-MIB)
 * to copy it from there into its running or startup config. Resolves when the device reports success.
 */
export async function pushSnmpConfigCopy(o: SnmpPushOptions): Promise<{ durationMs: number; bytes: number }> {
  const t0 = performance.now();
  const where = `${o.host}${o.port ? `:${o.port}` : ''}`;
  let client: SnmpClient | undefined;
  let release: (() => Promise<void>) | undefined;
  try {
    const s = parseSnmpOptions({ ...o, options: { ...o.options, backupType: 'running-config' } });
    const cc = s.configCopy!;
    const data = Buffer.from(o.config, 'utf8');
    client = openSnmpSession(sessionOptions(o, s, o.timeouts?.sessionMs ?? 300_000));
    const acquired = await acquireTftpServer({ address: cc.bindAddress, port: cc.port ?? 69 });
    release = acquired.release;
    const fileName = copyFileName(o.host);
    const served = acquired.server.offer(fileName, data, { deadlineMs: cc.deadlineMs ?? 60_000 });
    served.catch(() => {});
    try {
      await runConfigCopy(
        client,
        where,
        cc,
        { source: CC_FILE_TYPE.networkFile, dest: o.target === 'startup-config' ? CC_FILE_TYPE.startupConfig : CC_FILE_TYPE.runningConfig, fileName },
        served,
      );
    } finally {
      acquired.server.cancel(fileName);
    }
    return { durationMs: performance.now() - t0, bytes: data.length };
  } catch (err) {
    throw classify(err, where);
  } finally {
    client?.close();
    await release?.();
  }
}
