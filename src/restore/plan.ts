// What a restore will do, decided before anything is sent: the method (replace where the
// platform has one, merge otherwise), the exact commands or payload, and the "comparable" form
// of a config (comments, separators and volatile lines dropped) that the dry run, the live-hash
// check and the verification after the push all compare.
import { createHash } from 'node:crypto';
import { parseFileBackup, type BackupFile } from '../backup/fetch-sftp.ts';
import type { Driver } from '../drivers/types.ts';
import { InputError } from '../errors.ts';
import { volatileFilterFor } from '../store/history.ts';
import { protocolOptions, type RestoreDevice } from './device.ts';

export type RestoreMethod = 'replace' | 'merge';
export type PayloadKind = 'commands' | 'netconf' | 'restconf' | 'file';

/** What is sent, per transport. */
export type PushSpec =
  | {
      kind: 'cli';
      /** Replace: the file uploaded by SCP first. */
      upload?: { path: string; content: string };
      commands: string[];
      /** Run when a command is refused before anything was committed. */
      abandon: string[];
      /** Commit-confirm platforms: after verification passed / failed. */
      confirm: string[];
      rollback: string[];
      rejected: RegExp | undefined;
    }
  | { kind: 'netconf'; config: string; mode: RestoreMethod }
  /** RESTCONF PUT of the stored body on the data resource it came from. */
  | { kind: 'restconf'; body: string }
  /** The stored file backup document (manifest + files), uploaded file by file. */
  | { kind: 'sftp'; backup: string; method: 'sftp' | 'scp' }
  /** CISCO-CONFIG-COPY-MIB: the config served by netkeep's TFTP server, copied into the running config. */
  | { kind: 'snmp'; config: string };

export interface RestorePlan {
  method: RestoreMethod;
  description: string;
  payload: { kind: PayloadKind; text: string; steps: string[] };
  warnings: string[];
  push: PushSpec;
}

/** Minutes a commit-confirm platform waits for netkeep's confirmation before it rolls back. */
export const CONFIRM_MINUTES = 5;

