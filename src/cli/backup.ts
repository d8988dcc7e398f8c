// `netkeep backup`, `netkeep status`, `netkeep worker`: run backups now, see the state of the
// fleet, and run backup workers without the API.
import { sql } from 'kysely';
import { openContext, type AppContext } from '../context.ts';
import { NetkeepError, FAILURE_LABELS, type FailureClass } from '../errors.ts';
import { runPass, selectDevices, type PassProgress, type PassSummary } from '../backup/pass.ts';
import { enqueueBackups, getBoss, stopBoss } from '../schedule/queue.ts';
import { startWorker, type WorkerHandle } from '../schedule/worker.ts';
import { gitMirrorFromEnv, type ConfiguredMirror } from '../store/mirror-config.ts';
import { bus } from '../events/bus.ts';
import { createLogger } from '../logging/logger.ts';
import { logBusEvents } from '../logging/events.ts';
import { startNotifier } from '../notify/dispatcher.ts';
import { startComplianceWatcher, type ComplianceWatcher } from '../compliance/watch.ts';
import { createMetrics } from '../metrics/registry.ts';
import { startMetricsListener } from '../metrics/listener.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_FAILURE, EXIT_OK, parse, printJson, table, UsageError } from './io.ts';

const WORKER_HELP = [
  '  --concurrency N       backups at once in this process (default 64)',
  '  --global-max N        sessions at once across all workers (default: no limit)',
  '  --deadline S          longest one backup attempt may take, in seconds (default 330); a job',
  '                        held longer by a worker that died is run again',
];

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of at least 1, not "${v}"`);
  return n;
}

/** Open the data; when `serve` holds the embedded data directory, say how to back up through it. */
async function open(values: { 'data-dir'?: string; 'database-url'?: string }, command: string): Promise<AppContext> {
  try {
    return await openContext({ dataDir: values['data-dir'], databaseUrl: values['database-url'], command });
  } catch (err) {
    if (err instanceof NetkeepError && /is in use by/.test(err.message) && command === 'backup') {
      throw new NetkeepError(
        err.failureClass,
        `${err.message} While netkeep serve runs on the embedded database, start backups through it: ` +
          `POST /api/v1/backups/devices/{id}/backup, or the web UI (see docs/decisions/0003).`,
        undefined,
        { cause: err },
      );
    }
    throw err;
  }
}

/** Queue settings for a given attempt deadline: dead workers are looked for four times per deadline. */
function settingsFor(deadlineSeconds: number) {
  return { attemptDeadlineSeconds: deadlineSeconds, superviseIntervalSeconds: Math.max(2, Math.min(30, Math.floor(deadlineSeconds / 4))) };
}

const classLabel = (c: string) => FAILURE_LABELS[c as FailureClass] ?? c;

function fmtDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function summaryLine(s: PassSummary): string {
  const failed = Object.entries(s.failedByClass)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${classLabel(c)} ${n}`)
    .join(', ');
  return (
    `backed up ${s.total} device${s.total === 1 ? '' : 's'} in ${fmtDuration(s.durationMs)}: ` +
    `${s.ok} ok (${s.changed} changed), ${s.failed} failed${failed ? ` (${failed})` : ''}`
  );
}

