// Fleet benchmark: full backup passes through the whole pipeline — enqueue on pg-boss, worker
// fetch over SSH from a synthetic fleet, driver cleanup, blob store, history + metadata rows,
// device state — on the embedded database (PGlite) or PostgreSQL.
//
//   node bench/fleet.ts [--devices 10000] [--latency-ms 0] [--backend pglite|postgres]
//                       [--config-lines 300] [--concurrency 200] [--passes 2] [--write] [--sim-root DIR]
//
// The simulator runs in a child process. Pass 1 stores every config (all new); pass 2 with
// nothing changed must store no new blob and make no git-mirror commit. Reports devices/s per
// pass, this process's peak RSS, and the simulator's. --write appends the figures to
// docs/benchmarks/fleet.md. PostgreSQL: DATABASE_URL, else a throwaway cluster (initdb).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase, jsonb } from '../src/db/index.ts';
import { loadKeyring } from '../src/security/masterkey.ts';
import { encryptSecret } from '../src/security/secrets.ts';
import { GitMirror } from '../src/store/git-mirror.ts';
import { git } from '../src/store/git.ts';
import type { AppContext } from '../src/context.ts';
import { runPass } from '../src/backup/pass.ts';
import { getBoss, stopBoss } from '../src/schedule/queue.ts';
import { startWorker } from '../src/schedule/worker.ts';
import { defaultFetchThreads } from '../src/backup/fetch-pool.ts';

const ROOT = join(import.meta.dirname, '..');
const { values: a } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    'latency-ms': { type: 'string', default: '0' },
    backend: { type: 'string', default: 'pglite' },
    'config-lines': { type: 'string', default: '300' },
    concurrency: { type: 'string' },
    passes: { type: 'string', default: '2' },
    write: { type: 'boolean', default: false },
    // run the simulator from another checkout (e.g. a pinned copy while src/sim is being edited)
    'sim-root': { type: 'string' },
    // threads for the SSH sessions (default: the worker's, NETKEEP_FETCH_THREADS or cores - 1)
    'fetch-threads': { type: 'string' },
  },
});
const N = Number(a.devices);
const LAT = Number(a['latency-ms']);
const LINES = Number(a['config-lines']);
const CONC = Number(a.concurrency ?? (LAT >= 200 ? 600 : 200));
const PASSES = Number(a.passes);
const backend = a.backend as 'pglite' | 'postgres';
const MB = (n: number) => (n / 1024 / 1024).toFixed(0);

interface Ready {
  ssh: number;
  hostKey: string;
  password: string;
  devices: { name?: string; username: string }[];
}

async function startSimulator() {
  const child = spawn(process.execPath, [join(a['sim-root'] ?? ROOT, 'src/sim/index.ts'), '--fleet', String(N), '--config-lines', String(LINES), ...(LAT ? ['--latency', String(LAT)] : []), '--stdin'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout! });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('simulator did not start within 120 s')), 120_000);
    rl.on('line', (line) => {
      if (line.startsWith('{"ready":true')) {
        clearTimeout(t);
        resolve(JSON.parse(line) as Ready);
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const peak = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  };
  const cpuMs = () => {
    try {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return 0;
    }
  };
  return { ready, peak, cpuMs, stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.stdin!.end())) };
}