const MASKED = /<(secret hidden|configuration removed|secret removed|hidden|removed)>/;

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function commentRe(driver: Driver | undefined): RegExp | undefined {
  if (!driver) return undefined;
  if (driver.restore?.commentLine) return driver.restore.commentLine;
  const c = (driver.comment ?? '# ').trim();
  return c ? new RegExp(`^\\s*${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : undefined;
}

function isCli(dev: RestoreDevice): boolean {
  return dev.protocol === 'ssh' || dev.protocol === 'telnet';
}

/** SNMP backups of the running/startup config (CISCO-CONFIG-COPY-MIB) hold the same text a CLI backup does. */
function snmpConfigText(dev: RestoreDevice): boolean {
  if (dev.protocol !== 'snmp') return false;
  const o = protocolOptions(dev);
  const bt = o.backupType ?? o.backup_type ?? (o.configCopy ? 'running-config' : 'full-state');
  return bt === 'running-config' || bt === 'startup-config';
}

/**
 * The form of a config that restores compare: the driver's volatile filter, then without
 * comment/separator lines, blank lines and trailing blanks (CLI protocols); the protocol's
 * volatile lines dropped (others).
 */
export function comparable(text: string, dev: RestoreDevice): string {
  let t = text.replace(/\r\n/g, '\n');
  const cli = isCli(dev) || snmpConfigText(dev);
  if (cli) {
    const vf = volatileFilterFor(dev.driverId);
    if (vf) t = vf(t);
  }
  const comment = cli ? commentRe(dev.driver) : undefined;
  const vol = dev.volatile ?? [];
  const kept = t
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l !== '' && !comment?.test(l) && !vol.some((re) => ((re.lastIndex = 0), re.test(l))));
  return `${kept.join('\n')}\n`;
}

/** The config lines of a stored CLI version: what the device is given (comments of netkeep's informational commands dropped). */
export function configLines(text: string, driver: Driver | undefined): string[] {
  // only netkeep's own comment lines ("! Image: …", "# Junos: …"); the platform's separators stay
  const prefix = driver?.comment ?? '# ';
  const comment = driver ? new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : undefined;
  const lines = text.replace(/\r\n/g, '\n').split('\n').map((l) => l.replace(/\s+$/, ''));
  const kept = lines.filter((l) => !comment?.test(l));
  while (kept.length && kept[0] === '') kept.shift();
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  return kept;
}

/** Decide method and payload. Bad requests (a method the platform lacks, masked secrets) are InputErrors. */
export function planRestore(dev: RestoreDevice, target: string, want: 'auto' | RestoreMethod = 'auto'): RestorePlan {
  const warnings: string[] = [];
  if (MASKED.test(target)) {
    throw new InputError(
      'secrets_masked',
      `this version of ${dev.name} was stored with its secrets masked (it contains "${MASKED.exec(target)![0]}"); restoring it would overwrite the device's passwords and keys with those placeholders. ` +
        `Pick a version stored without masking (device option mask_secrets off), or restore by hand`,
      409,
    );
  }
  if (dev.protocol === 'netconf') {
    const method: RestoreMethod = want === 'merge' ? 'merge' : 'replace';
    const op = method === 'replace' ? 'replace' : 'merge';
    return {
      method,
      description:
        method === 'replace'
          ? 'NETCONF: edit-config with default-operation replace on the candidate (the whole configuration becomes this version), validate, then a confirmed commit that netkeep confirms only after the config it reads back matches (servers with :confirmed-commit; others: commit, and a failed verification pushes the previous config back)'
          : 'NETCONF: edit-config with default-operation merge (the version is merged on top of the running configuration; what it lacks stays), then commit',
      payload: {
        kind: 'netconf',
        text: `<edit-config><target><candidate/></target><default-operation>${op}</default-operation>${target.trim()}</edit-config>`,
        steps: ['lock candidate', `edit-config (default-operation ${op})`, 'validate', `commit (confirmed, ${CONFIRM_MINUTES * 60} s, where supported)`, 'verify: get-config running and compare', 'confirming commit', 'unlock'],
      },
      warnings,
      push: { kind: 'netconf', config: target, mode: method },
    };
  }
  if (dev.protocol === 'rest') return planRestconf(dev, target, want);
  if (dev.protocol === 'sftp') return planSftp(dev, target, want);
  if (dev.protocol === 'snmp') return planSnmp(dev, target, want);
  if (!isCli(dev)) {
    throw new InputError(
      'restore_unsupported',
      `netkeep cannot restore over ${dev.protocol} (restore works over SSH/Telnet CLI, NETCONF, RESTCONF, SFTP and SNMP config copy); restore ${dev.name} by hand from the downloaded version`,
      501,
    );
  }
  const driver = dev.driver!;
  const spec = driver.restore;
  if (!spec) {
    throw new InputError('restore_unsupported', `the ${driver.id} driver (${driver.platform}) has no restore method yet; download the version and restore ${dev.name} by hand`, 501);
  }
  const canReplace = !!(spec.replaceFile && spec.replace);
  const canMerge = spec.merge !== false;
  let method: RestoreMethod;
  if (want === 'replace') {
    if (!canReplace) throw new InputError('method_unsupported', `${driver.platform} has no replace netkeep can drive; use method merge (or auto)`, 400);
    method = 'replace';
  } else if (want === 'merge') {
    if (!canMerge) throw new InputError('method_unsupported', `${driver.platform} cannot be restored by typing its config lines; use method replace (or auto)`, 400);
    method = 'merge';
  } else {
    method = spec.method === 'replace' && canReplace ? 'replace' : 'merge';
  }
  if (method === 'replace' && dev.protocol !== 'ssh') {
    if (want === 'replace' || !canMerge) {
      throw new InputError('method_unsupported', `a replace on ${driver.platform} uploads the config by SCP, which needs SSH; ${dev.name} uses ${dev.protocol}. Switch the device to ssh${canMerge ? ' or use method merge' : ''}`, 400);
    }
    method = 'merge';
    warnings.push(`${dev.name} uses ${dev.protocol}, so the config cannot be uploaded by SCP: merging instead of replacing`);
  }
  const lines = configLines(target, driver);
  const notes = spec.notes ?? '';
  if (method === 'replace') {
    const path = spec.replaceFile!;
    const content = `${lines.join('\n')}\n`;
    const commands = spec.replace!(path, { confirmMinutes: CONFIRM_MINUTES });
    const confirm = spec.confirm ?? [];
    return {
      method,
      description: `replace — ${notes}`,
      payload: {
        kind: 'file',
        text: content,
        steps: [
          `upload ${Buffer.byteLength(content)} bytes by SCP to ${path}`,
          ...commands,
          'verify: fetch the config again and compare, ignoring comments and volatile lines',
          ...(confirm.length ? [`then, only if it matches: ${confirm.join('; ')}`] : []),
          ...(spec.rollback?.length ? [`else: ${spec.rollback.join('; ')}`] : []),
        ],
      },
      warnings,
      push: { kind: 'cli', upload: { path, content }, commands, abandon: spec.abandon ?? [], confirm, rollback: spec.rollback ?? [], rejected: spec.rejected },
    };
  }
  const body = lines.filter((l) => l.trim() !== '' && l.trim() !== 'end');
  const commands = [...(spec.mergeEnter ?? ['configure terminal']), ...body, ...(spec.mergeExit ?? ['end'])];
  warnings.push('merge: lines the device has and this version lacks are not removed; the verification after the push shows them');
  return {
    method,
    description: `merge — the lines are typed in configuration mode on top of the running config; a refused line stops the push, and ${
      canReplace && dev.protocol === 'ssh' ? 'netkeep then puts the previous config back with a replace' : 'the lines before it stay applied (this platform has no replace netkeep can use to put the previous config back)'
    }`,
    payload: { kind: 'commands', text: `${commands.join('\n')}\n`, steps: [`type ${commands.length} lines in one CLI session`, 'verify: fetch the config again and compare'] },
    warnings,
    push: { kind: 'cli', commands, abandon: spec.abandon ?? [], confirm: [], rollback: [], rejected: spec.rejected },
  };
}

