// Fetch benchmark: full config fetches over SSH against a synthetic fleet on loopback.
// One client process (this one); the simulator runs in a child process.
//
//   node bench/fetch.ts [--fetches 3000] [--concurrency 200] [--sessions 1000] [--fleet 1000]
//                       [--config-lines 300] [--write]
//
// Measures: full fetches per second at the given concurrency (connect, auth, paging off,
// `show running-config`, logout), client CPU ms per fetch (process.cpuUsage), and the
// client's RSS with N concurrent open sessions (authenticated, shell open, at the prompt).
// --write puts the figures into docs/benchmarks/fetch.md.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fetchConfig } from '../src/backup/fetch.ts';
import { connect } from '../src/transports/index.ts';
import type { Connection } from '../src/transports/types.ts';
import { syntheticIosDriver } from '../src/sim/synthetic.ts';

const ROOT = join(import.meta.dirname, '..');
const { values: a } = parseArgs({
  options: {
    fetches: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '200' },
    sessions: { type: 'string', default: '1000' },
    fleet: { type: 'string', default: '1000' },
    'config-lines': { type: 'string', default: '300' },
    write: { type: 'boolean', default: false },
  },
});
const FETCHES = Number(a.fetches);
const CONC = Number(a.concurrency);
const SESSIONS = Number(a.sessions);
const FLEET = Number(a.fleet);
const LINES = Number(a['config-lines']);

interface Ready {
  ssh: number;
  hostKey: string;
  password: string;
  devices: { username: string }[];
}

