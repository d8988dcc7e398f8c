// The notifier: listens to the event bus, gathers events for a short digest window, and sends
// each enabled channel the events it asked for — for its group only, backup.failed only when a
// device reaches the channel's failure threshold, nothing the channel already sent for the same
// device within its quiet period — as one message (several events make one digest). Every
// message sent, failed or held back leaves a notify_deliveries row.
import type { Logger } from 'pino';
import type { Db } from '../db/index.ts';
import { applyRules } from '../drivers/helpers.ts';
import { findDriver } from '../drivers/index.ts';
import { FAILURE_LABELS, type FailureClass } from '../errors.ts';
import { bus as processBus, type BackupEvent, type EventBus } from '../events/bus.ts';
import { scrub } from '../logging/redact.ts';
import type { Keyring } from '../security/masterkey.ts';
import { BlobStore } from '../store/blobs.ts';
import { readVersion, diffTexts } from '../store/history.ts';
import { enabledChannels, type RoutedChannel } from './channels.ts';
import { compose, cutDiff } from './format.ts';
import { sendMessage } from './send.ts';
import { countNotify } from './stats.ts';
import type { NotifyEvent, NotifyEventName, SendOptions } from './types.ts';

export interface NotifierOptions {
  /** How long events are gathered into one message (default 10 s). */
  digestMs?: number;
  /** HTTP attempts and first retry delay (defaults: 5 attempts, 1 s doubling). */
  send?: SendOptions;
  /** How long stop() lets retries go on before cutting them short (default 10 s). */
  stopGraceMs?: number;
  bus?: EventBus;
  store?: BlobStore;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface Notifier {
  /** Send what is gathered now, and wait for it. */
  flush(): Promise<void>;
  /** Stop listening; send what is gathered. */
  stop(): Promise<void>;
}

interface Raw {
  type: string;
  e: Record<string, unknown>;
}

/** How long stop() lets retries run before cutting them short. */
const STOP_GRACE_MS = 10_000;

const WANTED = new Set(['backup.significant', 'backup.failed', 'backup.recovered', 'compliance.violation', 'compliance.restored', 'restore.finished']);

const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
const date = (v: unknown) => (v instanceof Date ? v : v ? new Date(String(v)) : new Date());

export function startNotifier(ctx: { db: Db; keyring: Keyring; dataDir: string }, o: NotifierOptions = {}): Notifier {
  const bus = o.bus ?? processBus;
  const digestMs = o.digestMs ?? 10_000;
  const say = (obj: { error?: string; err?: Error }, msg: string) => void process.stderr.write(`netkeep: ${msg}${obj.error ? `: ${obj.error}` : obj.err ? `: ${obj.err.message}` : ''}\n`);
  const log = o.log ?? ({ info: () => {}, warn: say, error: say } as unknown as Pick<Logger, 'info' | 'warn' | 'error'>);
  let store = o.store;
  let pending: Raw[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  // cut retries short when the process stops (a receiver that is down must not hold a shutdown)
  const stopping = new AbortController();
  const sendOptions = { ...o.send, signal: o.send?.signal ? AbortSignal.any([o.send.signal, stopping.signal]) : stopping.signal };

  const schedule = () => {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, digestMs);
    timer.unref?.();
  };
  const off = bus.onAny((ev: BackupEvent) => {
    const type = ev.type as string;
    if (!WANTED.has(type)) return;
    pending.push({ type, e: ev as unknown as Record<string, unknown> });
    schedule();
  });

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    chain = chain.then(() => (batch.length ? deliver(batch) : undefined)).catch((err) => log.error({ err }, 'notifications could not be sent'));
    return chain;
  };

  const deliver = async (batch: Raw[]) => {
    const channels = await enabledChannels(ctx.db, ctx.keyring, (name, err) => log.warn({ channel: name, error: err.message }, `notification channel "${name}" cannot be used`));
    if (!channels.length) return;
    const deviceIds = [...new Set(batch.map((r) => str(r.e.deviceId)).filter((x): x is string => !!x))];
    const devices = deviceIds.length ? await ctx.db.selectFrom('devices').select(['id', 'group_id', 'driver']).where('id', 'in', deviceIds).execute() : [];
    const dev = new Map(devices.map((d) => [d.id, d]));
    const wantsDiff = channels.some((c) => c.events.includes('config.changed'));
    const events: NotifyEvent[] = [];
    for (const r of batch) {
      const d = dev.get(str(r.e.deviceId) ?? '');
      const e = await toNotifyEvent(r, d?.group_id ?? null, wantsDiff ? (prev, cur) => diffOf(prev, cur, d?.driver ?? '') : undefined);
      if (e) events.push(e);
    }
    await Promise.all(channels.map((c) => deliverTo(c, events)));
  };