function progressReporter(tty: boolean) {
  let lastPlain = 0;
  let lastPct = -1;
  return {
    update(p: PassProgress) {
      const pct = p.total ? Math.floor((p.done / p.total) * 100) : 100;
      if (tty) {
        const width = 30;
        const fill = Math.round((pct / 100) * width);
        const rate = p.elapsedMs > 0 ? (p.done / (p.elapsedMs / 1000)).toFixed(0) : '0';
        process.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${p.done}/${p.total} ${pct}%  ok ${p.ok}  changed ${p.changed}  failed ${p.failed}  ${rate}/s `);
      } else {
        const now = performance.now();
        if (p.done === p.total || (pct >= lastPct + 10 && now - lastPlain > 1000) || now - lastPlain > 10_000) {
          lastPlain = now;
          lastPct = pct;
          process.stderr.write(`progress: ${p.done}/${p.total} done, ${p.ok} ok, ${p.changed} changed, ${p.failed} failed\n`);
        }
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

const backupSpec = {
  name: 'backup',
  usage: 'backup (--all | --group NAME | --device NAME ...) [--wait] [--json]',
  summary:
    'Back up devices now. Without --wait the backups are queued for the workers. With --wait, waits for every one and prints a summary; ' +
    'on the embedded database this command runs the backups itself. Exit status 1 when any backup failed.',
  help: [
    '  --all                 every enabled device',
    '  --group NAME          the devices of one group',
    '  --device NAME         one device (repeatable)',
    '  --wait                wait for the results and print a summary',
    '  --worker              with --wait on PostgreSQL: also run the backups in this process (default: the running workers do)',
    '  --json                JSON summary on stdout',
    ...WORKER_HELP,
    ...COMMON_HELP,
  ],
  options: {
    ...DB_OPTIONS,
    all: { type: 'boolean' },
    group: { type: 'string' },
    device: { type: 'string', multiple: true },
    wait: { type: 'boolean' },
    worker: { type: 'boolean' },
    json: { type: 'boolean' },
    concurrency: { type: 'string' },
    'global-max': { type: 'string' },
    deadline: { type: 'string' },
  },
} as const;

export async function backupCommand(argv: string[]): Promise<number> {
  const args = parse(backupSpec, argv);
  if (!args) return EXIT_OK;
  const v = args.values;
  const chosen = [v.all, v.group !== undefined, (v.device?.length ?? 0) > 0].filter(Boolean).length;
  if (chosen === 0) throw new UsageError('say which devices to back up: --all, --group NAME or --device NAME (see netkeep backup --help)');
  if (chosen > 1) throw new UsageError('give only one of --all, --group and --device (see netkeep backup --help)');
  const concurrency = positiveInt(v.concurrency, '--concurrency');
  const globalMax = positiveInt(v['global-max'], '--global-max');
  const deadline = positiveInt(v.deadline, '--deadline');
  const sel = { ...(v.all ? { all: true } : {}), ...(v.group ? { group: v.group } : {}), ...(v.device?.length ? { devices: v.device } : {}) };
  const ctx = await open(v, 'backup');
  let worker: WorkerHandle | undefined;
  let mirror: ConfiguredMirror | undefined;
  let notifier: ReturnType<typeof startNotifier> | undefined;
  let compliance: ComplianceWatcher | undefined;
  try {
    if (deadline) await getBoss(ctx, { settings: settingsFor(deadline) });
    if (!v.wait) {
      const devices = await selectDevices(ctx.db, sel);
      const r = await enqueueBackups(ctx, devices.map((d) => ({ deviceId: d.id, trigger: 'manual', requestedBy: `cli:${process.env.USER ?? 'unknown'}` })));
      const queued = r.filter((x) => x.queued).length;
      if (v.json) printJson({ queued, alreadyWaiting: r.length - queued, jobs: r.map((x, i) => ({ device: devices[i].name, jobId: x.jobId, queued: x.queued })) });
      else {
        process.stdout.write(`queued ${queued} backup(s)${r.length - queued ? `; ${r.length - queued} were already waiting` : ''}\n`);
        if (ctx.ndb.kind === 'pglite') process.stderr.write(`netkeep: the backups run when netkeep serve (or netkeep worker) runs on ${ctx.dataDir}; or use --wait to run them now\n`);
      }
      return EXIT_OK;
    }
    if (ctx.ndb.kind === 'pglite' || v.worker) {
      mirror = await gitMirrorFromEnv(process.env, ctx.dataDir, (l) => process.stderr.write(`netkeep: ${l}\n`));
      worker = await startWorker(ctx, { ...(concurrency ? { concurrency } : {}), ...(globalMax ? { globalMaxSessions: globalMax } : {}), ...(deadline ? { settings: settingsFor(deadline) } : {}), ...(mirror ? { mirror } : {}) });
      notifier = startNotifier(ctx); // the backups run here, so their notifications go from here
      compliance = startComplianceWatcher(ctx); // and their compliance evaluation
    }
    const tty = !v.json && !!process.stderr.isTTY;
    const rep = progressReporter(tty);
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    let s: PassSummary;
    try {
      s = await runPass(ctx, sel, {
        trigger: 'manual',
        requestedBy: `cli:${process.env.USER ?? 'unknown'}`,
        signal: ac.signal,
        ...(v.json ? {} : { onProgress: (p: PassProgress) => rep.update(p) }),
        onStall: () => {
          if (!worker) process.stderr.write(`\nnetkeep: no backup has finished for 30 s; is a worker running? Start one with 'netkeep worker' (or pass --worker)\n`);
        },
      });
    } finally {
      process.off('SIGINT', onSig);
      rep.end();
    }
    if (v.json) printJson(s);
    else {
      process.stdout.write(summaryLine(s) + '\n');
      for (const f of s.failures.slice(0, 20)) process.stdout.write(`  ${f.device}: ${classLabel(f.failureClass)}: ${f.message}\n`);
      if (s.failures.length > 20) process.stdout.write(`  … and ${s.failures.length - 20} more; see netkeep status\n`);
    }
    return s.failed ? EXIT_FAILURE : EXIT_OK;
  } finally {
    await worker?.stop({ graceful: false });
    await compliance?.stop().catch(() => {});
    await notifier?.stop().catch(() => {});
    await mirror?.close().catch(() => {});
    await stopBoss(ctx);
    await ctx.close();
  }
}

const statusSpec = {
  name: 'status',
  usage: 'status [--json]',
  summary: 'The state of the fleet: devices ok, failing and never backed up; failing since when and why; the last pass; the next runs.',
  help: ['  --json                JSON output', ...COMMON_HELP],
  options: { ...DB_OPTIONS, json: { type: 'boolean' } },
} as const;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export async function fleetStatus(ctx: Pick<AppContext, 'db'>) {
  const counts = (
    await sql<{ ok: number; failing: number; never: number; disabled: number; total: number }>`
      SELECT count(*) FILTER (WHERE enabled AND last_status = 'success')::int AS ok,
             count(*) FILTER (WHERE enabled AND last_status = 'failure')::int AS failing,
             count(*) FILTER (WHERE enabled AND last_status IS NULL)::int AS never,
             count(*) FILTER (WHERE NOT enabled)::int AS disabled,
             count(*)::int AS total
      FROM devices`.execute(ctx.db)
  ).rows[0]!;
  const failing = await ctx.db
    .selectFrom('devices')
    .select(['name', 'failing_since', 'consecutive_failures', 'last_error_class', 'last_error', 'last_success_at', 'host_key_pending'])
    .where('enabled', '=', true)
    .where('last_status', '=', 'failure')
    .orderBy('failing_since')
    .orderBy('name')
    .limit(100)
    .execute();
  const last = (
    await sql<{ at: Date | null; n: number; failed: number }>`
      SELECT max(completed_at) AS at,
             count(*) FILTER (WHERE completed_at > (SELECT max(completed_at) FROM backup_history) - interval '1 hour')::int AS n,
             count(*) FILTER (WHERE status <> 'success' AND completed_at > (SELECT max(completed_at) FROM backup_history) - interval '1 hour')::int AS failed
      FROM backup_history`.execute(ctx.db)
  ).rows[0];
  let next: { device: string; backup_type: string; at: Date }[] = [];
  try {
    next = (
      await sql<{ device: string; backup_type: string; at: Date }>`
        SELECT d.name AS device, c.backup_type, c.next_run_at AS at FROM backup_configs c JOIN devices d ON d.id = c.device_id
        WHERE c.enabled AND d.enabled AND c.next_run_at IS NOT NULL ORDER BY c.next_run_at, d.name LIMIT 5`.execute(ctx.db)
    ).rows;
  } catch {
    next = []; // schedules not migrated yet
  }
  let queue = { waiting: 0, active: 0 };
  try {
    const q = (
      await sql<{ waiting: number; active: number }>`
        SELECT count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS waiting, count(*) FILTER (WHERE state = 'active')::int AS active
        FROM pgboss.job WHERE name LIKE 'netkeep-backup%' AND state < 'completed'`.execute(ctx.db)
    ).rows[0];
    if (q) queue = q;
  } catch {
    /* the queue was never started */
  }
  return {
    devices: counts,
    failing: failing.map((f) => ({
      device: f.name,
      failingSince: iso(f.failing_since),
      consecutiveFailures: f.consecutive_failures,
      failureClass: f.last_error_class,
      error: f.last_error,
      lastSuccess: iso(f.last_success_at),
      hostKeyPending: !!f.host_key_pending,
    })),
    lastPass: last?.at ? { at: iso(last.at), backups: last.n, failed: last.failed } : null,
    nextRuns: next.map((n) => ({ device: n.device, backupType: n.backup_type, at: iso(n.at) })),
    queue,
  };
}

export async function statusCommand(argv: string[]): Promise<number> {
  const args = parse(statusSpec, argv);
  if (!args) return EXIT_OK;
  const ctx = await open(args.values, 'status');
  try {
    const st = await fleetStatus(ctx);
    if (args.values.json) {
      printJson(st);
      return EXIT_OK;
    }
    const d = st.devices;
    const out: string[] = [];
    out.push(`devices: ${d.total} — ${d.ok} ok, ${d.failing} failing, ${d.never} never backed up${d.disabled ? `, ${d.disabled} disabled` : ''}`);
    out.push(st.lastPass ? `last backup: ${st.lastPass.at} (${st.lastPass.backups} in the hour before it, ${st.lastPass.failed} failed)` : 'last backup: never — run netkeep backup --all --wait');
    out.push(`queue: ${st.queue.waiting} waiting, ${st.queue.active} running`);
    if (st.nextRuns.length) out.push(`next runs: ${st.nextRuns.map((n) => `${n.device} ${n.at}`).join(', ')}`);
    else out.push('next runs: none scheduled');
    process.stdout.write(out.join('\n') + '\n');
    if (st.failing.length) {
      process.stdout.write('\nfailing:\n');
      process.stdout.write(
        table(
          ['DEVICE', 'SINCE', 'FAILURES', 'CLASS', 'WHY'],
          st.failing.map((f) => [f.device, f.failingSince, f.consecutiveFailures, f.failureClass ? classLabel(f.failureClass) : null, (f.error ?? '').slice(0, 120)]),
        ),
      );
    }
    return EXIT_OK;
  } finally {
    await ctx.close();
  }
}

const workerSpec = {
  name: 'worker',
  usage: 'worker [--zone NAME ...] [--concurrency N] [--global-max N]',
  summary:
    'Run backup workers only (no API): take backup jobs from the queue and run them until stopped (SIGTERM/SIGINT finish the running ones). ' +
    'Run workers on any host that reaches the same PostgreSQL and the same blob store.',
  help: [
    '  --zone NAME           serve this poller zone (repeatable); "default" is devices without a zone (default: only that)',
    '  --metrics-port N      serve GET /metrics (Prometheus) on this port (or NETKEEP_METRICS_PORT); see docs/monitoring.md',
    '  --metrics-host ADDR   address for --metrics-port (default 127.0.0.1)',
    ...WORKER_HELP,
    ...COMMON_HELP,
  ],
  options: { ...DB_OPTIONS, zone: { type: 'string', multiple: true }, concurrency: { type: 'string' }, 'global-max': { type: 'string' }, deadline: { type: 'string' }, 'metrics-port': { type: 'string' }, 'metrics-host': { type: 'string' } },
} as const;

export async function workerCommand(argv: string[]): Promise<number> {
  const args = parse(workerSpec, argv);
  if (!args) return EXIT_OK;
  const v = args.values;
  const concurrency = positiveInt(v.concurrency, '--concurrency');
  const globalMax = positiveInt(v['global-max'], '--global-max');
  const deadline = positiveInt(v.deadline, '--deadline');
  const zones = (v.zone ?? ['default']).map((z) => (z === 'default' ? null : z));
  const metricsPortText = v['metrics-port'] ?? process.env.NETKEEP_METRICS_PORT;
  const metricsPort = metricsPortText === undefined ? undefined : Number(metricsPortText);
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) throw new UsageError(`--metrics-port must be a number from 0 to 65535, not "${metricsPortText}"`);
  const ctx = await open(v, 'worker');
  try {
    const mirror = await gitMirrorFromEnv(process.env, ctx.dataDir, (l) => process.stderr.write(`netkeep: ${l}\n`));
    const w = await startWorker(ctx, { zones, ...(concurrency ? { concurrency } : {}), ...(globalMax ? { globalMaxSessions: globalMax } : {}), ...(deadline ? { settings: settingsFor(deadline) } : {}), ...(mirror ? { mirror } : {}) });
    process.stderr.write(`netkeep worker ${w.id}: serving zone(s) ${zones.map((z) => z ?? 'default').join(', ')} on ${ctx.ndb.location}\n`);
    const logger = createLogger({ level: process.env.NETKEEP_LOG_LEVEL ?? 'info', process: 'worker' });
    const offEventLog = logBusEvents(bus, logger);
    const notifier = startNotifier(ctx, { log: logger });
    const compliance = startComplianceWatcher(ctx); // rules evaluated after every backup (docs/compliance.md)
    const metrics = metricsPort === undefined ? undefined : createMetrics({ db: ctx.db, bus });
    const ml = metrics ? await startMetricsListener({ metrics, host: v['metrics-host'] ?? '127.0.0.1', port: metricsPort!, token: process.env.NETKEEP_METRICS_TOKEN }) : undefined;
    if (ml) process.stderr.write(`netkeep worker ${w.id}: metrics on http://${v['metrics-host'] ?? '127.0.0.1'}:${ml.port}/metrics\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    process.stderr.write(`netkeep worker ${w.id}: stopping; finishing ${w.stats.running} running backup(s) (at most 30 s)\n`);
    await w.stop({ graceful: true, timeoutMs: 30_000 });
    await compliance.stop().catch(() => {});
    await notifier.stop().catch(() => {});
    offEventLog();
    await ml?.close();
    metrics?.detach();
    await mirror?.close().catch(() => {});
    process.stderr.write(`netkeep worker ${w.id}: stopped after ${w.stats.done} backup(s) (${w.stats.succeeded} ok, ${w.stats.failed} failed, ${w.stats.retried} retried)\n`);
    return EXIT_OK;
  } finally {
    await stopBoss(ctx);
    await ctx.close();
  }
}
