// What a restore will do, decided before anything is sent: the method (replace where the
// platform has one, merge otherwise), the exact commands or payload, and the "comparable" form
// of a config (comments, separators and volatile lines dropped) that the dry run, the live-hash
// check and the verification after the push all compare.
import { createHash } from 'node:crypto';
import type { Driver } from '../drivers/types.ts';
import { InputError } from '../errors.ts';
import { volatileFilterFor } from '../store/history.ts';
import type { RestoreDevice } from './device.ts';

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
  | { kind: 'netconf'; config: string; mode: RestoreMethod };

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

/**
 * The form of a config that restores compare: the driver's volatile filter, then without
 * comment/separator lines, blank lines and trailing blanks (CLI protocols); the protocol's
 * volatile lines dropped (others).
 */
export function comparable(text: string, dev: RestoreDevice): string {
  let t = text.replace(/\r\n/g, '\n');
  const cli = isCli(dev);
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
  if (!isCli(dev)) {
    throw new InputError(
      'restore_unsupported',
      `netkeep cannot restore over ${dev.protocol} yet (restore works over SSH/Telnet CLI and NETCONF); restore ${dev.name} by hand from the downloaded version`,
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
