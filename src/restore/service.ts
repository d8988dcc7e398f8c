// The restore workflow: a dry run (fetch live, diff against the version, the exact payload, a
// confirmation token bound to version + live config hash + user, expiring, single use), the
// execution it allows (token checked and spent, live hash re-checked, push, verify by fetching
// again, confirm or roll back on commit-confirm platforms, the verified config recorded as a
// new version), restore records, and the diff between a version and the live config. Every
// step leaves an audit row; every use of a token a ledger row.
import { randomBytes } from 'node:crypto';
import { audit, type AuditResult } from '../auth/audit.ts';
import type { Db } from '../db/index.ts';
import { InputError, NetkeepError } from '../errors.ts';
import { recordBackup } from '../backup/record.ts';
import { pushNetconf } from '../backup/fetch-netconf.ts';
import type { Keyring } from '../security/masterkey.ts';
import { BlobStore } from '../store/blobs.ts';
import { diffTexts, getVersion, readVersion, volatileFilterFor, type VersionView } from '../store/history.ts';
import { fetchLive, loadRestoreDevice, protocolOptions, type RestoreDevice } from './device.ts';
import { CONFIRM_MINUTES, comparable, planRestore, sha256, type RestoreMethod, type RestorePlan } from './plan.ts';
import { runCommands, uploadFile, type CliStep } from './push-cli.ts';
import { pushRestconfVerified, pushSftpVerified, pushSnmpVerified } from './push-data.ts';
import { firstLine, verify, type Outcome, type RestoreStatus } from './verify.ts';
import { bus as processBus, type EventBus } from '../events/bus.ts';

export interface RestoreContext {
  db: Db;
  keyring: Keyring;
  dataDir: string;
  store?: BlobStore;
  /** Where 'restore.finished' goes (default: the process-wide bus the notifier listens to). */
  bus?: EventBus;
}

/** Who asks: an API user (id) or the CLI (OS user, no id). */
export interface Actor {
  id: string | null;
  username: string;
  sourceIp?: string | null;
}

/** How long a dry run's token stays valid. */
export const TOKEN_TTL_MS = 10 * 60_000;
const TOKEN_PREFIX = 'nkr_';

export interface DryRunResult {
  dry_run: true;
  restore_id: string;
  device_id: string;
  device_name: string;
  history_id: string;
  method: RestoreMethod;
  method_description: string;
  live_sha256: string;
  target_sha256: string;
  identical: boolean;
  diff: { unified: string; hunks: unknown[] };
  payload: RestorePlan['payload'];
  confirm_token: string;
  expires_at: string;
  warnings: string[];
}

export type { RestoreStatus } from './verify.ts';

export interface ExecuteResult {
  dry_run: false;
  restore_id: string;
  device_id: string;
  device_name: string;
  history_id: string;
  status: RestoreStatus;
  method: RestoreMethod;
  verified: boolean;
  verify_diff?: string;
  failed_line?: string;
  device_answer?: string;
  message: string;
  history_id_after?: string;
}

const storeOf = (ctx: RestoreContext) => ctx.store ?? BlobStore.forContext(ctx);

function act(actor: Actor, action: string, result: AuditResult, targetId: string, details: Record<string, unknown>) {
  return { userId: actor.id, username: actor.username, sourceIp: actor.sourceIp ?? null, action, targetType: 'backup', targetId, result, details };
}

/** The version to restore, verified; a version whose blob fails verification is refused (and audited). */
async function targetOf(ctx: RestoreContext, historyId: string, actor: Actor): Promise<{ version: VersionView; text: string }> {
  try {
    const { version, text } = await readVersion(ctx.db, storeOf(ctx), historyId, { withMetadata: false });
    return { version, text: text.toString('utf8') };
  } catch (err) {
    if (err instanceof InputError && err.code === 'blob_unverifiable') {
      await audit(ctx.db, act(actor, 'restore.refused', 'failed', historyId, { reason: 'blob_unverifiable', detail: err.message }));
      throw new InputError(
        'blob_unverifiable',
        `${err.message}. netkeep will not restore a version whose stored bytes fail verification; restore another version (run netkeep verify to see which are intact)`,
        409,
        err.details,
      );
    }
    throw err;
  }
}