  const diffOf = async (prevId: string, curId: string, driverId: string) => {
    store ??= BlobStore.forContext(ctx);
    const [a, b] = await Promise.all([readVersion(ctx.db, store, prevId, { withMetadata: false }), readVersion(ctx.db, store, curId, { withMetadata: false })]);
    const drv = findDriver(driverId);
    // secrets in configs (password hashes, keys, communities) never leave netkeep in a message
    const filter = (t: string) => scrub(drv ? applyRules(applyRules(t, drv.secrets), drv.significant) : t);
    const r = diffTexts(a.text.toString('utf8'), b.text.toString('utf8'), { filter, fromName: `${prevId} (${a.version.started_at.toISOString()})`, toName: `${curId} (${b.version.started_at.toISOString()})` });
    return { unified: cutDiff(r.unified), added: r.added, removed: r.removed };
  };

  const deliverTo = async (c: RoutedChannel, all: NotifyEvent[]) => {
    const byKey = new Map<string, NotifyEvent>();
    for (const e of all) {
      if (!c.events.includes(e.event)) continue;
      if (c.groupId && e.groupId !== c.groupId) continue;
      if (e.event === 'backup.failed' && e.consecutiveFailures !== c.failureThreshold) continue;
      if (e.event === 'backup.recovered' && (e.consecutiveFailures ?? 0) < c.failureThreshold) continue;
      byKey.set(e.dedupKey, e);
    }
    if (!byKey.size) return;
    let quiet = new Set<string>();
    if (c.quietSeconds > 0) {
      const since = new Date(Date.now() - c.quietSeconds * 1000);
      const keys = [...byKey.keys()];
      for (let i = 0; i < keys.length; i += 500) {
        const rows = await ctx.db
          .selectFrom('notify_deliveries')
          .select('dedup_key')
          .distinct()
          .where('channel_id', '=', c.id)
          .where('status', '=', 'sent')
          .where('created_at', '>', since)
          .where('dedup_key', 'in', keys.slice(i, i + 500))
          .execute();
        for (const r of rows) quiet.add(r.dedup_key);
      }
    }
    const send = [...byKey.values()].filter((e) => !quiet.has(e.dedupKey));
    const held = [...byKey.values()].filter((e) => quiet.has(e.dedupKey));
    if (held.length) {
      await record(c, held, 'suppressed', 0, `already sent within the quiet period of ${c.quietSeconds} s`);
      countNotify(c.kind, 'suppressed', held.length);
    }
    if (!send.length) return;
    const r = await sendMessage(c, compose(send), send, sendOptions);
    await record(c, send, r.ok ? 'sent' : 'failed', r.attempts, r.error ?? null);
    countNotify(c.kind, r.ok ? 'sent' : 'failed', send.length);
    if (!r.ok) log.warn({ channel: c.name, kind: c.kind, events: send.length, error: r.error }, `notification channel "${c.name}" failed`);
  };

  const record = async (c: RoutedChannel, events: NotifyEvent[], status: 'sent' | 'failed' | 'suppressed', attempts: number, error: string | null) => {
    for (let i = 0; i < events.length; i += 500) {
      await ctx.db
        .insertInto('notify_deliveries')
        .values(
          events.slice(i, i + 500).map((e) => ({
            channel_id: c.id,
            event: e.event,
            dedup_key: e.dedupKey.slice(0, 300),
            device_id: e.deviceId,
            status,
            attempts,
            events_count: events.length,
            error: error?.slice(0, 2000) ?? null,
          })),
        )
        .execute();
    }
  };

  return {
    flush,
    async stop() {
      stopped = true;
      off();
      const t = setTimeout(() => stopping.abort(), o.stopGraceMs ?? STOP_GRACE_MS);
      t.unref?.();
      await flush();
      clearTimeout(t);
    },
  };
}

