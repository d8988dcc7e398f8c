// Config store benchmark (embedded PGlite + filesystem blob store, zstd + AES-256-GCM on).
//
//   node bench/store.ts [--quick] [--devices N] [--runs N] [--versions N] [--write]
//
// 1. Fleet: N devices × R runs, 1 % of devices changed per run, ~300-line configs, every run
//    through BlobStore.put (hash, dedup lookup, read-back verification). Bytes stored in the
//    blob store vs the zstd-compressed size of the distinct versions (target ≤ 1.1×).
// 2. One device with V versions (history rows + metadata bulk-inserted over a pool of 1,000
//    stored blobs): history page (50 rows, keyset cursor at random depths) p50/p99, fetch of
//    a random version (verified read) p50/p99, diff of two 5,000-line versions p50/p99.
// 3. The same V-version history as commits of one file in a git repository (fast-import),
//    read with `git log -n 50 --skip=K` and `git show REV:path`.
// --write puts the figures into docs/benchmarks/store.md (between the markers).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { constants as zc, zstdCompressSync } from 'node:zlib';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/index.ts';
import { jsonb } from '../src/db/index.ts';
import { loadKeyring } from '../src/security/masterkey.ts';
import { BlobStore } from '../src/store/blobs.ts';
import type { FsBlobBackend } from '../src/store/backend.ts';
import { diffVersions, encodeCursor, listVersions, readVersion } from '../src/store/history.ts';
import { git } from '../src/store/git.ts';

const { values: a } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    devices: { type: 'string' },
    runs: { type: 'string' },
    versions: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const DEVICES = Number(a.devices ?? (a.quick ? 100 : 1000));
const RUNS = Number(a.runs ?? (a.quick ? 72 : 720));
const VERSIONS = Number(a.versions ?? (a.quick ? 10_000 : 100_000));
const SAMPLES = a.quick ? 100 : 300;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const ms = (x: number) => `${x.toFixed(2)} ms`;

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

function config(dev: number, rev: number, lines = 300): string {
  const out = ['!', `! Last configuration change at 10:00:00 UTC`, `hostname dev-${dev}`, '!'];
  for (let i = 0; out.length < lines - 2; i++) {
    out.push(`interface GigabitEthernet1/0/${i}`, ` description uplink ${i} of dev-${dev} to core-${(dev + i) % 17}`, ` ip address 10.${dev % 250}.${i % 250}.1 255.255.255.0`, ' no shutdown', '!');
  }
  out.length = lines - 2;
  out.push(`snmp-server location building-${dev % 9} rev-${rev}`, 'end');
  return out.join('\n') + '\n';
}

