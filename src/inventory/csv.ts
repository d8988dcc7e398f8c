// CSV import of devices: RFC 4180 parsing with line numbers, then one transaction that creates or
// updates devices, creates groups on demand and creates or reuses credential profiles.
import type { Db } from '../db/index.ts';
import { InputError } from '../errors.ts';
import { decryptSecret } from '../security/secrets.ts';
import type { Keyring } from '../security/masterkey.ts';
import { createCredentialProfile } from './credentials.ts';
import { createDevice, findDevice, updateDevice, validateAddress, validateDeviceName, validateDriver, validatePort, validateProtocol, validateTags, type DevicePatch } from './devices.ts';
import { createGroup, findGroup, validateObjectName } from './groups.ts';

export const CSV_COLUMNS = ['name', 'address', 'port', 'driver', 'group', 'username', 'password', 'enable_password', 'site', 'tags', 'protocol'] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED: CsvColumn[] = ['name', 'address', 'driver'];

export interface CsvDeviceRow {
  /** Line of the file where the record starts (the header is line 1). */
  line: number;
  name: string;
  address: string;
  driver: string;
  /** undefined: the column is absent (leave the device's value); null: the cell is empty (clear it). */
  port?: number | null;
  group?: string | null;
  site?: string | null;
  tags?: string[];
  protocol?: string;
  /** Credentials: when all three are empty, the device's credential profile is left as it is. */
  username?: string;
  password?: string;
  enable_password?: string;
}

export interface CsvError {
  line: number;
  message: string;
}

