// Synthetic fleets: N IOS-like devices served by one SSH server (and optionally one Telnet
// server) on 127.0.0.1, selected by username ("sim00001"...). This scales to 10,000
// devices: one listening port, one host key, O(1) lookup, device state only (~1 config
// string each). Misbehaving devices that cannot share the port get their own:
//  * host-key-changed: an SSH server in port mode with another host key;
//  * garbage: a raw TCP port that answers with binary noise instead of SSH/Telnet.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { SimSshServer, generateHostKey } from './server-ssh.ts';
import { SimTelnetServer } from './server-telnet.ts';
import { SyntheticDevice, hashString, MISBEHAVIOURS } from './synthetic.ts';
import type { Misbehaviour } from './synthetic.ts';
import type { AlgorithmLists } from '../transports/algorithms.ts';

export interface FleetOptions {
  count: number;
  /** Which servers to start (default 'ssh'). */
  protocols?: ('ssh' | 'telnet')[];
  /** Password of every device (default 'netkeep'). */
  password?: string;
  /** Accept this public key (OpenSSH line) for key auth on every device. */
  publicKey?: string;
  keyboardInteractive?: boolean;
  configLines?: number;
  latencyMs?: number;
  /** Share (0..1) of the devices whose config changes at each advance(). */
  changeShare?: number;
  /** How many devices misbehave, per kind; they are the last devices of the fleet. */
  misbehave?: Partial<Record<Misbehaviour, number>>;
  /** Or choose per device index. Wins over `misbehave`. */
  misbehaviourOf?: (index: number) => Misbehaviour | undefined;
  /** SSH host key (private). Default: a fresh ed25519 key. */
  hostKey?: string;
  sshPort?: number;
  telnetPort?: number;
  algorithms?: AlgorithmLists;
  namePrefix?: string;
}

export interface FleetDeviceInfo {
  name: string;
  host: string;
  username: string;
  password: string;
  sshPort?: number;
  telnetPort?: number;
  /** The key a client pinned for this device (the fleet's key). */
  pinnedHostKey: string;
  /** The key the device shows now (differs only for host-key-changed). */
  hostKey: string;
  misbehaviour?: Misbehaviour;
}

export class Fleet {
  readonly devices: SyntheticDevice[] = [];
  readonly info: FleetDeviceInfo[] = [];
  readonly ssh: SimSshServer | undefined;
  readonly telnet: SimTelnetServer | undefined;
  private readonly extra: { close(): Promise<void> }[] = [];
  private readonly byName = new Map<string, number>();
  private readonly changeShare: number;
  run = 0;

  constructor(ssh: SimSshServer | undefined, telnet: SimTelnetServer | undefined, changeShare: number) {
    this.ssh = ssh;
    this.telnet = telnet;
    this.changeShare = changeShare;
  }

  /** @internal */
  add(device: SyntheticDevice, info: FleetDeviceInfo): void {
    this.byName.set(device.name, this.devices.length);
    this.devices.push(device);
    this.info.push(info);
  }

  /** @internal */
  own(closer: { close(): Promise<void> }): void {
    this.extra.push(closer);
  }

  device(name: string): SyntheticDevice {
    const i = this.byName.get(name);
    if (i === undefined) throw new Error(`no device '${name}' in the fleet`);
    return this.devices[i];
  }

  infoOf(name: string): FleetDeviceInfo {
    return this.info[this.byName.get(name) ?? -1] ?? (() => {
      throw new Error(`no device '${name}' in the fleet`);
    })();
  }

  /** Next run: the configs of `changeShare` of the devices change. Returns their names. */
  advance(): string[] {
    this.run++;
    const changed: string[] = [];
    if (this.changeShare <= 0) return changed;
    for (const d of this.devices) {
      // deterministic: the same devices change for the same run
      if ((hashString(`${d.name}/${this.run}`) % 10_000) / 10_000 < this.changeShare) {
        d.mutate(this.run);
        changed.push(d.name);
      }
    }
    return changed;
  }

