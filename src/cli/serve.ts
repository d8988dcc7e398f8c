// `netkeep serve`: opens the data directory, creates the first admin, and serves the API (and UI).
import { openContext } from '../context.ts';
import { NetkeepError } from '../errors.ts';
import { ensureInitialAdmin } from '../auth/users.ts';
import { buildServer } from '../api/server.ts';
import { startWorker } from '../schedule/worker.ts';
import { startScheduler } from '../schedule/scheduler.ts';
import { startSystemBackupScheduler } from '../system/service.ts';
import { stopBoss } from '../schedule/queue.ts';
import { gitMirrorFromEnv } from '../store/mirror-config.ts';
import { sshNativeCrypto } from '../transports/ssh.ts';
import { bus } from '../events/bus.ts';
import { createLogger } from '../logging/logger.ts';
import { logBusEvents } from '../logging/events.ts';
import { startNotifier } from '../notify/dispatcher.ts';
import { startComplianceWatcher } from '../compliance/watch.ts';
import { latestConfigsFor } from '../search/cache.ts';
import { BlobStore } from '../store/blobs.ts';
import { markInterruptedRestores } from '../restore/service.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_OK, parse, UsageError, type CommandSpec } from './io.ts';

const spec = {
  name: 'serve',
  usage: 'serve [--host ADDR] [--port N] [--data-dir DIR] [--database-url URL]',
  summary:
    'Run netkeep: the REST API under /api/v1 (docs at /api/docs) and the web UI, the scheduler, and an in-process backup worker.',
  help: [
    '  --no-worker           do not run backups in this process (run netkeep worker elsewhere)',
    '  --no-scheduler        do not enqueue scheduled backups from this process',
    '  --concurrency N       backups at once in the in-process worker (default 64)',
    '  --host ADDR           address to listen on (default 127.0.0.1, or NETKEEP_HOST)',
    '  --port N              port to listen on (default 8080, or NETKEEP_PORT)',
    '  --log-level LEVEL     fatal, error, warn, info (default), debug, trace',
    ...COMMON_HELP,
  ],
  options: {
    ...DB_OPTIONS,
    host: { type: 'string' },
    port: { type: 'string' },
    'log-level': { type: 'string' },
    'no-worker': { type: 'boolean' },
    'no-scheduler': { type: 'boolean' },
    concurrency: { type: 'string' },
  },
} as const satisfies CommandSpec<typeof DB_OPTIONS & Record<string, { type: 'string' | 'boolean' }>>;

export async function serve(argv: string[]): Promise<number> {
  const args = parse(spec, argv);
  if (!args) return EXIT_OK;
  const host = args.values.host ?? process.env.NETKEEP_HOST ?? '127.0.0.1';
  const portText = args.values.port ?? process.env.NETKEEP_PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${portText}"`);
  const level = args.values['log-level'] ?? process.env.NETKEEP_LOG_LEVEL ?? 'info';
  const concurrency = args.values.concurrency === undefined ? undefined : Number(args.values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new UsageError(`--concurrency must be a positive whole number, not "${args.values.concurrency}"`);
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new UsageError(`--log-level must be one of fatal, error, warn, info, debug, trace`);

  const ctx = await openContext({ dataDir: args.values['data-dir'], databaseUrl: args.values['database-url'], command: 'serve' });
  let app;
  try {
    const admin = await ensureInitialAdmin(ctx.db, process.env);
    if (admin.created) {
      process.stderr.write(
        admin.password
          ? `netkeep: created user "${admin.username}" with password ${admin.password}\n         (shown once; change it with: netkeep user passwd ${admin.username})\n`
          : `netkeep: created user "${admin.username}" with the password from NETKEEP_ADMIN_PASSWORD\n`,
      );
    }
    for (const r of await markInterruptedRestores(ctx.db)) process.stderr.write(`netkeep: restore ${r.id} of ${r.device_name} was interrupted by a restart; run its dry run again to see the device's state (docs/restore.md)\n`);
    app = await buildServer(ctx, { loggerInstance: createLogger({ level, process: 'serve' }) });
    await app.listen({ host, port });
  } catch (err) {
    await app?.close().catch(() => {});
    await ctx.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new NetkeepError('config_error', `${host}:${port} is already in use; stop what listens there or choose another --port`);
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') {
      throw new NetkeepError('config_error', `${host} is not an address of this machine; use --host 127.0.0.1 or one of its addresses`);
    }
    throw err;
  }
  const say = (line: string) => process.stderr.write(`netkeep: ${line}\n`);
  const mirror = args.values['no-worker'] ? undefined : await gitMirrorFromEnv(process.env, ctx.dataDir, say);
  const worker = args.values['no-worker'] ? undefined : await startWorker(ctx, { ...(concurrency ? { concurrency } : {}), ...(mirror ? { mirror } : {}), log: say });
  const scheduler = args.values['no-scheduler'] ? undefined : startScheduler(ctx, { log: (msg) => say(msg) });
  const systemBackups = args.values['no-scheduler'] ? undefined : startSystemBackupScheduler(ctx, { log: say });
  const offEventLog = logBusEvents(bus, app.log as never); // structured lines with job ids
  const notifier = startNotifier(ctx, { log: app.log as never }); // docs/notifications.md
  const compliance = worker ? startComplianceWatcher(ctx, { log: say }) : undefined; // rules evaluated after every backup (docs/compliance.md)
  void latestConfigsFor(ctx.db, BlobStore.forContext(ctx)).snapshot().catch(() => {}); // warm the search cache in the background (docs/search.md)
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  if (worker && !sshNativeCrypto()) {
    process.stderr.write("netkeep: warning: ssh2's native crypto module did not load (built for another Node.js version?); SSH backups work but cost more CPU. Run `npm rebuild ssh2` with this Node.js to fix it\n");
  }
  process.stderr.write(
    `netkeep: listening on http://${host.includes(':') ? `[${host}]` : host}:${actualPort}  (API /api/v1, docs /api/docs)\n` +
      `netkeep: data in ${ctx.dataDir}; database: ${ctx.ndb.location}; master key: ${ctx.keyring.source}\n` +
      `netkeep: scheduler ${scheduler ? 'on' : 'off'}; in-process worker ${worker ? `on (${worker.id})` : 'off'}; git mirror ${mirror ? `${mirror.mode === 'all' ? 'on' : 'on for selected configurations'} (${mirror.dir})` : 'off'}\n`,
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`netkeep: ${signal} received, stopping\n`);
      // stop taking new work, let running backups finish (bounded), then close everything
      void (async () => {
        await scheduler?.stop().catch(() => {});
        await systemBackups?.stop().catch(() => {});
        await worker?.stop({ graceful: true, timeoutMs: 30_000 }).catch(() => {});
        await compliance?.stop().catch(() => {});
        await mirror?.close().catch(() => {});
        await notifier.stop().catch(() => {});
        offEventLog();
        await stopBoss(ctx).catch(() => {});
        await app.close().catch(() => {});
        await ctx.close();
      })().finally(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return EXIT_OK;
}