/** Split CSV text into records of fields (RFC 4180: quotes, doubled quotes, CR/LF/CRLF, BOM). */
export function splitCsv(text: string): { records: { line: number; fields: string[]; bad?: boolean }[]; errors: CsvError[] } {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: { line: number; fields: string[]; bad?: boolean }[] = [];
  const errors: CsvError[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let bad: string | undefined;
    for (;;) {
      if (i < n && src[i] === '"' && field === '') {
        // quoted field
        i++;
        let closed = false;
        while (i < n) {
          const c = src[i]!;
          if (c === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\r' && src[i + 1] === '\n') {
            field += '\r\n';
            i += 2;
            line++;
            continue;
          }
          if (c === '\n' || c === '\r') line++;
          field += c;
          i++;
        }
        if (!closed) {
          bad ??= 'a quoted field is not closed: add the closing double quote (a quote inside a field is written "")';
          fields.push(field);
          break;
        }
        if (i < n && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
          bad ??= 'text follows a closing quote; quote the whole field and double the quotes inside it ("")';
          while (i < n && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') i++;
        }
      } else {
        while (i < n && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
          if (src[i] === '"') bad ??= 'a double quote inside an unquoted field; quote the field and double the quote ("")';
          field += src[i];
          i++;
        }
      }
      fields.push(field);
      field = '';
      if (i < n && src[i] === ',') {
        i++;
        continue;
      }
      // end of record
      if (i < n && src[i] === '\r' && src[i + 1] === '\n') i += 2;
      else if (i < n) i++;
      line++;
      break;
    }
    if (bad) errors.push({ line: startLine, message: bad });
    const empty = fields.length === 1 && fields[0]!.trim() === '';
    const comment = fields[0]?.trimStart().startsWith('#') ?? false;
    if (!empty && !comment) records.push(bad ? { line: startLine, fields, bad: true } : { line: startLine, fields });
  }
  return { records, errors };
}

function errMsg(err: unknown): string {
  return err instanceof InputError ? err.message : String((err as Error)?.message ?? err);
}

/** Parse and check a device CSV. Every problem is reported with its line; rows are only for an error-free file. */
export function parseDeviceCsv(text: string): { rows: CsvDeviceRow[]; errors: CsvError[] } {
  const { records, errors } = splitCsv(text);
  const rows: CsvDeviceRow[] = [];
  const header = records.shift();
  if (!header) {
    errors.push({ line: 1, message: `the file has no header line; the first line names the columns, e.g. ${CSV_COLUMNS.slice(0, 8).join(',')}` });
    return { rows: [], errors };
  }
  if (header.bad) return { rows: [], errors };
  const cols: CsvColumn[] = [];
  for (const raw of header.fields) {
    const c = raw.trim().toLowerCase() as CsvColumn;
    if (!CSV_COLUMNS.includes(c)) {
      errors.push({ line: header.line, message: `unknown column "${raw.trim()}"; the known columns are ${CSV_COLUMNS.join(', ')}` });
    } else if (cols.includes(c)) {
      errors.push({ line: header.line, message: `column "${c}" appears twice; keep one` });
    }
    cols.push(c);
  }
  for (const r of REQUIRED) {
    if (!cols.includes(r)) errors.push({ line: header.line, message: `the header has no "${r}" column; add it (name, address and driver are required)` });
  }
  if (errors.some((e) => e.line === header.line)) return { rows: [], errors };

  const seen = new Map<string, number>();
  for (const rec of records) {
    if (rec.bad) continue; // already reported by splitCsv
    if (rec.fields.length !== cols.length) {
      errors.push({ line: rec.line, message: `has ${rec.fields.length} fields but the header has ${cols.length}; quote fields that contain commas` });
      continue;
    }
    const cell = new Map<CsvColumn, string>();
    cols.forEach((c, k) => cell.set(c, rec.fields[k]!));
    const has = (c: CsvColumn) => cell.has(c);
    const val = (c: CsvColumn) => (cell.get(c) ?? '').trim();
    const rowErrors: string[] = [];
    const check = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (err) {
        rowErrors.push(errMsg(err));
        return undefined;
      }
    };
    const name = check(() => validateDeviceName(val('name')));
    const address = check(() => validateAddress(val('address')));
    const driver = check(() => validateDriver(val('driver')).id);
    const row: CsvDeviceRow = { line: rec.line, name: name ?? '', address: address ?? '', driver: driver ?? '' };
    if (has('port')) {
      const p = val('port');
      if (p === '') row.port = null;
      else if (!/^\d{1,5}$/.test(p)) rowErrors.push(`port "${p}" is not a number from 1 to 65535`);
      else check(() => (row.port = validatePort(Number(p))));
    }
    if (has('group')) {
      const g = val('group');
      row.group = g === '' ? null : (check(() => validateObjectName('group', g)) ?? null);
    }
    if (has('site')) row.site = val('site') === '' ? null : val('site');
    if (has('tags')) {
      const t = val('tags');
      const tags = check(() => validateTags(t === '' ? [] : t.split(/[;|]/).map((x) => x.trim()).filter(Boolean)));
      if (tags) row.tags = tags;
    }
    if (has('protocol') && val('protocol') !== '') {
      const p = check(() => validateProtocol(val('protocol').toLowerCase()));
      if (p) row.protocol = p;
    }
    // Secrets are taken as written (spaces can be part of a password); usernames are trimmed.
    const username = val('username');
    const password = cell.get('password') ?? '';
    const enable = cell.get('enable_password') ?? '';
    if (username || password || enable) {
      if (!username) rowErrors.push('has a password but no username; add the username');
      row.username = username;
      row.password = password;
      row.enable_password = enable;
    }
    if (name) {
      const prev = seen.get(name.toLowerCase());
      if (prev !== undefined) rowErrors.push(`device "${name}" is also on line ${prev}; keep one line per device`);
      else seen.set(name.toLowerCase(), rec.line);
    }
    if (rowErrors.length) for (const m of rowErrors) errors.push({ line: rec.line, message: m });
    else rows.push(row);
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows: errors.length ? [] : rows, errors };
}

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  profilesCreated: number;
  groupsCreated: number;
  dryRun: boolean;
}

class DryRunRollback extends Error {
  readonly result: ImportResult;
  constructor(result: ImportResult) {
    super('dry run');
    this.result = result;
  }
}

function profileBaseName(username: string): string {
  const clean = username.replace(/[\x00-\x1f\x7f/\\]/g, '_').slice(0, 240);
  return `csv-${clean}`;
}

/**
 * Import parsed rows in ONE transaction: a failing row rolls everything back. With dryRun the
 * transaction is rolled back at the end and the counts say what would have happened.
 */