  async close(): Promise<void> {
    await Promise.all([this.ssh?.close(), this.telnet?.close(), ...this.extra.map((e) => e.close())]);
  }
}

/** A port that answers every connection with binary noise and never speaks a protocol. */
async function startGarbagePort(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    sock.once('close', () => sockets.delete(sock));
    sock.resume(); // read (and ignore) what the client sends, so its close is seen
    const noise = randomBytes(16384);
    // no CR/LF, so no line-based parser can mistake it for a banner
    for (let i = 0; i < noise.length; i++) if (noise[i] === 10 || noise[i] === 13) noise[i] = 0;
    sock.write(noise);
  });
  await new Promise<void>((r) => srv.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

function assignMisbehaviours(o: FleetOptions): (i: number) => Misbehaviour | undefined {
  if (o.misbehaviourOf) return o.misbehaviourOf;
  const byIndex = new Map<number, Misbehaviour>();
  let i = o.count - 1;
  for (const kind of MISBEHAVIOURS) {
    for (let k = 0; k < (o.misbehave?.[kind] ?? 0) && i >= 0; k++) byIndex.set(i--, kind);
  }
  return (idx) => byIndex.get(idx);
}

export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const protocols = o.protocols ?? ['ssh'];
  const password = o.password ?? 'netkeep';
  const prefix = o.namePrefix ?? 'sim';
  const width = Math.max(5, String(o.count).length);
  const misOf = assignMisbehaviours(o);
  const hostKey = o.hostKey ?? generateHostKey('ed25519').privateKey;

  const ssh = protocols.includes('ssh') ? new SimSshServer({ hostKey, mode: 'username', port: o.sshPort ?? 0, ...(o.algorithms ? { algorithms: o.algorithms } : {}) }) : undefined;
  const telnet = protocols.includes('telnet') ? new SimTelnetServer({ mode: 'username', port: o.telnetPort ?? 0 }) : undefined;
  await ssh?.listen();
  await telnet?.listen();
  const fleet = new Fleet(ssh, telnet, o.changeShare ?? 0);
  const pinned = ssh ? ssh.hostKeyOf() : '';

  let changedKeyServer: SimSshServer | undefined;
  let garbage: { port: number; close(): Promise<void> } | undefined;

  for (let i = 0; i < o.count; i++) {
    const name = `${prefix}${String(i + 1).padStart(width, '0')}`;
    const mis = misOf(i);
    const dev = new SyntheticDevice({
      name,
      username: name,
      password,
      ...(o.publicKey ? { publicKey: o.publicKey } : {}),
      ...(o.keyboardInteractive ? { keyboardInteractive: true } : {}),
      ...(o.configLines ? { configLines: o.configLines } : {}),
      ...(o.latencyMs ? { latencyMs: o.latencyMs } : {}),
      ...(mis ? { misbehaviour: mis } : {}),
    });
    const info: FleetDeviceInfo = { name, host: '127.0.0.1', username: name, password, pinnedHostKey: pinned, hostKey: pinned, ...(mis ? { misbehaviour: mis } : {}) };
    if (mis === 'garbage') {
      garbage ??= await startGarbagePort();
      if (ssh) info.sshPort = garbage.port;
      if (telnet) info.telnetPort = garbage.port;
    } else if (mis === 'host-key-changed' && ssh) {
      if (!changedKeyServer) {
        changedKeyServer = new SimSshServer({ mode: 'port', hostKeyType: 'ed25519' });
        fleet.own(changedKeyServer);
      }
      info.sshPort = await changedKeyServer.addDevice(dev);
      info.hostKey = changedKeyServer.hostKeyOf(name);
      if (telnet) info.telnetPort = await telnet.addDevice(dev);
    } else {
      if (ssh) info.sshPort = await ssh.addDevice(dev);
      if (telnet) info.telnetPort = await telnet.addDevice(dev);
    }
    fleet.add(dev, info);
  }
  if (garbage) fleet.own(garbage);
  return fleet;
}