async function startSimulator(): Promise<{ ready: Ready; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'src/sim/index.ts'), '--fleet', String(FLEET), '--config-lines', String(LINES), '--stdin'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout! });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('simulator did not start within 60 s')), 60_000);
    rl.on('line', (line) => {
      if (line.startsWith('{"ready":true')) {
        clearTimeout(t);
        resolve(JSON.parse(line) as Ready);
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return {
    ready,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/** CPU ms (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const MB = (n: number) => (n / 1024 / 1024).toFixed(0);

async function main(): Promise<void> {
  const sim = await startSimulator();
  const { ready } = sim;
  const users = ready.devices.map((d) => d.username);
  const fetchOne = async (i: number) => {
    const r = await fetchConfig({
      host: '127.0.0.1',
      port: ready.ssh,
      protocol: 'ssh',
      driver: syntheticIosDriver,
      credentials: { username: users[i % users.length], password: ready.password },
      hostKey: { pinned: ready.hostKey },
      timeouts: { connectMs: 30_000, idleMs: 30_000, sessionMs: 120_000 },
    });
    if (r.config.length < LINES * 10) throw new Error(`short config from ${users[i % users.length]}: ${r.config.length} bytes`);
    return r.config.length;
  };

  // warm-up (JIT, key caches)
  for (let i = 0; i < 20; i++) await fetchOne(i);

  // 1. N concurrent open sessions (first, so the figure is not inflated by the heap of the throughput run)
  const rssBefore = process.memoryUsage().rss;
  const conns: Connection[] = [];
  const open = async (i: number) => {
    const c = await connect({
      host: '127.0.0.1',
      port: ready.ssh,
      protocol: 'ssh',
      credentials: { username: users[i % users.length], password: ready.password },
      hostKey: { pinned: ready.hostKey },
      timeouts: { connectMs: 60_000, idleMs: 600_000, sessionMs: 600_000 },
    });
    conns.push(c);
    const sh = await c.shell();
    await new Promise<void>((resolve, reject) => {
      let text = '';
      sh.onData((chunk) => {
        text += chunk.toString('latin1');
        if (/#$/.test(text)) resolve();
      });
      sh.onClose((err) => reject(err ?? new Error('closed')));
    });
    return 0;
  };
  const t1 = performance.now();
  const opened = await runPool(SESSIONS, 100, open);
  const openSecs = (performance.now() - t1) / 1000;
  const rssOpen = process.memoryUsage().rss;
  const simRss = rssOf(sim.pid);
  console.log(`sessions: ${opened.ok} open at the prompt (${opened.failed} failed${opened.firstError ? `: ${opened.firstError}` : ''}) in ${openSecs.toFixed(1)} s; client RSS ${MB(rssOpen)} MB (${MB(rssBefore)} MB before), simulator RSS ${MB(simRss)} MB`);
  for (const c of conns) c.close();
  await new Promise((r) => setTimeout(r, 500));
  // 2. throughput and CPU per fetch
  await runPool(400, CONC, fetchOne);
  const cpu0 = process.cpuUsage();
  const simCpu0 = cpuMsOf(sim.pid);
  const t0 = performance.now();
  const { ok, failed, firstError, bytes } = await runPool(FETCHES, CONC, fetchOne);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const simCpuMsPerFetch = (cpuMsOf(sim.pid) - simCpu0) / ok;
  const cpuMsPerFetch = (cpu.user + cpu.system) / 1000 / ok;
  const perSec = ok / wall;
  console.log(`fetches: ${ok} ok, ${failed} failed${firstError ? ` (first: ${firstError})` : ''} in ${wall.toFixed(2)} s at concurrency ${CONC}`);
  console.log(`throughput: ${perSec.toFixed(0)} fetches/s; client CPU ${cpuMsPerFetch.toFixed(2)} ms/fetch (user ${(cpu.user / 1000 / ok).toFixed(2)}, system ${(cpu.system / 1000 / ok).toFixed(2)}); ${(bytes / ok).toFixed(0)} bytes/config; simulator CPU ${simCpuMsPerFetch.toFixed(2)} ms/fetch`);

  await sim.stop();

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} cores visible)`,
    mem: `${MB(os.totalmem())} MB`,
    kernel: `${os.type()} ${os.release()}`,
    load: os.loadavg().map((x) => x.toFixed(1)).join(' '),
    fetches: ok,
    failed,
    concurrency: CONC,
    perSec,
    cpuMsPerFetch,
    simCpuMsPerFetch,
    bytesPerConfig: bytes / ok,
    sessions: opened.ok,
    rssOpen,
    rssBefore,
    simRss,
  };
  console.log(JSON.stringify(result));
  if (a.write) writeDoc(result);
  if (failed > 0 || opened.failed > 0) process.exitCode = 1;
}

async function runPool(total: number, conc: number, job: (i: number) => Promise<number>) {
  let next = 0;
  let ok = 0;
  let failed = 0;
  let bytes = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      try {
        const n = await job(i);
        bytes += n;
        ok++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(conc, total) }, worker));
  return { ok, failed, firstError, bytes };
}

function writeDoc(r: Record<string, unknown> & { perSec: number; cpuMsPerFetch: number; rssOpen: number; rssBefore: number; simRss: number }): void {
  const file = join(ROOT, 'docs/benchmarks/fetch.md');
  mkdirSync(dirname(file), { recursive: true });
  const pass = (ok: boolean) => (ok ? 'met' : '**missed**');
  const text = `# Fetch benchmark

Full config fetches over SSH against a synthetic fleet on loopback: connect, ed25519 host
key checked against the pinned key, password auth, \`terminal length 0\`,
\`show running-config\` (${LINES} lines, ~${Math.round(Number(r.bytesPerConfig))} bytes after cleanup), \`exit\`.
TCP no-delay on both ends. One client process; the simulator (${FLEET} devices, selected by
username on one port) runs in a child process on the same machine.

Command: \`node bench/fetch.ts --fetches ${r.fetches} --concurrency ${r.concurrency} --sessions ${SESSIONS} --write\`

Machine: ${r.cpu}, ${r.mem} RAM, ${r.kernel}, Node ${r.node}; shared with other work
(2 cores for client + simulator together; load average ${r.load} at the end of the run).
Measured ${r.date}.

| figure | measured | target | |
|---|---|---|---|
| full fetches per second at concurrency ${r.concurrency} | ${r.perSec.toFixed(0)} | ≥ 300 | ${pass(r.perSec >= 300)} |
| client CPU per fetch (user + system) | ${r.cpuMsPerFetch.toFixed(2)} ms | ≤ 3 ms | ${pass(r.cpuMsPerFetch <= 3)} |
| client RSS with ${r.sessions} concurrent open sessions | ${MB(r.rssOpen)} MB (${MB(r.rssBefore)} MB before opening them) | ≤ 300 MB | ${pass(r.rssOpen <= 300 * 1024 * 1024)} |
| simulator RSS at that moment (for information) | ${MB(r.simRss)} MB | – | |
| simulator CPU per fetch (for information) | ${Number(r.simCpuMsPerFetch).toFixed(2)} ms | – | |

${r.failed ? `Failed fetches: ${r.failed}.` : 'No fetch failed.'}

## Reading the figures

* Throughput is bounded by the two cores that the client and the simulator share: about
  1.75–2.1 ms of client CPU plus as much in the simulator per fetch puts the ceiling near
  550 fetches/s on an idle machine. When other work runs on the machine the figure drops
  (runs during development gave 160–505 fetches/s at load averages 1–5; with one core taken
  by another engineer's benchmark for the whole run, 255 fetches/s at 1.99 ms client CPU per
  fetch); the CPU-per-fetch figures stay within 1.75–2.2 ms, so compare those between
  versions.
* Profile of the client (\`node --cpu-prof bench/fetch.ts\`, same picture in the
  simulator): ~40 % is \`node:crypto\`. The largest single item (~15 %) is ssh2 creating a
  new AES-GCM cipher object for every packet (its JavaScript path; the optional native
  add-on is not built here) and Node checking the key type each time; then the curve25519
  key exchange, the ed25519 host-key signature, socket writes (~9 %) and ssh2's packet
  handling. The session engine and the transports are a few percent. AES-CTR + HMAC
  instead of GCM was no cheaper (ssh2 creates an HMAC per packet). Trying ecdh-sha2-nistp256
  first instead of curve25519 did not lower the CPU per fetch, so \`modern\` keeps
  curve25519 first.
* Without TCP no-delay ssh2 waits on delayed ACKs between small packets; both ends set it.
* 1,000 open sessions cost the client about 50 MB over its baseline (~50 KB per
  authenticated connection with an open pty shell).

## The simulator side

The synthetic fleet (\`src/sim/fleet.ts\`) serves its devices **by SSH/telnet username on
one port**: one listening socket and one host key for the whole fleet, O(1) lookup of the
device by username, and per device only its state (about one config string). This is the
mode that scales: a 10,000-device fleet starts in under 0.1 s (process RSS ~120 MB; configs are generated on first use). A
port-per-device mode (\`mode: 'port'\`, one net.Server per device feeding one shared ssh2
server per host key) serves recordings, whose sessions carry no username, and devices that
must show a host key of their own (the \`host-key-changed\` knob). Run it standalone with
\`node src/sim/index.ts --fleet N\` (see \`--help\`).
`;
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}

await main();