export async function importDevices(db: Db, keyring: Keyring, rows: CsvDeviceRow[], opts: { dryRun?: boolean; source?: string } = {}): Promise<ImportResult> {
  const run = async (trx: Db): Promise<ImportResult> => {
    const res: ImportResult = { created: 0, updated: 0, unchanged: 0, profilesCreated: 0, groupsCreated: 0, dryRun: !!opts.dryRun };
    // Existing profiles, decrypted once, to reuse one with the same username and secrets.
    const profiles = (await trx.selectFrom('credential_profiles').selectAll().execute()).map((p) => ({
      id: p.id,
      name: p.name,
      username: p.username,
      password: p.password_enc ? decryptSecret(keyring, p.password_enc) : '',
      enable: p.enable_password_enc ? decryptSecret(keyring, p.enable_password_enc) : '',
      keyed: p.private_key_enc !== null || p.passphrase_enc !== null,
    }));
    const names = new Set(profiles.map((p) => p.name));
    const groupIds = new Map<string, string>();

    for (const row of rows) {
      try {
        let groupId: string | null | undefined;
        if (row.group === null) groupId = null;
        else if (row.group !== undefined) {
          groupId = groupIds.get(row.group);
          if (!groupId) {
            const g = await findGroup(trx, row.group);
            if (g) groupId = g.id;
            else {
              groupId = (await createGroup(trx, { name: row.group })).id;
              res.groupsCreated++;
            }
            groupIds.set(row.group, groupId);
          }
        }
        let profileId: string | undefined;
        if (row.username) {
          const pw = row.password ?? '';
          const en = row.enable_password ?? '';
          let p = profiles.find((x) => !x.keyed && x.username === row.username && x.password === pw && x.enable === en);
          if (!p) {
            let name = profileBaseName(row.username);
            for (let k = 2; names.has(name); k++) name = `${profileBaseName(row.username)}-${k}`;
            const created = await createCredentialProfile(trx, keyring, {
              name,
              description: 'created by CSV import',
              username: row.username,
              password: pw || null,
              enable_password: en || null,
            });
            p = { id: created.id, name, username: row.username, password: pw, enable: en, keyed: false };
            profiles.push(p);
            names.add(name);
            res.profilesCreated++;
          }
          profileId = p.id;
        }
        const existing = await findDevice(trx, row.name);
        if (!existing) {
          await createDevice(trx, {
            name: row.name,
            address: row.address,
            driver: row.driver,
            port: row.port ?? null,
            protocol: row.protocol,
            group: groupId ?? null,
            site: row.site ?? null,
            tags: row.tags ?? [],
            credential_profile: profileId ?? null,
            source: opts.source ?? 'csv',
          });
          res.created++;
          continue;
        }
        const patch: DevicePatch = {};
        if (existing.address !== row.address) patch.address = row.address;
        if (existing.driver !== row.driver) patch.driver = row.driver;
        if (row.port !== undefined && existing.port !== row.port) patch.port = row.port;
        if (row.protocol !== undefined && existing.protocol !== row.protocol) patch.protocol = row.protocol;
        if (groupId !== undefined && existing.group_id !== groupId) patch.group = groupId;
        if (row.site !== undefined && existing.site !== row.site) patch.site = row.site;
        if (row.tags !== undefined && JSON.stringify(existing.tags) !== JSON.stringify(row.tags)) patch.tags = row.tags;
        if (profileId !== undefined && existing.credential_profile_id !== profileId) patch.credential_profile = profileId;
        if (Object.keys(patch).length === 0) {
          res.unchanged++;
          continue;
        }
        await updateDevice(trx, existing.id, patch);
        res.updated++;
      } catch (err) {
        if (err instanceof InputError) {
          throw new InputError(err.code, `line ${row.line}: ${err.message}; nothing was imported`, err.status, { ...err.details, line: row.line });
        }
        throw err;
      }
    }
    if (opts.dryRun) throw new DryRunRollback(res);
    return res;
  };
  if (db.isTransaction) {
    // The caller owns the transaction (and its rollback); a dry run cannot undo inside it.
    if (opts.dryRun) throw new InputError('invalid_request', 'a dry-run import needs its own transaction; call importDevices outside a transaction', 400);
    return run(db);
  }
  try {
    return await db.transaction().execute(run);
  } catch (err) {
    if (err instanceof DryRunRollback) return err.result;
    throw err;
  }
}