const dir = mkdtempSync(join(os.tmpdir(), 'netkeep-bench-store-'));
const results: Record<string, string | number> = {};
try {
  const t0 = performance.now();
  const ndb = await openDatabase({ dataDir: dir, command: 'bench-store' });
  const ctx = { db: ndb.db, keyring: loadKeyring(dir, {}), dataDir: dir };
  const store = BlobStore.forContext(ctx);
  const backend = store.backend as FsBlobBackend;

  // ---- 1. fleet ---------------------------------------------------------------------------
  const rev = new Array<number>(DEVICES).fill(0);
  let distinctCompressed = 0;
  let distinct = 0;
  let puts = 0;
  const tFleet = performance.now();
  for (let run = 0; run < RUNS; run++) {
    for (let d = 0; d < DEVICES; d++) {
      const isNew = run === 0 || rnd() < 0.01;
      if (run > 0 && isNew) rev[d]!++;
      const text = config(d, rev[d]!);
      const r = await store.put(text);
      puts++;
      if (r.created) {
        distinct++;
        distinctCompressed += zstdCompressSync(Buffer.from(text), { params: { [zc.ZSTD_c_compressionLevel]: 9 } }).length;
      }
    }
    if (!a.quick && run % 72 === 0) process.stderr.write(`fleet: run ${run}/${RUNS}, ${distinct} distinct versions\n`);
  }
  const fleetSec = (performance.now() - tFleet) / 1000;
  let storedBytes = 0;
  let blobs = 0;
  for await (const k of backend.list()) {
    storedBytes += (await backend.size(k))!;
    blobs++;
  }
  const du = Number(execFileSync('du', ['-sb', '--apparent-size', join(dir, 'blobs')], { encoding: 'utf8' }).split('\t')[0]);
  const duDisk = Number(execFileSync('du', ['-sk', join(dir, 'blobs')], { encoding: 'utf8' }).split('\t')[0]) * 1024;
  const plainBytes = distinct * Buffer.byteLength(config(0, 0));
  Object.assign(results, {
    fleet: `${DEVICES} devices × ${RUNS} runs (${puts} puts), 1 % changed per run`,
    fleet_seconds: fleetSec.toFixed(1),
    fleet_puts_per_s: Math.round(puts / fleetSec),
    distinct_versions: distinct,
    blobs_stored: blobs,
    stored_bytes: storedBytes,
    distinct_compressed_bytes: distinctCompressed,
    ratio_stored_to_compressed: (storedBytes / distinctCompressed).toFixed(3),
    distinct_plain_bytes_approx: plainBytes,
    blob_dir_apparent_bytes: du,
    blob_dir_disk_bytes: duDisk,
  });
  console.log(JSON.stringify(results, null, 2));

  // ---- 2. one device, many versions --------------------------------------------------------
  const dev = await ndb.db
    .insertInto('devices')
    .values({ name: 'bench-big', address: '192.0.2.1', driver: 'ios', tags: jsonb([]), options: jsonb({}), updated_at: new Date(), port: null, site: null, credential_profile_id: null, zone: null, host_key: null, host_key_pending: null, last_status: null, last_error: null, last_error_class: null, group_id: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const cfg = await ndb.db.insertInto('backup_configs').values({ device_id: dev.id, backup_type: 'running-config', protocol: 'ssh', options: jsonb({}), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  const pool: string[] = [];
  const poolTexts: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const text = config(5000, 100_000 + i);
    poolTexts.push(text);
    pool.push((await store.put(text)).sha256);
  }
  const tIns = performance.now();
  await sql`
    INSERT INTO backup_history (config_id, device_id, status, file_path, file_size, checksum, started_at, completed_at, trigger, changed, significant)
    SELECT ${cfg.id}::uuid, ${dev.id}::uuid, 'success', p.sha, ${Buffer.byteLength(poolTexts[0]!)}, p.sha,
           timestamptz '2015-01-01' + (g * interval '1 hour'), timestamptz '2015-01-01' + (g * interval '1 hour') + interval '5 seconds', 'schedule', true, true
    FROM generate_series(1, ${VERSIONS}) g
    JOIN (SELECT sha, row_number() OVER () - 1 AS i FROM unnest(${pool}::text[]) sha) p ON p.i = g % 1000`.execute(ndb.db);
  await sql`
    INSERT INTO backup_metadata (backup_id, key, value)
    SELECT h.id, k.key, k.value FROM backup_history h
    CROSS JOIN (VALUES ('driver', 'ios'), ('duration_ms', '4200'), ('changed', 'yes'), ('significant', 'yes'), ('trigger', 'schedule')) AS k(key, value)
    WHERE h.device_id = ${dev.id}`.execute(ndb.db);
  await sql`ANALYZE`.execute(ndb.db);
  const insertSec = (performance.now() - tIns) / 1000;
  const rows = (await ndb.db.selectFrom('backup_history').select(['id', 'started_at']).where('device_id', '=', dev.id).orderBy('started_at', 'desc').execute()) as { id: string; started_at: Date }[];
  // warm-up (JIT, PGlite caches, page cache)
  for (let i = 0; i < 20; i++) await listVersions(ndb.db, dev.id, { limit: 50 });
  for (let i = 0; i < 50; i++) await readVersion(ndb.db, store, rows[Math.floor(rnd() * rows.length)]!.id);
  const page: number[] = [];
  const pageTotal: number[] = [];
  const fetch: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const at = rows[Math.floor(rnd() * (rows.length - 51))]!;
    let t = performance.now();
    const p = await listVersions(ndb.db, dev.id, { limit: 50, cursor: encodeCursor(at), withTotal: false });
    page.push(performance.now() - t);
    if (p.items.length !== 50) throw new Error('short page');
    t = performance.now();
    await listVersions(ndb.db, dev.id, { limit: 50, cursor: encodeCursor(at) });
    pageTotal.push(performance.now() - t);
    const v = rows[Math.floor(rnd() * rows.length)]!;
    t = performance.now();
    await readVersion(ndb.db, store, v.id, { withMetadata: false });
    fetch.push(performance.now() - t);
  }
  // the same fetches alone, not right after a count over 100,000 rows (which leaves PGlite and
  // the GC work to do): both figures are reported
  const fetchAlone: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const v = rows[Math.floor(rnd() * rows.length)]!;
    const t = performance.now();
    await readVersion(ndb.db, store, v.id, { withMetadata: false });
    fetchAlone.push(performance.now() - t);
  }
  // two 5,000-line versions, ~1 % of lines different
  const big = (k: number) => {
    const lines = config(7, 0, 5000).split('\n');
    for (let i = 0; i < 50; i++) lines[Math.floor((i * 97 + k * 13) % 4990) + 5] = ` description changed ${k}-${i}`;
    return lines.join('\n');
  };
  const ids: string[] = [];
  for (const k of [1, 2]) {
    const s = await store.put(big(k));
    const h = await ndb.db
      .insertInto('backup_history')
      .values({ config_id: cfg.id, device_id: dev.id, status: 'success', file_path: s.sha256, file_size: s.size, checksum: s.sha256, started_at: new Date(), completed_at: new Date(), trigger: 'manual', changed: true, significant: true, error_message: null, error_class: null, job_id: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(h.id);
  }
  const diff: number[] = [];
  let hunks = 0;
  for (let i = 0; i < (a.quick ? 10 : 30); i++) {
    const t = performance.now();
    const d = await diffVersions(ndb.db, store, ids[0]!, ids[1]!);
    diff.push(performance.now() - t);
    hunks = d.hunks.length;
  }
  Object.assign(results, {
    versions: VERSIONS,
    history_insert_seconds: insertSec.toFixed(1),
    page_p50: ms(pct(page, 50)),
    page_p99: ms(pct(page, 99)),
    page_with_total_p50: ms(pct(pageTotal, 50)),
    page_with_total_p99: ms(pct(pageTotal, 99)),
    fetch_p50: ms(pct(fetch, 50)),
    fetch_p99: ms(pct(fetch, 99)),
    fetch_alone_p50: ms(pct(fetchAlone, 50)),
    fetch_alone_p99: ms(pct(fetchAlone, 99)),
    diff_5000_lines_p50: ms(pct(diff, 50)),
    diff_5000_lines_p99: ms(pct(diff, 99)),
    diff_hunks: hunks,
  });
  await ndb.close();

  // ---- 3. the same history in git ------------------------------------------------------------
  const repo = join(dir, 'git');
  await git(['init', '-q', '--bare', '-b', 'main', repo]);
  const parts: Buffer[] = [];
  poolTexts.forEach((text, i) => {
    const b = Buffer.from(text);
    parts.push(Buffer.from(`blob\nmark :${i + 1}\ndata ${b.length}\n`), b, Buffer.from('\n'));
  });
  for (let g = 1; g <= VERSIONS; g++) {
    const secs = Date.parse('2015-01-01T00:00:00Z') / 1000 + g * 3600;
    const msg = `bench-big: schedule backup ${g}\n`;
    parts.push(Buffer.from(`commit refs/heads/main\ncommitter netkeep <netkeep@localhost> ${secs} +0000\ndata ${msg.length}\n${msg}M 100644 :${(g % 1000) + 1} default/bench-big\n\n`));
  }
  const tGit = performance.now();
  await git(['-C', repo, 'fast-import', '--quiet'], { input: Buffer.concat(parts) });
  const gitImportSec = (performance.now() - tGit) / 1000;
  const revs = execFileSync('git', ['-C', repo, 'rev-list', 'main'], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n');
  const gLog: number[] = [];
  const gLogPath: number[] = [];
  const gShow: number[] = [];
  const gSamples = a.quick ? 30 : 60;
  for (let i = 0; i < gSamples; i++) {
    const skip = Math.floor(rnd() * (VERSIONS - 50));
    let t = performance.now();
    spawnSync('git', ['-C', repo, 'log', '-n', '50', `--skip=${skip}`, '--format=%H %ct %s', 'main']);
    gLog.push(performance.now() - t);
    t = performance.now();
    spawnSync('git', ['-C', repo, 'log', '-n', '50', `--skip=${skip}`, '--format=%H %ct %s', 'main', '--', 'default/bench-big']);
    gLogPath.push(performance.now() - t);
    const r = revs[Math.floor(rnd() * revs.length)]!;
    t = performance.now();
    spawnSync('git', ['-C', repo, 'show', `${r}:default/bench-big`], { maxBuffer: 1 << 24 });
    gShow.push(performance.now() - t);
  }
  const gitBytes = Number(execFileSync('du', ['-sb', repo], { encoding: 'utf8' }).split('\t')[0]);
  Object.assign(results, {
    git_fast_import_seconds: gitImportSec.toFixed(1),
    git_repo_bytes: gitBytes,
    git_log_page_p50: ms(pct(gLog, 50)),
    git_log_page_p99: ms(pct(gLog, 99)),
    git_log_path_page_p50: ms(pct(gLogPath, 50)),
    git_log_path_page_p99: ms(pct(gLogPath, 99)),
    git_show_p50: ms(pct(gShow, 50)),
    git_show_p99: ms(pct(gShow, 99)),
    total_seconds: ((performance.now() - t0) / 1000).toFixed(0),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}`,
  });
  console.log(JSON.stringify(results, null, 2));
  if (a.write) {
    const path = join(import.meta.dirname, '..', 'docs', 'benchmarks', 'store.md');
    const doc = readFileSync(path, 'utf8');
    const block = '<!-- bench:start -->\n```json\n' + JSON.stringify(results, null, 2) + '\n```\n<!-- bench:end -->';
    writeFileSync(path, doc.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