const opt = protocolOptions;

function onlyReplace(dev: RestoreDevice, want: 'auto' | RestoreMethod, how: string): void {
  if (want === 'merge') throw new InputError('method_unsupported', `${dev.name} is restored over ${how}, which replaces the whole configuration; there is no merge. Use method replace (or auto)`, 400);
}

/** RESTCONF: PUT of the stored body on {root}/data[/path] — a full replace (RFC 8040 §4.5). */
function planRestconf(dev: RestoreDevice, target: string, want: 'auto' | RestoreMethod): RestorePlan {
  const o = opt(dev);
  const profile = String(o.profile ?? o.flavour ?? '');
  if (profile !== 'restconf') {
    throw new InputError(
      'restore_unsupported',
      `${dev.name} is backed up through the ${profile || 'unnamed'} REST API, which has no full replace netkeep can drive (only RESTCONF's PUT is standard); restore it by hand from the downloaded version`,
      501,
    );
  }
  onlyReplace(dev, want, 'RESTCONF (PUT)');
  const format = o.format === 'xml' || o.format === 'json' ? o.format : target.trimStart().startsWith('<') ? 'xml' : 'json';
  const root = typeof o.root === 'string' && o.root ? o.root.replace(/\/+$/, '') : '{root}';
  const sub = typeof o.path === 'string' && o.path ? `/${o.path.replace(/^\/+/, '')}` : '';
  const port = Number(dev.port ?? o.port) || 443;
  const url = `https://${dev.address}:${port}${root}/data${sub}`;
  const what = sub ? `the subtree ${sub.slice(1)}` : 'the whole datastore';
  return {
    method: 'replace',
    description: `replace — RESTCONF PUT of this version on ${root}/data${sub}: ${what} becomes this version (RFC 8040 §4.5). A server refuses an invalid PUT as a whole, so nothing is applied then. RESTCONF has no commit-confirm: when the config read back does not match, netkeep PUTs the config it read before the push back`,
    payload: {
      kind: 'restconf',
      text: target,
      steps: [
        `PUT ${url} (content-type application/yang-data+${format}, ${Buffer.byteLength(target)} bytes: the body below)${root === '{root}' ? ' — {root} is what the device announces at /.well-known/host-meta (option root skips the discovery)' : ''}`,
        'verify: GET it again (as a backup does) and compare',
        'if it does not match: PUT the config read before the push back, and compare again',
      ],
    },
    warnings: [],
    push: { kind: 'restconf', body: target },
  };
}

