// What every inventory source produces: device records with the line (or item number) they came
// from, per-line errors, and records it left out on purpose (with the reason).
import type { CsvDeviceRow } from '../csv.ts';
import { InputError } from '../../errors.ts';
import { validateAddress, validateDeviceName, validateDriver, validatePort, validateProtocol, validateTags } from '../devices.ts';
import { validateObjectName } from '../groups.ts';

export const SOURCE_KINDS = ['csv', 'oxidized', 'rancid', 'netbox'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** One device as a source describes it: the CSV importer's row plus the source's stable key. */
export interface SourceRecord extends CsvDeviceRow {
  /** Stable identity in the source: the device name for files, the NetBox device id for NetBox. */
  key: string;
  /** RANCID's state: up → true, down → false; undefined leaves the device's setting alone. */
  enabled?: boolean;
}

export interface SourceLineError {
  /** Line of the file (1-based), or the item number in a NetBox answer. */
  line: number;
  message: string;
}

export interface SkippedRecord {
  line: number;
  name: string;
  reason: string;
}

export interface ParsedSource {
  records: SourceRecord[];
  errors: SourceLineError[];
  skipped: SkippedRecord[];
}

export function isSourceKind(k: unknown): k is SourceKind {
  return SOURCE_KINDS.includes(k as SourceKind);
}

function errMsg(err: unknown): string {
  return err instanceof InputError ? err.message : String((err as Error)?.message ?? err);
}

/**
 * Check the common fields of one record and collect every problem of it; returns the record
 * or undefined (the problems are in `errors`, tagged with the line).
 */
export function checkRecord(
  line: number,
  raw: { key?: string; name: string; address: string; driver: string; port?: string | number | null; group?: string | null; site?: string | null; tags?: string[]; protocol?: string; enabled?: boolean; username?: string; password?: string; enable_password?: string },
  errors: SourceLineError[],
): SourceRecord | undefined {
  const problems: string[] = [];
  const check = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push(errMsg(err));
      return undefined;
    }
  };
  const name = check(() => validateDeviceName(raw.name));
  // no separate address (router.db): the name is the address; a bad name is reported once
  const address = raw.address === raw.name && name === undefined ? undefined : check(() => validateAddress(raw.address));
  const driver = raw.driver === '' ? undefined : check(() => validateDriver(raw.driver).id);
  const rec: SourceRecord = { line, key: raw.key ?? name ?? '', name: name ?? '', address: address ?? '', driver: driver ?? '' };
  if (raw.port !== undefined && raw.port !== null && raw.port !== '') {
    const p = typeof raw.port === 'number' ? raw.port : /^\d{1,5}$/.test(raw.port.trim()) ? Number(raw.port.trim()) : NaN;
    if (Number.isNaN(p)) problems.push(`port "${raw.port}" is not a number from 1 to 65535`);
    else check(() => (rec.port = validatePort(p)));
  }
  if (raw.group !== undefined) rec.group = raw.group === null || raw.group === '' ? null : (check(() => validateObjectName('group', raw.group)) ?? null);
  if (raw.site !== undefined) rec.site = raw.site === null || raw.site === '' ? null : raw.site.slice(0, 255);
  if (raw.tags !== undefined) {
    const t = check(() => validateTags(raw.tags));
    if (t) rec.tags = t;
  }
  if (raw.protocol) {
    const pr = check(() => validateProtocol(raw.protocol!.trim().toLowerCase()));
    if (pr) rec.protocol = pr;
  }
  if (raw.enabled !== undefined) rec.enabled = raw.enabled;
  if (raw.username || raw.password || raw.enable_password) {
    if (!raw.username) problems.push('has a password but no username; add the username');
    rec.username = raw.username ?? '';
    rec.password = raw.password ?? '';
    rec.enable_password = raw.enable_password ?? '';
  }
  if (problems.length) {
    for (const m of problems) errors.push({ line, message: m });
    return undefined;
  }
  return rec;
}

/** Report the second and later records with the same device name (or key) as errors. */
export function checkDuplicates(p: ParsedSource): void {
  const seenName = new Map<string, number>();
  const seenKey = new Map<string, number>();
  const keep: SourceRecord[] = [];
  for (const r of p.records) {
    const prevName = seenName.get(r.name.toLowerCase());
    const prevKey = seenKey.get(r.key);
    if (prevName !== undefined) p.errors.push({ line: r.line, message: `device "${r.name}" is also on line ${prevName}; keep one line per device` });
    else if (prevKey !== undefined) p.errors.push({ line: r.line, message: `the source names the same device twice (also on line ${prevKey}); keep one` });
    else {
      seenName.set(r.name.toLowerCase(), r.line);
      seenKey.set(r.key, r.line);
      keep.push(r);
    }
  }
  p.records = keep;
  p.errors.sort((a, b) => a.line - b.line);
}

/** A user-supplied map (model → driver, platform → driver): lower-case keys, checked driver ids. */
export function checkDriverMap(what: string, map: unknown): Record<string, string> {
  if (map === undefined || map === null) return {};
  if (typeof map !== 'object' || Array.isArray(map)) throw new InputError('invalid_source_config', `${what} is an object of name → netkeep driver, e.g. {"cisco": "ios"}`, 400);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
    try {
      out[k.trim().toLowerCase()] = validateDriver(v).id;
    } catch {
      throw new InputError('invalid_source_config', `${what}: "${k}" maps to "${String(v)}", which is no netkeep driver; run \`netkeep drivers\` for the list`, 400);
    }
  }
  return out;
}
