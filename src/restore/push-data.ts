// Restores that send data rather than type commands: RESTCONF (PUT of the stored body), file
// devices (the stored files uploaded by SFTP/SCP) and SNMP (CISCO-CONFIG-COPY-MIB copy into the
// running config). None has a commit-confirm: after a refused push or a failed verification
// netkeep puts the config it read before the push back where the protocol replaces (RESTCONF,
// files), and reports rolled_back only when the read-back shows the previous config.
import { pushRestconf } from '../backup/fetch-rest.ts';
import { pushSftp } from '../backup/fetch-sftp.ts';
import { pushSnmpConfigCopy } from '../backup/fetch-snmp.ts';
import { NetkeepError, classify } from '../errors.ts';
import { fetchOptionsOf, type RestoreDevice } from './device.ts';
import type { RestorePlan } from './plan.ts';
import { firstLine, isBack, verify, type Outcome } from './verify.ts';

function errorOf(err: unknown, dev: RestoreDevice): NetkeepError {
  return err instanceof NetkeepError ? err : classify(err, dev.name);
}

/** RESTCONF PUT, verify, and on a mismatch PUT the previous config back. */
export async function pushRestconfVerified(dev: RestoreDevice, plan: RestorePlan, target: string, before: string): Promise<Outcome> {
  const p = plan.push;
  if (p.kind !== 'restconf') throw new NetkeepError('internal', 'not a RESTCONF plan');
  const put = (config: string) => pushRestconf({ ...fetchOptionsOf(dev), config });
  try {
    await put(p.body);
  } catch (err) {
    const e = errorOf(err, dev);
    // a refused PUT applies nothing (RFC 8040: the edit is one transaction); check that it is so
    const back = await isBack(dev, before);
    const path = /: (\/[^\s;)]+)/.exec(e.message)?.[1];
    return {
      status: back ? 'rolled_back' : 'failed',
      verified: false,
      device_answer: e.message,
      ...(path ? { failed_line: path } : {}),
      message: back
        ? `${dev.name} refused the PUT (${firstLine(e.message)}); nothing was applied, its config is unchanged (read back and compared). Fix what the device names, or restore another version`
        : `the PUT to ${dev.name} failed (${firstLine(e.message)}) and its config is not the previous one (or could not be read back); check it now (a backup shows it) and restore the previous version`,
    };
  }
  const v = await verify(dev, target);
  if (v.ok) return { status: 'success', verified: true, liveAfter: v.live, message: `${dev.name} now runs this version (RESTCONF PUT, full replace; read back and compared)` };
  let putBack = '';
  try {
    await put(before);
  } catch (err) {
    putBack = ` (the PUT of the previous config failed too: ${firstLine(errorOf(err, dev).message)})`;
  }
  const back = await isBack(dev, before);
  return {
    status: back ? 'rolled_back' : 'failed',
    verified: false,
    verify_diff: v.diff,
    message: back
      ? `after the PUT, ${dev.name}'s config did not match this version (see verify_diff: the server changed or dropped parts of it), so netkeep PUT the previous config back; the device runs it again (read back and compared)`
      : `after the PUT, ${dev.name}'s config did not match this version (see verify_diff), and putting the previous config back did not bring it back${putBack}; check the device now`,
  };
}

/** Upload the stored files, verify, and on a failed write or a mismatch upload the previous files back. */
export async function pushSftpVerified(dev: RestoreDevice, plan: RestorePlan, target: string, before: string): Promise<Outcome> {
  const p = plan.push;
  if (p.kind !== 'sftp') throw new NetkeepError('internal', 'not a file plan');
  const upload = (backup: string) => pushSftp({ ...fetchOptionsOf(dev), options: { method: p.method }, backup });
  const restorePrevious = async (): Promise<string> => {
    try {
      await upload(before);
      return '';
    } catch (err) {
      return ` (uploading the previous files failed too: ${firstLine(errorOf(err, dev).message)})`;
    }
  };
  try {
    await upload(p.backup);
  } catch (err) {
    const e = errorOf(err, dev);
    const path = typeof e.details?.path === 'string' ? e.details.path : undefined;
    const putBack = await restorePrevious();
    const back = await isBack(dev, before);
    return {
      status: back ? 'rolled_back' : 'failed',
      verified: false,
      device_answer: e.message,
      ...(path ? { failed_line: path } : {}),
      message: back
        ? `writing ${path ?? 'a file'} to ${dev.name} failed (${firstLine(e.message)}); netkeep uploaded the files as they were before, and they are back (read back and compared). Fix the cause (permissions, space), then run the dry run again`
        : `writing ${path ?? 'a file'} to ${dev.name} failed (${firstLine(e.message)}) and the files are not the previous ones either${putBack}; check the device now`,
    };
  }
  const v = await verify(dev, target);
  if (v.ok) return { status: 'success', verified: true, liveAfter: v.live, message: `${dev.name} now has the files of this version (${p.method.toUpperCase()} upload; fetched again and compared, modification times ignored)` };
  const putBack = await restorePrevious();
  const back = await isBack(dev, before);
  return {
    status: back ? 'rolled_back' : 'failed',
    verified: false,
    verify_diff: v.diff,
    message: back
      ? `after the upload, ${dev.name}'s files did not match this version (see verify_diff), so netkeep uploaded the previous files back; they are back (read back and compared)`
      : `after the upload, ${dev.name}'s files did not match this version (see verify_diff), and they are not the previous ones either${putBack}; check the device now`,
  };
}

/** SNMP config copy into the running config (a merge), then verify. Nothing to put back with: a merge cannot remove lines. */
export async function pushSnmpVerified(dev: RestoreDevice, plan: RestorePlan, target: string, before: string): Promise<Outcome> {
  const p = plan.push;
  if (p.kind !== 'snmp') throw new NetkeepError('internal', 'not an SNMP plan');
  try {
    await pushSnmpConfigCopy({ ...fetchOptionsOf(dev), config: p.config, target: 'running-config' });
  } catch (err) {
    const e = errorOf(err, dev);
    const back = await isBack(dev, before);
    return {
      status: back ? 'rolled_back' : 'failed',
      verified: false,
      device_answer: e.message,
      message: back
        ? `the config copy to ${dev.name} failed (${firstLine(e.message)}); its running config is unchanged (read back and compared). Fix what the message names, then run the dry run again`
        : `the config copy to ${dev.name} failed (${firstLine(e.message)}) and its running config is no longer the previous one (part of the copy may have been applied); check it now (a backup shows it)`,
    };
  }
  const v = await verify(dev, target);
  if (v.ok) return { status: 'success', verified: true, liveAfter: v.live, message: `${dev.name} now runs this version (SNMP config copy into the running config; copied back and compared)` };
  return {
    status: 'failed',
    verified: false,
    verify_diff: v.diff,
    message: `after the config copy, ${dev.name}'s running config does not match this version (see verify_diff): the copy merges, so lines the device has and the version lacks stay. Remove them by hand, or restore over SSH with a configure replace`,
  };
}