/** SFTP/SCP file devices: the stored files uploaded to their paths (the platform's way). */
function planSftp(dev: RestoreDevice, target: string, want: 'auto' | RestoreMethod): RestorePlan {
  onlyReplace(dev, want, 'file upload');
  let files: BackupFile[];
  try {
    files = parseFileBackup(target);
  } catch (err) {
    throw new InputError('version_not_restorable', `this version of ${dev.name} is not a file backup netkeep can take apart (${(err as Error).message}); restore another version`, 409);
  }
  const o = opt(dev);
  const method = o.method === 'scp' ? 'scp' : 'sftp';
  const warnings: string[] = [];
  const now = o.paths ?? o.path;
  const nowPaths = typeof now === 'string' ? [now] : Array.isArray(now) ? now.map(String) : [];
  const missing = nowPaths.filter((p) => !files.some((f) => f.path === p));
  const extra = files.filter((f) => !nowPaths.includes(f.path)).map((f) => f.path);
  if (missing.length || extra.length) {
    warnings.push(
      `the device's paths option has changed since this version (${missing.length ? `now also ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `no longer ${extra.join(', ')}` : ''}): the verification fetches the paths of today, so it will not match`,
    );
  }
  const text = files
    .map((f) => {
      const sha = createHash('sha256').update(f.data).digest('hex');
      const utf8 = !f.data.includes(0) && Buffer.from(f.data.toString('utf8'), 'utf8').equals(f.data);
      const content = utf8 ? f.data.toString('utf8') : `<binary file, ${f.data.length} bytes: uploaded byte for byte as stored>\n`;
      return `===== ${f.path} (${f.data.length} bytes, sha256 ${sha}) =====\n${content}${content.endsWith('\n') || content === '' ? '' : '\n'}`;
    })
    .join('\n');
  return {
    method: 'replace',
    description: `replace — the ${files.length} file${files.length === 1 ? '' : 's'} of this version uploaded by ${method.toUpperCase()} to ${files.length === 1 ? 'its path' : 'their paths'}, each read back after writing; then the files are fetched again and compared. A write that fails or files that do not verify: netkeep uploads the files as they were before the push`,
    payload: {
      kind: 'file',
      text,
      steps: [
        ...files.map((f) => `upload ${f.data.length} bytes by ${method.toUpperCase()} to ${f.path}, read it back and compare`),
        'verify: fetch the files again (as a backup does) and compare, ignoring modification times',
        'if a write fails or they do not match: upload the files read before the push, and compare again',
      ],
    },
    warnings,
    push: { kind: 'sftp', backup: target, method },
  };
}

/** SNMP (CISCO-CONFIG-COPY-MIB): the device copies the config from netkeep's TFTP server into its running config — a merge, as `copy tftp: running-config` is. */
function planSnmp(dev: RestoreDevice, target: string, want: 'auto' | RestoreMethod): RestorePlan {
  if (!snmpConfigText(dev)) {
    throw new InputError(
      'version_not_restorable',
      `this version of ${dev.name} is an SNMP full-state walk (tables and counters), not a configuration: there is nothing a device could load. Restore a running-config version (SNMP with options.configCopy, or SSH)`,
      409,
    );
  }
  if (want === 'replace') {
    throw new InputError('method_unsupported', `a CISCO-CONFIG-COPY-MIB copy into the running config merges (as copy tftp: running-config does); there is no replace over SNMP. Use method merge (or auto), or restore ${dev.name} over SSH for a configure replace`, 400);
  }
  const o = opt(dev);
  const cc = (typeof o.configCopy === 'object' && o.configCopy ? o.configCopy : {}) as Record<string, unknown>;
  const server = `${String(cc.serverAddress ?? cc.bindAddress ?? '?')}:${Number(cc.port ?? 69)}`;
  const lines = configLines(target, dev.driver);
  const text = `${lines.join('\n')}\n`;
  return {
    method: 'merge',
    description:
      'merge — over SNMP (CISCO-CONFIG-COPY-MIB): netkeep serves this version by TFTP and tells the device to copy it into its running config, which merges it (lines the device has and the version lacks stay; the verification shows them). ' +
      'There is no commit-confirm and no replace over SNMP: a copy that fails or does not verify is reported, and netkeep cannot put the previous config back this way',
    payload: {
      kind: 'file',
      text,
      steps: [
        `serve the file (${Buffer.byteLength(text)} bytes) from netkeep's TFTP server ${server}`,
        `SNMP SET a ccCopyTable row (createAndGo): protocol tftp, source networkFile, destination runningConfig, server ${server.split(':')[0]}`,
        'poll ccCopyState until successful or failed; the row is destroyed after',
        'verify: copy the running config back (as a backup does) and compare, ignoring comments and volatile lines',
      ],
    },
    warnings: ['merge: lines the device has and this version lacks are not removed; the verification after the push shows them'],
    push: { kind: 'snmp', config: text },
  };
}
