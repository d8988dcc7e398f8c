// Oxidized's router.db (its CSV source): one device per line split by a delimiter (default ":"),
// fields placed by a `map` of field → column and a `vars_map` (enable), model names mapped to
// netkeep drivers (`model_map` first, as Oxidized does, then the driver registry).
import { InputError } from '../../errors.ts';
import { findDriver } from '../../drivers/index.ts';
import { checkDriverMap, checkDuplicates, checkRecord, type ParsedSource } from './types.ts';

/** Oxidized model names that are not a netkeep driver id or alias, and common model_map entries. */
export const OXIDIZED_MODELS: Record<string, string> = {
  apc_aos: 'apcaos',
  fireware: 'firewareos',
  cisco: 'ios',
  ciscoios: 'ios',
  iosxe: 'ios',
  enterprise_sonic: 'enterprisesonic',
  dnos: 'ftos',
  vyatta: 'vyos',
};

export const OXIDIZED_FIELDS = ['name', 'model', 'ip', 'group', 'username', 'password', 'port', 'input'] as const;
type OxField = (typeof OXIDIZED_FIELDS)[number];

export interface OxidizedConfig {
  /** Delimiter: a literal string (":") or a regular expression written "/…/" (Oxidized's !ruby/regexp). Default ":". */
  delimiter?: string;
  /** Field → column (0-based). Default {name: 0, model: 1}. */
  map?: Partial<Record<OxField, number>>;
  /** Variable → column; `enable` is the enable password. */
  vars_map?: { enable?: number };
  /** Model name → netkeep driver, checked before the built-in names. */
  model_map?: Record<string, string>;
}

export function checkOxidizedConfig(cfg: unknown): OxidizedConfig {
  const c = (cfg ?? {}) as Record<string, unknown>;
  const out: OxidizedConfig = {};
  if (c.delimiter !== undefined) {
    if (typeof c.delimiter !== 'string' || c.delimiter === '') throw new InputError('invalid_source_config', 'delimiter is a string such as ":" or a regular expression such as "/[:;]/"', 400);
    splitter(c.delimiter);
    out.delimiter = c.delimiter;
  }
  const cols = (what: string, v: unknown, allowed: readonly string[]) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError('invalid_source_config', `${what} is an object of field → column number, e.g. {"name": 0, "model": 1}`, 400);
    const m: Record<string, number> = {};
    for (const [k, n] of Object.entries(v)) {
      if (!allowed.includes(k)) throw new InputError('invalid_source_config', `${what}: unknown field "${k}"; the fields are ${allowed.join(', ')}`, 400);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 99) throw new InputError('invalid_source_config', `${what}: column of "${k}" is a number from 0 (the first column)`, 400);
      m[k] = n;
    }
    return m;
  };
  const map = cols('map', c.map, OXIDIZED_FIELDS);
  if (map) {
    if (map.name === undefined) throw new InputError('invalid_source_config', 'map needs the column of "name"', 400);
    out.map = map;
  }
  const vars = cols('vars_map', c.vars_map, ['enable']);
  if (vars) out.vars_map = vars;
  if (c.model_map !== undefined) out.model_map = checkDriverMap('model_map', c.model_map);
  return out;
}

function splitter(delimiter: string): string | RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(delimiter);
  if (!m) return delimiter;
  try {
    return new RegExp(m[1]!, m[2]!.replace(/[gy]/g, ''));
  } catch (err) {
    throw new InputError('invalid_source_config', `delimiter ${delimiter} is not a valid regular expression (${(err as Error).message})`, 400);
  }
}

/** The netkeep driver for an Oxidized model name, or undefined. */
export function driverForModel(model: string, modelMap: Record<string, string> = {}): string | undefined {
  const m = model.trim().toLowerCase();
  const mapped = modelMap[m] ?? OXIDIZED_MODELS[m];
  return findDriver(mapped ?? m)?.id;
}

export function parseOxidizedRouterDb(text: string, config: OxidizedConfig = {}): ParsedSource {
  const cfg = checkOxidizedConfig(config);
  const split = splitter(cfg.delimiter ?? ':');
  const map = cfg.map ?? { name: 0, model: 1 };
  const vars = cfg.vars_map ?? {};
  const out: ParsedSource = { records: [], errors: [], skipped: [] };
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*#/.test(raw) || raw.trim() === '') return;
    const data = raw.split(split);
    const col = (n: number | undefined) => (n === undefined ? undefined : data[n]);
    // like Oxidized, missing trailing fields are empty; name and model must be there
    const need = Math.max(map.name ?? 0, map.model ?? 0) + 1;
    if (data.length < need) {
      out.errors.push({ line, message: `has ${data.length} field${data.length === 1 ? '' : 's'}, but the map puts name in column ${map.name} and model in column ${map.model ?? '-'} (counting from 0); check the delimiter and the map` });
      return;
    }
    const name = (col(map.name) ?? '').trim();
    const model = (col(map.model) ?? '').trim();
    let driver = '';
    if (map.model === undefined) out.errors.push({ line, message: 'the field map has no "model" column; add one (netkeep needs a driver per device)' });
    else if (!model) out.errors.push({ line, message: `device "${name}" has no model; write its Oxidized model name (e.g. ios, junos, eos)` });
    else {
      driver = driverForModel(model, cfg.model_map) ?? '';
      if (!driver) out.errors.push({ line, message: `model "${model}" has no netkeep driver; add it to the source's model_map (e.g. {"${model.toLowerCase()}": "ios"}) or see \`netkeep drivers\`` });
    }
    const errorsBefore = out.errors.length;
    const rec = checkRecord(
      line,
      {
        name,
        address: (col(map.ip) ?? '').trim() || name,
        driver,
        port: col(map.port),
        protocol: (col(map.input) ?? '').split(',')[0]?.trim() || undefined,
        ...(map.group !== undefined ? { group: (col(map.group) ?? '').trim() || null } : {}),
        username: (col(map.username) ?? '').trim(),
        password: col(map.password) ?? '',
        enable_password: col(vars.enable) ?? '',
      },
      out.errors,
    );
    if (rec && driver && out.errors.length === errorsBefore) out.records.push(rec);
  });
  checkDuplicates(out);
  return out;
}