type DiffFn = (prevId: string, curId: string) => Promise<{ unified: string; added: number; removed: number }>;

/** A bus event as a notification event (null: nothing to tell, e.g. the first backup of a device). */
export async function toNotifyEvent(r: Raw, groupId: string | null, diff?: DiffFn): Promise<NotifyEvent | null> {
  const e = r.e;
  const deviceId = str(e.deviceId);
  const name = str(e.deviceName) ?? deviceId ?? 'unknown device';
  const base = { deviceId, deviceName: str(e.deviceName), groupId, at: date(e.at) };
  switch (r.type) {
    case 'backup.significant': {
      const prev = str(e.previousId);
      if (!prev) return null; // a first backup is not a change
      let d: Awaited<ReturnType<DiffFn>> | undefined;
      let why = '';
      try {
        d = diff ? await diff(prev, String(e.historyId)) : undefined;
      } catch (err) {
        why = ` (the diff could not be made: ${(err as Error).message})`;
      }
      return {
        ...base,
        event: 'config.changed',
        severity: 'notice',
        title: `${name}: configuration changed`,
        text: `${d ? `${d.added} line(s) added, ${d.removed} removed` : 'the stored configuration differs from the previous version'}${why}. Version ${e.historyId}.`,
        ...(d?.unified ? { diff: d.unified } : {}),
        dedupKey: `config.changed:${e.historyId}`,
        data: { history_id: String(e.historyId), previous_id: prev, job_id: str(e.jobId), ...(d ? { added: d.added, removed: d.removed } : {}) },
      };
    }
    case 'backup.failed': {
      const cls = String(e.failureClass);
      const n = Number(e.consecutiveFailures);
      return {
        ...base,
        event: 'backup.failed',
        severity: 'error',
        title: `${name}: backup failed (${FAILURE_LABELS[cls as FailureClass] ?? cls})`,
        text: `${String(e.message)}\n${n} consecutive failure${n === 1 ? '' : 's'}.`,
        dedupKey: `backup.failed:${deviceId}`,
        consecutiveFailures: n,
        data: { failure_class: cls, consecutive_failures: n, history_id: str(e.historyId), job_id: str(e.jobId) },
      };
    }
    case 'backup.recovered': {
      const n = Number(e.failures);
      const since = e.failedSince ? date(e.failedSince).toISOString() : null;
      return {
        ...base,
        event: 'backup.recovered',
        severity: 'info',
        title: `${name}: backups work again`,
        text: `The backup succeeded after ${n} failure${n === 1 ? '' : 's'}${since ? ` (failing since ${since})` : ''}.`,
        dedupKey: `backup.recovered:${deviceId}`,
        consecutiveFailures: n,
        data: { failures: n, failing_since: since, history_id: str(e.historyId) },
      };
    }
    case 'compliance.violation':
    case 'compliance.restored': {
      const violation = r.type === 'compliance.violation';
      return {
        ...base,
        event: r.type as NotifyEventName,
        severity: violation ? 'warning' : 'info',
        title: violation ? `${name}: violates compliance rule "${String(e.ruleName)}"` : `${name}: complies again with rule "${String(e.ruleName)}"`,
        text: str(e.detail) ?? (violation ? 'The latest configuration does not meet the rule.' : 'The latest configuration meets the rule again.'),
        dedupKey: `${r.type}:${deviceId}:${str(e.ruleId)}`,
        data: { rule_id: str(e.ruleId), rule_name: str(e.ruleName), history_id: str(e.historyId) },
      };
    }
    case 'restore.finished': {
      const ok = e.status === 'success';
      return {
        ...base,
        event: 'restore.finished',
        severity: ok ? 'notice' : 'error',
        title: `${name}: restore ${ok ? 'done' : String(e.status).replace('_', ' ')}`,
        text: `Restore ${String(e.restoreId)} of version ${String(e.historyId)} (${String(e.method)})${e.userId ? ` by user ${String(e.userId)}` : ''}: ${String(e.status)}.`,
        dedupKey: `restore.finished:${String(e.restoreId)}`,
        data: { restore_id: str(e.restoreId), history_id: str(e.historyId), status: str(e.status), method: str(e.method), user_id: str(e.userId) },
      };
    }
  }
  return null;
}