async function postgresUrl(): Promise<{ url: string; stop(): void }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop() {} };
  const { findPgBin, startPgCluster } = await import('../test/setup/postgres.ts');
  const bin = findPgBin();
  if (!bin) throw new Error('no PostgreSQL server binaries; set DATABASE_URL or install postgresql');
  const c = await startPgCluster(bin);
  const admin = new pg.Client({ connectionString: c.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  return { url: c.url('bench'), stop: () => c.stop() };
}

let FT = 0;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'netkeep-bench-fleet-'));
  const sim = await startSimulator();
  const pgc = backend === 'postgres' ? await postgresUrl() : undefined;
  const ndb = await openDatabase({ dataDir, ...(pgc ? { databaseUrl: pgc.url } : {}), command: 'bench' });
  const keyring = loadKeyring(dataDir, { NETKEEP_MASTER_KEY: 'b'.repeat(64) });
  // FLEET_SQL_STATS=1: count the embedded database's statements per pass by their first words
  const sqlStats = new Map<string, number>();
  if (process.env.FLEET_SQL_STATS && ndb.raw.kind === 'pglite') {
    const pgl = ndb.raw.pglite as { query: (...x: unknown[]) => unknown; exec: (...x: unknown[]) => unknown };
    for (const m of ['query', 'exec'] as const) {
      const orig = pgl[m].bind(pgl);
      pgl[m] = (...x: unknown[]) => {
        const k = String(x[0]).replace(/\s+/g, ' ').trim().slice(0, 70);
        sqlStats.set(k, (sqlStats.get(k) ?? 0) + 1);
        return orig(...x);
      };
    }
  }
  const ctx: AppContext = { ndb, db: ndb.db, keyring, dataDir, close: () => ndb.close() };
  // the production default: changes are committed every 2 s during the pass (timed, and their
  // texts are not held in memory until the end)
  const mirror = new GitMirror({ dir: join(dataDir, 'git'), flushDelayMs: 2000 });
  await mirror.init();

  // the fleet as netkeep devices: one credential profile per device (the simulator picks the device by username)
  const t0 = performance.now();
  const pw = encryptSecret(keyring, sim.ready.password);
  for (let i = 0; i < N; i += 1000) {
    const chunk = sim.ready.devices.slice(i, i + 1000);
    const profiles = await ndb.db
      .insertInto('credential_profiles')
      .values(chunk.map((d) => ({ name: `cp-${d.username}`, username: d.username, password_enc: pw, enable_password_enc: null, private_key_enc: null, passphrase_enc: null, updated_at: new Date() })))
      .returning(['id', 'name'])
      .execute();
    const pid = new Map(profiles.map((p) => [p.name, p.id]));
    await ndb.db
      .insertInto('devices')
      .values(
        chunk.map((d) => ({
          name: d.username,
          address: '127.0.0.1',
          port: sim.ready.ssh,
          driver: 'ios',
          protocol: 'ssh',
          group_id: null,
          site: null,
          tags: jsonb([]),
          options: jsonb({ timeouts: { connectMs: 60_000, idleMs: 60_000 } }),
          credential_profile_id: pid.get(`cp-${d.username}`)!,
          zone: null,
          host_key: null,
          host_key_pending: null,
          last_status: null,
          last_error: null,
          last_error_class: null,
          updated_at: new Date(),
        })),
      )
      .execute();
  }
  process.stderr.write(`seeded ${N} devices in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${ndb.location}\n`);

  await getBoss(ctx, { settings: { attemptDeadlineSeconds: 600 } });
  FT = a['fetch-threads'] !== undefined ? Number(a['fetch-threads']) : defaultFetchThreads();
  const worker = await startWorker(ctx, { concurrency: CONC, batchSize: 100, pollIntervalMs: 200, mirror, fetchThreads: FT, log: (l) => process.stderr.write(`worker: ${l}\n`) });
  const countBlobs = async () => Number((await ndb.db.selectFrom('blobs').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const countCommits = async () => {
    const r = await git(['rev-list', '--count', '--all'], { cwd: join(dataDir, 'git'), allowFail: true });
    return r.code === 0 ? Number(r.stdout.toString().trim()) : 0;
  };
  const results: { pass: number; seconds: number; rate: number; ok: number; failed: number; changed: number; newBlobs: number; newCommits: number; cpuMs: number; mainCpuMs: number; simCpuMs: number }[] = [];
  let peakPassRss = 0;
  const rssTimer = setInterval(() => (peakPassRss = Math.max(peakPassRss, process.memoryUsage.rss())), 250);
  for (let p = 1; p <= PASSES; p++) {
    const blobs0 = await countBlobs();
    const commits0 = await countCommits();
    let last = 0;
    const cpu0 = process.cpuUsage();
    const main0 = process.threadCpuUsage();
    const sim0 = sim.cpuMs();
    const s = await runPass(ctx, { all: true }, {
      trigger: 'schedule',
      onProgress: (pr) => {
        if (pr.elapsedMs - last > 5000) {
          last = pr.elapsedMs;
          process.stderr.write(`  pass ${p}: ${pr.done}/${pr.total} (${(pr.done / (pr.elapsedMs / 1000)).toFixed(0)}/s)\n`);
        }
      },
    });
    while (worker.stats.running > 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100)); // the last mirror enqueues follow their history rows
    await mirror.flush();
    const cpu = process.cpuUsage(cpu0);
    const mainCpu = process.threadCpuUsage(main0);
    const r = {
      pass: p,
      seconds: s.durationMs / 1000,
      rate: s.total / (s.durationMs / 1000),
      ok: s.ok,
      failed: s.failed,
      changed: s.changed,
      newBlobs: (await countBlobs()) - blobs0,
      newCommits: (await countCommits()) - commits0,
      cpuMs: (cpu.user + cpu.system) / 1000 / s.total,
      // the thread that runs the queue, the store and (embedded) the database: the serial part
      mainCpuMs: (mainCpu.user + mainCpu.system) / 1000 / s.total,
      simCpuMs: (sim.cpuMs() - sim0) / s.total,
    };
    results.push(r);
    if (sqlStats.size) {
      const top = [...sqlStats].sort((x, y) => y[1] - x[1]).slice(0, 25);
      process.stderr.write(`statements in pass ${p}: ${[...sqlStats.values()].reduce((x, y) => x + y, 0)}\n${top.map(([k, n]) => `  ${String(n).padStart(7)}  ${k}`).join('\n')}\n`);
      sqlStats.clear();
    }
    process.stderr.write(`pass ${p}: ${s.total} devices in ${r.seconds.toFixed(1)} s = ${r.rate.toFixed(0)}/s; ok ${s.ok}, changed ${s.changed}, failed ${s.failed} ${JSON.stringify(s.failedByClass)}; new blobs ${r.newBlobs}, new git commits ${r.newCommits}; CPU per device: netkeep ${r.cpuMs.toFixed(2)} ms (main thread ${r.mainCpuMs.toFixed(2)} ms), simulator ${r.simCpuMs.toFixed(2)} ms; load ${os.loadavg()[0].toFixed(1)}\n`);
  }
  clearInterval(rssTimer);
  await worker.stop({ graceful: false });
  await stopBoss(ctx);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const simPeak = sim.peak();
  await ndb.close();
  await sim.stop();
  pgc?.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const line =
    `| ${new Date().toISOString().slice(0, 10)} | ${backend} | ${N} | ${LAT} | ${LINES} | ${CONC} | ${FT} | ` +
    results.map((r) => `${r.rate.toFixed(0)}/s (${r.seconds.toFixed(1)} s, ${r.ok} ok, ${r.failed} failed, +${r.newBlobs} blobs, +${r.newCommits} commits, ${r.cpuMs.toFixed(1)} ms CPU/device, main thread ${r.mainCpuMs.toFixed(1)} ms)`).join(' · ') +
    ` | ${MB(peakPassRss)} MB (${MB(peakRss)} MB) | ${MB(simPeak)} MB | ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg()[0].toFixed(1)} |`;
  process.stdout.write(line + '\n');
  if (a.write) appendFileSync(join(ROOT, 'docs/benchmarks/fleet.md'), line + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
