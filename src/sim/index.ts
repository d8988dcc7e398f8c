// The device simulator: public API, and a small CLI to run it standalone for demos and the
// benchmark (everything on 127.0.0.1):
//
//   node src/sim/index.ts --fleet 1000 [--telnet] [--ssh-port 2222] [--latency 5] ...
//   node src/sim/index.ts --recordings test/fixtures/recordings [--telnet]
//
// It prints where the devices are, then one JSON line starting with {"ready":true,...}
// (for scripts), and runs until SIGINT/SIGTERM or, with --stdin, until stdin closes.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFleet } from './fleet.ts';
import { SimSshServer } from './server-ssh.ts';
import { SimTelnetServer } from './server-telnet.ts';
import { MISBEHAVIOURS } from './synthetic.ts';
import type { Misbehaviour } from './synthetic.ts';

export { startFleet, Fleet } from './fleet.ts';
export type { FleetOptions, FleetDeviceInfo } from './fleet.ts';
export { SimSshServer, generateHostKey, publicKeyOf, ActionRunner } from './server-ssh.ts';
export { SimTelnetServer } from './server-telnet.ts';
export { SyntheticDevice, IosLikeSession, generateConfig, syntheticIosDriver, MISBEHAVIOURS } from './synthetic.ts';
export type { Misbehaviour, SyntheticDeviceState } from './synthetic.ts';
export type { DeviceAction, DeviceSession, SimAuth, SimDevice } from './types.ts';

const HELP = `Usage:
  node src/sim/index.ts --fleet N [options]        N synthetic IOS-like devices
  node src/sim/index.ts --recordings DIR [options] every <model>#<device>#simulation.yaml in DIR

Fleet options (devices are selected by SSH/telnet username sim00001..simN on one port):
  --ssh-port P          SSH port (default: ephemeral)
  --telnet              also serve telnet;  --telnet-port P  its port
  --password P          password of every device (default netkeep)
  --latency MS          delay before every answer
  --config-lines N      lines of running config (default 300)
  --change-share F      share 0..1 of configs that change on SIGUSR2 (next run)
  --misbehave K=N,...   N devices misbehave as K: ${MISBEHAVIOURS.join(', ')}
Recording options: one SSH port per recording (and one telnet port with --telnet); any
username/password is accepted.
Common: --stdin  exit when stdin closes (for parent processes);  -h, --help
`;

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      fleet: { type: 'string' },
      recordings: { type: 'string' },
      telnet: { type: 'boolean' },
      'ssh-port': { type: 'string' },
      'telnet-port': { type: 'string' },
      password: { type: 'string' },
      latency: { type: 'string' },
      'config-lines': { type: 'string' },
      'change-share': { type: 'string' },
      misbehave: { type: 'string' },
      stdin: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help || (!v.fleet && !v.recordings)) {
    process.stdout.write(HELP);
    return v.help ? 0 : 1;
  }
  const closers: (() => Promise<void>)[] = [];
  const log = (s: string) => process.stdout.write(`${s}\n`);

  if (v.fleet) {
    const misbehave: Partial<Record<Misbehaviour, number>> = {};
    for (const part of (v.misbehave ?? '').split(',').filter(Boolean)) {
      const [k, n] = part.split('=');
      if (!(MISBEHAVIOURS as readonly string[]).includes(k)) throw new Error(`unknown misbehaviour '${k}'; one of ${MISBEHAVIOURS.join(', ')}`);
      misbehave[k as Misbehaviour] = Number(n ?? 1);
    }
    const fleet = await startFleet({
      count: Number(v.fleet),
      protocols: v.telnet ? ['ssh', 'telnet'] : ['ssh'],
      ...(v.password ? { password: v.password } : {}),
      ...(v.latency ? { latencyMs: Number(v.latency) } : {}),
      ...(v['config-lines'] ? { configLines: Number(v['config-lines']) } : {}),
      ...(v['change-share'] ? { changeShare: Number(v['change-share']) } : {}),
      ...(v['ssh-port'] ? { sshPort: Number(v['ssh-port']) } : {}),
      ...(v['telnet-port'] ? { telnetPort: Number(v['telnet-port']) } : {}),
      misbehave,
    });
    closers.push(() => fleet.close());
    process.on('SIGUSR2', () => log(`run ${fleet.run + 1}: ${fleet.advance().length} configs changed`));
    const odd = fleet.info.filter((i) => i.misbehaviour);
    log(`fleet of ${fleet.devices.length} devices on 127.0.0.1: ssh port ${fleet.ssh?.port ?? '-'}${fleet.telnet ? `, telnet port ${fleet.telnet.port}` : ''}`);
    log(`usernames ${fleet.info[0]?.username} .. ${fleet.info.at(-1)?.username}, password ${fleet.info[0]?.password}; host key ${fleet.ssh?.hostKeyOf()}`);
    for (const o of odd) log(`  ${o.name}: ${o.misbehaviour} (ssh port ${o.sshPort ?? '-'}${o.telnetPort ? `, telnet ${o.telnetPort}` : ''})`);
    log(
      JSON.stringify({
        ready: true,
        ssh: fleet.ssh?.port,
        telnet: fleet.telnet?.port,
        hostKey: fleet.ssh?.hostKeyOf(),
        password: fleet.info[0]?.password,
        devices: fleet.info.map((i) => ({ name: i.name, username: i.username, ssh: i.sshPort, telnet: i.telnetPort, ...(i.misbehaviour ? { misbehaviour: i.misbehaviour } : {}) })),
      }),
    );
  } else {
    const { loadRecording, RecordingDevice } = await import('./recording.ts');
    const dir = resolve(v.recordings!);
    const ssh = new SimSshServer({ mode: 'port' });
    const telnet = v.telnet ? new SimTelnetServer({ mode: 'port' }) : undefined;
    closers.push(() => ssh.close());
    if (telnet) closers.push(() => telnet.close());
    const EXEC = new Set(['junos', 'routeros', 'opnsense', 'eatonnetwork']);
    const out: { name: string; ssh: number; telnet?: number }[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('simulation.yaml')).sort()) {
      const rec = loadRecording(join(dir, f));
      const dev = new RecordingDevice(rec, { execMode: EXEC.has(rec.model) });
      const entry: { name: string; ssh: number; telnet?: number } = { name: rec.name, ssh: await ssh.addDevice(dev) };
      if (telnet && !dev.execMode) entry.telnet = await telnet.addDevice(dev);
      out.push(entry);
      log(`  ${rec.name.padEnd(50)} ssh ${entry.ssh}${entry.telnet ? `  telnet ${entry.telnet}` : ''}`);
    }
    log(`${out.length} recorded devices on 127.0.0.1 (any username/password); host key ${ssh.hostKeyOf()}`);
    log(JSON.stringify({ ready: true, hostKey: ssh.hostKeyOf(), devices: out }));
  }

  await new Promise<void>((res) => {
    process.once('SIGINT', res);
    process.once('SIGTERM', res);
    if (v.stdin) {
      process.stdin.resume();
      process.stdin.once('end', res);
      process.stdin.once('close', res);
    }
  });
  await Promise.all(closers.map((c) => c()));
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`netkeep-sim: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
