// RANCID's router.db: "name;type;state[;comment]" (RANCID 3) or the older "name:type:state";
// RANCID device types map to netkeep drivers; state "up" → enabled, "down" → disabled.
import { findDriver } from '../../drivers/index.ts';
import { checkDriverMap, checkDuplicates, checkRecord, type ParsedSource } from './types.ts';

/** RANCID device types (rancid.types.base / router.db) → netkeep driver ids. */
export const RANCID_TYPES: Record<string, string> = {
  cisco: 'ios',
  'cisco-nx': 'nxos',
  'cisco-xr': 'iosxr',
  'cisco-xe': 'ios',
  'cisco-asa': 'asa',
  'cisco-sb': 'ciscosmb',
  'cisco-wlc4': 'aireos',
  'cisco-wlc5': 'aireos',
  'cisco-wlc8': 'aireos',
  juniper: 'junos',
  'juniper-srx': 'junos',
  arista: 'eos',
  fortigate: 'fortigate',
  foundry: 'ironware',
  brocade: 'fastiron',
  hp: 'procurve',
  h3c: 'comware',
  mikrotik: 'routeros',
  force10: 'ftos',
  dell: 'powerconnect',
  extreme: 'xos',
  netscreen: 'screenos',
  paloalto: 'panos',
  vyatta: 'vyos',
  edgemax: 'edgeos',
  ubnt: 'edgeos',
  f5: 'tmos',
  bigip: 'tmos',
  netscaler: 'netscaler',
  enterasys: 'enterasys',
};

export interface RancidConfig {
  /** RANCID type → netkeep driver, checked before the built-in table. */
  type_map?: Record<string, string>;
}

export function checkRancidConfig(cfg: unknown): RancidConfig {
  const c = (cfg ?? {}) as Record<string, unknown>;
  if (c.type_map === undefined) return {};
  const m = checkDriverMap('type_map', c.type_map);
  return { type_map: m };
}

export function driverForRancidType(type: string, typeMap: Record<string, string> = {}): string | undefined {
  const t = type.trim().toLowerCase();
  const mapped = typeMap[t] ?? RANCID_TYPES[t];
  return findDriver(mapped ?? t)?.id;
}

export function parseRancidRouterDb(text: string, config: RancidConfig = {}): ParsedSource {
  const cfg = checkRancidConfig(config);
  const out: ParsedSource = { records: [], errors: [], skipped: [] };
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*#/.test(raw) || raw.trim() === '') return;
    // RANCID 3 uses ";" (so that IPv6 addresses can be names); older files ":".
    const parts = raw.includes(';') ? raw.split(';') : raw.split(':');
    if (parts.length < 3) {
      out.errors.push({ line, message: `has ${parts.length} field${parts.length === 1 ? '' : 's'}; a router.db line is name;type;state (e.g. core1.example.net;cisco;up)` });
      return;
    }
    const [name, type, state] = parts.map((p) => p.trim()) as [string, string, string];
    let driver = '';
    let ok = true;
    if (!type) {
      out.errors.push({ line, message: `device "${name}" has no type; write its RANCID type (e.g. cisco, juniper, arista)` });
      ok = false;
    } else {
      driver = driverForRancidType(type, cfg.type_map) ?? '';
      if (!driver) {
        out.errors.push({ line, message: `RANCID type "${type}" has no netkeep driver; add it to the source's type_map (e.g. {"${type.toLowerCase()}": "ios"}) or see \`netkeep drivers\`` });
        ok = false;
      }
    }
    const st = state.toLowerCase();
    if (st !== 'up' && st !== 'down') {
      out.errors.push({ line, message: `state "${state}" is neither "up" nor "down"; RANCID collects "up" devices (netkeep: enabled) and skips "down" ones (netkeep: disabled)` });
      ok = false;
    }
    const rec = checkRecord(line, { name, address: name, driver, enabled: st === 'up' }, out.errors);
    if (rec && ok) out.records.push(rec);
  });
  checkDuplicates(out);
  return out;
}