async function live(dev: RestoreDevice): Promise<string> {
  try {
    return await fetchLive(dev);
  } catch (err) {
    const e = err instanceof NetkeepError ? err : new NetkeepError('internal', String(err));
    throw new InputError('live_fetch_failed', `could not read the running config of ${dev.name} (${e.toLine()}); nothing was changed. Fix access to the device, then run the dry run again`, 502, { failure_class: e.failureClass });
  }
}

/** Dry run: fetch live, diff it against the version, plan the push, hand out a token. Nothing is sent to the device. */
export async function dryRun(ctx: RestoreContext, historyId: string, actor: Actor, o: { method?: 'auto' | RestoreMethod } = {}): Promise<DryRunResult> {
  const { version, text } = await targetOf(ctx, historyId, actor);
  const dev = await loadRestoreDevice(ctx.db, ctx.keyring, version.device_id, version.config_id);
  const plan = planRestore(dev, text, o.method ?? 'auto');
  const liveText = await live(dev);
  const liveSha = sha256(comparable(liveText, dev));
  const targetSha = sha256(comparable(text, dev));
  const d = diffTexts(liveText, text, { fromName: `${dev.name} live`, toName: `${version.id} (${version.started_at.toISOString()})` });
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const expires = new Date(Date.now() + TOKEN_TTL_MS);
  const row = await ctx.db
    .insertInto('restores')
    .values({
      device_id: dev.id,
      history_id: version.id,
      user_id: actor.id,
      username: actor.username.slice(0, 64),
      method: plan.method,
      payload_kind: plan.payload.kind,
      live_sha256: liveSha,
      target_sha256: targetSha,
      token_hash: sha256(token),
      token_expires_at: expires,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const identical = liveSha === targetSha;
  await audit(ctx.db, act(actor, 'restore.dry_run', 'ok', version.id, { restore_id: row.id, device: dev.name, method: plan.method, identical, added: d.added, removed: d.removed }));
  return {
    dry_run: true,
    restore_id: row.id,
    device_id: dev.id,
    device_name: dev.name,
    history_id: version.id,
    method: plan.method,
    method_description: plan.description,
    live_sha256: liveSha,
    target_sha256: targetSha,
    identical,
    diff: { unified: d.unified, hunks: d.hunks },
    payload: plan.payload,
    confirm_token: token,
    expires_at: expires.toISOString(),
    warnings: identical ? [...plan.warnings, 'the live config already matches this version (ignoring comments and volatile lines); a restore would change nothing'] : plan.warnings,
  };
}

type TokenOutcome = 'accepted' | 'unknown' | 'used' | 'expired' | 'wrong_version' | 'wrong_user';

async function ledger(ctx: RestoreContext, tokenHash: string, restoreId: string | null, historyId: string, actor: Actor, outcome: TokenOutcome): Promise<void> {
  await ctx.db
    .insertInto('restore_token_uses')
    .values({ token_hash: tokenHash, restore_id: restoreId, history_id: historyId, user_id: actor.id, username: actor.username.slice(0, 64), outcome })
    .execute();
}

/** Check and spend a token. Every refusal is a clear InputError, in the ledger and the audit log. */
async function spendToken(ctx: RestoreContext, historyId: string, token: string, actor: Actor) {
  const hash = sha256(token);
  const row = await ctx.db.selectFrom('restores').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  const refuse = async (outcome: TokenOutcome, err: InputError): Promise<never> => {
    await ledger(ctx, hash, row?.id ?? null, historyId, actor, outcome);
    await audit(ctx.db, act(actor, 'restore.refused', 'denied', historyId, { reason: `token_${outcome}`, restore_id: row?.id ?? null }));
    throw err;
  };
  const again = `run the dry run again (POST /api/v1/backups/history/${historyId}/restore, or netkeep restore ${historyId}) and use the token it returns`;
  if (!row) return refuse('unknown', new InputError('restore_token_invalid', `this confirmation token is not one netkeep handed out (altered or mistyped); ${again}`, 403));
  if (row.history_id !== historyId) {
    return refuse('wrong_version', new InputError('restore_token_wrong_version', `this confirmation token was made for version ${row.history_id}, not ${historyId}; the diff you saw is not the one this restore would apply. ${again}`, 409));
  }
  const sameUser = actor.id !== null ? row.user_id === actor.id : row.user_id === null && row.username === actor.username;
  if (!sameUser) return refuse('wrong_user', new InputError('restore_token_wrong_user', `this confirmation token belongs to ${row.username}; a restore runs only with a token from your own dry run. ${again}`, 403));
  if (row.token_used_at) return refuse('used', new InputError('restore_token_used', `this confirmation token was already used at ${row.token_used_at.toISOString()}; a token works once. ${again}`, 409));
  if (row.token_expires_at.getTime() <= Date.now()) {
    return refuse('expired', new InputError('restore_token_expired', `this confirmation token expired at ${row.token_expires_at.toISOString()} (tokens last ${TOKEN_TTL_MS / 60_000} minutes); ${again}`, 409));
  }
  // spend it atomically: of two concurrent executions only one gets the row
  const spent = await ctx.db
    .updateTable('restores')
    .set({ token_used_at: new Date(), status: 'running', executed_at: new Date() })
    .where('id', '=', row.id)
    .where('token_used_at', 'is', null)
    .where('token_expires_at', '>', new Date())
    .returning('id')
    .executeTakeFirst();
  if (!spent) return refuse('used', new InputError('restore_token_used', `this confirmation token was used by another request just now (or expired this instant); a token works once. ${again}`, 409));
  await ledger(ctx, hash, row.id, historyId, actor, 'accepted');
  return row;
}

/** Execute a restore the dry run planned. */
export async function execute(ctx: RestoreContext, historyId: string, token: string, actor: Actor): Promise<ExecuteResult> {
  await getVersion(ctx.db, historyId, { withMetadata: false }); // 404 for an id that is no version
  const row = await spendToken(ctx, historyId, token, actor);
  const finish = async (values: Record<string, unknown>) => {
    await ctx.db.updateTable('restores').set({ ...values, finished_at: new Date() }).where('id', '=', row.id).execute();
  };
  let version: VersionView;
  let text: string;
  let dev: RestoreDevice;
  let plan: RestorePlan;
  let before: string;
  try {
    ({ version, text } = await targetOf(ctx, historyId, actor));
    dev = await loadRestoreDevice(ctx.db, ctx.keyring, version.device_id, version.config_id);
    plan = planRestore(dev, text, row.method);
    before = await live(dev);
  } catch (err) {
    await finish({ status: 'refused', message: (err as Error).message.slice(0, 2000) });
    throw err;
  }
  const liveSha = sha256(comparable(before, dev));
  if (liveSha !== row.live_sha256) {
    const msg = `the running config of ${dev.name} changed since the dry run (its hash is now ${liveSha.slice(0, 12)}…, the dry run saw ${row.live_sha256.slice(0, 12)}…), so the diff you confirmed is not what this restore would apply; nothing was sent. Run the dry run again and review the new diff`;
    await finish({ status: 'refused', message: msg });
    await audit(ctx.db, act(actor, 'restore.refused', 'failed', historyId, { reason: 'live_config_changed', restore_id: row.id, device: dev.name }));
    throw new InputError('live_config_changed', msg, 409);
  }
  await audit(ctx.db, act(actor, 'restore.execute', 'ok', historyId, { restore_id: row.id, device: dev.name, method: plan.method, payload: plan.payload.kind }));

  let out: Outcome;
  try {
    const push = { netconf: pushNetconfVerified, restconf: pushRestconfVerified, sftp: pushSftpVerified, snmp: pushSnmpVerified, cli: pushCliVerified }[plan.push.kind];
    out = await push(dev, plan, text, before);
  } catch (err) {
    const e = err instanceof NetkeepError ? err : new NetkeepError('internal', String(err));
    out = { status: 'failed', verified: false, message: `the push to ${dev.name} failed: ${e.toLine()}. The device may be partly changed${plan.push.kind === 'cli' && plan.push.confirm.length ? ` (an unconfirmed replace rolls back by itself after ${CONFIRM_MINUTES} minutes)` : ''}: check it with netkeep diff-live ${historyId} before trying again` };
  }
  let historyAfter: string | undefined;
  if (out.status === 'success' && out.liveAfter !== undefined) {
    const now = new Date();
    const pv = dev.volatile;
    const volatile = pv?.length && !['ssh', 'telnet'].includes(dev.protocol) ? (t: string) => t.split('\n').filter((l) => !pv.some((re) => ((re.lastIndex = 0), re.test(l)))).join('\n') : volatileFilterFor(dev.driverId);
    try {
      const rec = await recordBackup(ctx, {
        deviceId: dev.id,
        configId: version.config_id,
        text: out.liveAfter,
        startedAt: now,
        completedAt: now,
        trigger: 'restore',
        driver: dev.driverId,
        durationMs: 0,
        ...(volatile ? { volatile } : {}),
        ...(ctx.store ? { store: ctx.store } : {}),
      });
      historyAfter = rec.historyId;
    } catch (err) {
      out.message += `; recording the verified config as a new version failed (${(err as Error).message}): run a backup of ${dev.name}`;
    }
  }
  await finish({
    status: out.status,
    verified: out.verified,
    verify_diff: out.verify_diff ?? null,
    failed_line: out.failed_line ?? null,
    device_answer: out.device_answer?.slice(0, 4000) ?? null,
    message: out.message,
    history_id_after: historyAfter ?? null,
  });
  await audit(
    ctx.db,
    act(actor, 'restore.result', out.status === 'success' ? 'ok' : 'failed', historyId, {
      restore_id: row.id,
      device: dev.name,
      status: out.status,
      verified: out.verified,
      ...(out.failed_line ? { failed_line: out.failed_line } : {}),
    }),
  );
  (ctx.bus ?? processBus).emit('restore.finished', {
    restoreId: row.id,
    deviceId: dev.id,
    deviceName: dev.name,
    historyId,
    status: out.status,
    method: plan.method,
    userId: actor.id,
    at: new Date(),
  });
  return {
    dry_run: false,
    restore_id: row.id,
    device_id: dev.id,
    device_name: dev.name,
    history_id: historyId,
    status: out.status,
    method: plan.method,
    verified: out.verified,
    ...(out.verify_diff ? { verify_diff: out.verify_diff } : {}),
    ...(out.failed_line ? { failed_line: out.failed_line } : {}),
    ...(out.device_answer ? { device_answer: out.device_answer } : {}),
    message: out.message,
    ...(historyAfter ? { history_id_after: historyAfter } : {}),
  };
}

/** The line of the payload the device's answer names (else the command it refused). */
function failedLineOf(failed: CliStep, payload: string): string {
  const lines = payload.split('\n').filter((l) => l.trim().length > 3);
  return lines.find((l) => failed.answer.includes(l.trim())) ?? failed.command;
}

async function pushCliVerified(dev: RestoreDevice, plan: RestorePlan, target: string, before: string): Promise<Outcome> {
  const p = plan.push;
  if (p.kind !== 'cli') throw new NetkeepError('internal', 'not a CLI plan');
  if (p.upload) await uploadFile(dev, p.upload.path, p.upload.content);
  const r = await runCommands(dev, p.commands, { rejected: p.rejected, abandon: p.abandon });
  if (!r.ok) {
    const failedLine = failedLineOf(r.failed, p.upload?.content ?? '');
    // did the device keep its previous config (the platform reverted, or nothing was applied)?
    const now = await fetchLive(dev);
    let unchanged = comparable(now, dev) === comparable(before, dev);
    let putBack = false;
    if (!unchanged && plan.method === 'merge') unchanged = putBack = await putBackPrevious(dev, before);
    return {
      status: unchanged ? 'rolled_back' : 'failed',
      verified: false,
      failed_line: failedLine,
      device_answer: r.failed.answer,
      message: putBack
        ? `${dev.name} refused "${failedLine}" (${firstLine(r.failed.answer)}); the lines before it had been applied, so netkeep put the previous config back with a replace (read back and compared). Fix or remove that line, or restore another version`
        : unchanged
          ? `${dev.name} refused "${failedLine}" (${firstLine(r.failed.answer)}); its config is back as it was before the restore (read back and compared). Fix or remove that line, or restore another version`
          : `${dev.name} refused "${failedLine}" (${firstLine(r.failed.answer)}); the lines before it were applied and ${dev.driver?.platform ?? 'the platform'} cannot roll them back: the device's config is now neither the old one nor this version. Check it now (a backup shows it), then restore the previous version`,
    };
  }
  const v = await verify(dev, target);
  if (v.ok) {
    if (p.confirm.length) {
      const c = await runCommands(dev, p.confirm, { rejected: p.rejected });
      if (!c.ok) {
        return {
          status: 'failed',
          verified: true,
          failed_line: c.failed.command,
          device_answer: c.failed.answer,
          message: `the restored config of ${dev.name} verified, but confirming it failed ("${c.failed.command}": ${firstLine(c.failed.answer)}); the device will roll back when its confirm timer (${CONFIRM_MINUTES} min) runs out. Check it and run the restore again`,
        };
      }
    }
    return { status: 'success', verified: true, liveAfter: v.live, message: `${dev.name} now runs this version (${plan.method}; read back and compared, comments and volatile lines ignored)${p.confirm.length ? '; the commit was confirmed after verification' : ''}` };
  }
  // verification failed: roll back where the platform can
  if (p.rollback.length) {
    const rb = await runCommands(dev, p.rollback, { rejected: p.rejected });
    const now = await fetchLive(dev);
    const back = comparable(now, dev) === comparable(before, dev);
    return {
      status: back ? 'rolled_back' : 'failed',
      verified: false,
      verify_diff: v.diff,
      message: back
        ? `after the push, ${dev.name}'s config did not match this version (see verify_diff), so netkeep did not confirm it and rolled it back (${p.rollback.join('; ')}); the device runs its previous config again`
        : `after the push, ${dev.name}'s config did not match this version (see verify_diff); the rollback (${p.rollback.join('; ')}) ${rb.ok ? 'ran but the config is not the previous one either' : `was refused: ${firstLine(rb.failed.answer)}`}. The device rolls back by itself when its confirm timer (${CONFIRM_MINUTES} min) runs out; check it`,
    };
  }
  return {
    status: 'failed',
    verified: false,
    verify_diff: v.diff,
    message: `after the push, ${dev.name}'s config does not match this version (see verify_diff)${plan.method === 'merge' ? ': a merge leaves lines the version lacks; restore with method replace where the platform has it, or remove them by hand' : ''}`,
  };
}

/**
 * After a merge went wrong half-way: put the config the device had before back with the
 * platform's replace, where it has one and SSH allows the upload. True when the config read
 * back is the previous one again.
 */
async function putBackPrevious(dev: RestoreDevice, before: string): Promise<boolean> {
  let plan: RestorePlan;
  try {
    plan = planRestore(dev, before, 'replace');
  } catch {
    return false; // no replace on this platform (or the live config came back masked)
  }
  try {
    const r = await pushCliVerified(dev, plan, before, before);
    return r.status === 'success';
  } catch {
    return false;
  }
}

async function pushNetconfVerified(dev: RestoreDevice, plan: RestorePlan, target: string, before: string): Promise<Outcome> {
  const p = plan.push;
  if (p.kind !== 'netconf') throw new NetkeepError('internal', 'not a NETCONF plan');
  const base = {
    host: dev.address,
    ...(dev.port ? { port: dev.port } : {}),
    credentials: dev.credentials,
    hostKey: dev.hostKey,
    timeouts: dev.timeouts,
    options: protocolOptions(dev),
  };
  let checked: { ok: boolean; live: string; diff: string } | undefined;
  const beforeConfirm = async () => {
    checked = await verify(dev, target);
    if (!checked.ok) throw new NetkeepError('command_rejected', 'verification failed: the running config does not match the version', { verify: true });
  };
  let confirmed = false;
  try {
    const r = await pushNetconf({ ...base, config: p.config, mode: p.mode, confirmTimeoutS: CONFIRM_MINUTES * 60, beforeConfirm });
    confirmed = r.confirmed;
  } catch (err) {
    const e = err instanceof NetkeepError ? err : new NetkeepError('internal', String(err));
    if (/does not support confirmed commit/.test(e.message)) {
      // no :confirmed-commit: commit, verify, and push the previous config back on a mismatch
      await pushNetconf({ ...base, config: p.config, mode: p.mode });
    } else if (checked && !checked.ok) {
      const now = await fetchLive(dev);
      const back = comparable(now, dev) === comparable(before, dev);
      return {
        status: back ? 'rolled_back' : 'failed',
        verified: false,
        verify_diff: checked.diff,
        message: back
          ? `after the commit, ${dev.name}'s running config did not match this version (see verify_diff), so netkeep did not confirm the commit and the server rolled it back`
          : `after the commit, ${dev.name}'s running config did not match this version (see verify_diff); netkeep did not confirm it, and the server rolls back when the confirm timeout (${CONFIRM_MINUTES * 60} s) ends`,
      };
    } else {
      const answer = (e.details?.answer as string | undefined) ?? e.message;
      const now = await fetchLive(dev).catch(() => undefined);
      const back = now !== undefined && comparable(now, dev) === comparable(before, dev);
      return {
        status: back ? 'rolled_back' : 'failed',
        verified: false,
        device_answer: answer,
        ...(failedElement(answer) ? { failed_line: failedElement(answer)! } : {}),
        message: `${dev.name} refused the configuration (${e.toLine()})${back ? '; nothing was committed, its running config is unchanged' : ''}`,
      };
    }
  }
  if (confirmed && checked?.ok) return { status: 'success', verified: true, liveAfter: checked.live, message: `${dev.name} now runs this version (NETCONF ${p.mode}; the confirmed commit was confirmed after the running config read back matched)` };
  const v = await verify(dev, target);
  if (v.ok) return { status: 'success', verified: true, liveAfter: v.live, message: `${dev.name} now runs this version (NETCONF ${p.mode}, committed; read back and compared)` };
  // no confirmed commit to fall back on: push the previous config back
  await pushNetconf({ ...base, config: before, mode: 'replace' }).catch(() => undefined);
  const now = await fetchLive(dev);
  const back = comparable(now, dev) === comparable(before, dev);
  return {
    status: back ? 'rolled_back' : 'failed',
    verified: false,
    verify_diff: v.diff,
    message: back ? `after the commit, ${dev.name}'s running config did not match this version (see verify_diff); netkeep pushed the previous config back` : `after the commit, ${dev.name}'s running config matches neither this version nor the previous one (see verify_diff); check it`,
  };
}

function failedElement(answer: string): string | undefined {
  const m = /(?:bad-element|error-path)[^:]*:\s*([^\s;,)]+)/i.exec(answer);
  return m?.[1];
}

/** The diff between a version and the device's config now (nothing is sent but the fetch). */
export async function diffLive(ctx: RestoreContext, historyId: string, actor: Actor, o: { hideVolatile?: boolean } = {}) {
  const { version, text } = await targetOf(ctx, historyId, actor);
  const dev = await loadRestoreDevice(ctx.db, ctx.keyring, version.device_id, version.config_id);
  const liveText = await live(dev);
  const filter = o.hideVolatile ? volatileFilterFor(dev.driverId) : undefined;
  const d = diffTexts(text, liveText, { ...(filter ? { filter } : {}), fromName: `${version.id} (${version.started_at.toISOString()})`, toName: `${dev.name} live` });
  return {
    device_id: dev.id,
    device_name: dev.name,
    history_id: version.id,
    live_sha256: sha256(comparable(liveText, dev)),
    identical: comparable(liveText, dev) === comparable(text, dev),
    added: d.added,
    removed: d.removed,
    unified: d.unified,
    hunks: d.hunks,
  };
}

export interface RestoreRow {
  id: string;
  device_id: string;
  device_name: string;
  history_id: string;
  username: string;
  method: string;
  payload_kind: string;
  live_sha256: string;
  target_sha256: string;
  status: string;
  verified: boolean | null;
  verify_diff: string | null;
  failed_line: string | null;
  device_answer: string | null;
  message: string | null;
  history_id_after: string | null;
  token_expires_at: Date;
  token_used_at: Date | null;
  created_at: Date;
  executed_at: Date | null;
  finished_at: Date | null;
}

function rowsQuery(db: Db) {
  return db
    .selectFrom('restores as r')
    .innerJoin('devices as d', 'd.id', 'r.device_id')
    .select([
      'r.id', 'r.device_id', 'd.name as device_name', 'r.history_id', 'r.username', 'r.method', 'r.payload_kind', 'r.live_sha256', 'r.target_sha256',
      'r.status', 'r.verified', 'r.verify_diff', 'r.failed_line', 'r.device_answer', 'r.message', 'r.history_id_after', 'r.token_expires_at',
      'r.token_used_at', 'r.created_at', 'r.executed_at', 'r.finished_at',
    ]);
}

export async function listRestores(db: Db, o: { deviceId?: string; limit?: number } = {}): Promise<RestoreRow[]> {
  let q = rowsQuery(db);
  if (o.deviceId) q = q.where('r.device_id', '=', o.deviceId);
  return (await q.orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(Math.min(Math.max(o.limit ?? 50, 1), 1000)).execute()) as RestoreRow[];
}

export async function getRestore(db: Db, id: string): Promise<RestoreRow> {
  const r = /^[0-9a-f-]{36}$/i.test(id) ? await rowsQuery(db).where('r.id', '=', id).executeTakeFirst() : undefined;
  if (!r) throw new InputError('restore_not_found', `no restore with id "${id}"; list restores with GET /api/v1/restores`, 404);
  return r as RestoreRow;
}

/** Token-use ledger rows of a restore (oldest first). */
export async function tokenUses(db: Db, restoreId: string) {
  return db.selectFrom('restore_token_uses').select(['at', 'outcome', 'username']).where('restore_id', '=', restoreId).orderBy('id').execute();
}


/**
 * How long an execution may stay 'running'. It runs inside one request: up to five device
 * sessions (upload, push, read back, confirm or roll back), each bounded by its session timeout;
 * commit-confirm timers on the device run out after CONFIRM_MINUTES.
 */
export const EXECUTION_DEADLINE_MS = 30 * 60_000;

/**
 * At start-up: executions still 'running' past their deadline were cut off by a process death
 * (the request that ran them is gone). Mark them 'interrupted', say what to do, audit each.
 * Younger ones may belong to another netkeep process sharing the database: left alone.
 */
export async function markInterruptedRestores(db: Db, o: { now?: Date; deadlineMs?: number } = {}): Promise<{ id: string; device_name: string }[]> {
  const now = o.now ?? new Date();
  const cutoff = new Date(now.getTime() - (o.deadlineMs ?? EXECUTION_DEADLINE_MS));
  const stale = await db
    .selectFrom('restores as r')
    .innerJoin('devices as d', 'd.id', 'r.device_id')
    .select(['r.id', 'r.history_id', 'r.method', 'r.executed_at', 'r.username', 'd.name as device_name'])
    .where('r.status', '=', 'running')
    .where((eb) => eb.or([eb('r.executed_at', '<', cutoff), eb.and([eb('r.executed_at', 'is', null), eb('r.created_at', '<', cutoff)])]))
    .execute();
  const out: { id: string; device_name: string }[] = [];
  for (const r of stale) {
    const since = r.executed_at ? ` started at ${r.executed_at.toISOString()}` : '';
    const message =
      `this restore${since} was interrupted (netkeep stopped while it ran), so netkeep does not know how far the push got: ` +
      `${r.device_name} may run the previous config, this version, or a mix (a ${r.method} with a commit-confirm timer rolls back by itself). ` +
      `Run the dry run again (netkeep restore ${r.history_id}, or POST /api/v1/backups/history/${r.history_id}/restore) to see the device's state, then restore again if needed`;
    const done = await db
      .updateTable('restores')
      .set({ status: 'interrupted', verified: false, message, finished_at: now })
      .where('id', '=', r.id)
      .where('status', '=', 'running')
      .returning('id')
      .executeTakeFirst();
    if (!done) continue; // another process got there first
    await audit(db, { userId: null, username: 'system', sourceIp: null, action: 'restore.interrupted', targetType: 'backup', targetId: r.history_id, result: 'failed', details: { restore_id: r.id, device: r.device_name, started_by: r.username, executed_at: r.executed_at?.toISOString() ?? null } });
    out.push({ id: r.id, device_name: r.device_name });
  }
  return out;
}
