// `netkeep demo`: netkeep serve on a temporary data directory with a simulated lab (src/demo/),
// its configs changing over time; prints the URL and the login; cleans up on Ctrl-C.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../demo/lab.ts';
import { DEMO_CRON, DemoApi, seedLab } from '../demo/seed.ts';
import { validateCron } from '../schedule/cron.ts';
import { EXIT_OK, parse, UsageError, type CommandSpec } from './io.ts';
import { serve } from './serve.ts';

const spec = {
  name: 'demo',
  usage: 'demo [--port N] [--host ADDR] [--devices N]',
  summary:
    'Try netkeep on a simulated lab: a temporary netkeep (API, web UI, scheduler, worker) with a few dozen simulated devices of several vendors, ' +
    'backups every two minutes, configs that change, a failing device and a compliance violation. Everything is deleted on Ctrl-C.',
  help: [
    '  --port N              port for the web UI and API (default 8080, or a free one if 8080 is taken)',
    '  --host ADDR           address to listen on (default 127.0.0.1)',
    '  --devices N           simulated campus switches (default 30; recorded devices of other vendors come on top)',
    '  --change-every S      seconds between config changes in the lab (default 60)',
    '  --schedule CRON       when the lab is backed up (default "*/2 * * * *": every two minutes)',
  ],
  options: { port: { type: 'string' }, host: { type: 'string' }, devices: { type: 'string' }, 'change-every': { type: 'string' }, schedule: { type: 'string' } },
} as const satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port }, () => srv.close(() => resolve(true)));
  });
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host, port: 0 }, () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

function int(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${v}"`);
  return n;
}

async function waitListening(base: string, served: Promise<unknown>): Promise<void> {
  let ended = false;
  void served.finally(() => (ended = true)).catch(() => {});
  for (let i = 0; i < 1200 && !ended; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!ended) throw new Error(`netkeep did not answer on ${base} within 2 minutes`);
  await served; // serve failed: its error says why
  throw new Error('netkeep stopped before it was ready');
}

export async function demoCommand(argv: string[]): Promise<number> {
  const args = parse(spec, argv);
  if (!args) return EXIT_OK;
  const v = args.values;
  const host = v.host ?? '127.0.0.1';
  const campus = int('devices', v.devices, 30, 3, 2000);
  const changeEvery = int('change-every', v['change-every'], 60, 5, 86_400);
  const cron = validateCron(v.schedule ?? DEMO_CRON) ?? DEMO_CRON;
  let port = int('port', v.port, 8080, 0, 65535);
  if (port !== 0 && !(await portFree(host, port))) {
    if (v.port !== undefined) throw new UsageError(`${host}:${port} is already in use; stop what listens there or choose another --port`);
    port = await freePort(host);
  }
  if (port === 0) port = await freePort(host);

  const dataDir = mkdtempSync(join(tmpdir(), 'netkeep-demo-'));
  const password = randomBytes(12).toString('base64url');
  // the demo is self-contained: none of the user's netkeep settings apply to it
  for (const k of ['DATABASE_URL', 'NETKEEP_BLOB_STORE', 'NETKEEP_MASTER_KEY', 'NETKEEP_DATA_DIR', 'NETKEEP_GIT_MIRROR', 'NETKEEP_ADMIN_USER']) delete process.env[k];
  process.env.NETKEEP_ADMIN_PASSWORD = password;
  const say = (line: string) => process.stdout.write(`${line}\n`);

  let lab: Lab | undefined;
  let timer: NodeJS.Timeout | undefined;
  // Ctrl-C before serve listens (serve handles it from then on): stop as soon as it can
  let ready = false;
  let interrupted = false;
  const early = () => {
    if (ready || interrupted) return;
    interrupted = true;
    say('netkeep demo: stopping as soon as netkeep has started, then cleaning up …');
  };
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
  try {
    say(`netkeep demo: starting a simulated lab and netkeep in ${dataDir} …`);
    lab = await startLab({ campus });
    if (interrupted) return EXIT_OK;
    const baseline = process.listenerCount('SIGTERM');
    const served = serve(['--data-dir', dataDir, '--host', host, '--port', String(port), '--log-level', 'error']);
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    try {
      await waitListening(base, served);
      // serve takes over Ctrl-C once its worker and scheduler run (it adds its own listeners)
      let serveEnded = false;
      void served.finally(() => (serveEnded = true)).catch(() => {});
      while (process.listenerCount('SIGTERM') <= baseline && !serveEnded) await new Promise((r) => setTimeout(r, 50));
      ready = true;
      if (interrupted) {
        process.emit('SIGTERM');
        await served;
        return EXIT_OK;
      }
      const api = new DemoApi(base);
      await api.login('admin', password);
      const seeded = await seedLab(api, lab, cron);
      timer = setInterval(() => {
        const changed = lab!.change();
        if (changed.length) say(`netkeep demo: configs changed on ${changed.join(', ')} (the next scheduled backup sees it)`);
      }, changeEvery * 1000);
      timer.unref();
      say(
        [
          '',
          `  netkeep demo is running:  ${base}/`,
          `  log in as:                admin`,
          `  password:                 ${password}`,
          '',
          `  ${seeded.devices} simulated devices (groups campus and datacenter), a backup of each ${cron === DEMO_CRON ? 'every two minutes' : `on "${cron}"`},`,
          `  configs changing every ${changeEvery} s, ${lab.failing} failing (wrong password), ${lab.violating} breaking a compliance rule`,
          `  (compliance: ${seeded.compliance}).`,
          `  API docs: ${base}/api/docs    Data: ${dataDir} (deleted on exit)`,
          '  Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
    } catch (err) {
      process.emit('SIGTERM'); // stop serve the way a signal does, then report
      await served.catch(() => {});
      throw err;
    }
    await served; // until Ctrl-C (serve stops on SIGINT/SIGTERM)
    return EXIT_OK;
  } finally {
    process.off('SIGINT', early);
    process.off('SIGTERM', early);
    if (timer) clearInterval(timer);
    await lab?.close();
    rmSync(dataDir, { recursive: true, force: true });
    say(`netkeep demo: stopped; removed ${dataDir}`);
  }
}
