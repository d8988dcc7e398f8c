// Starts yuma123's netconfd with its own startup file, home and UNIX socket in a temp dir,
// and OpenSSH's sshd in front of it (Subsystem netconf → netconf-subsystem), on one free
// loopback port: netconfd's --port must equal the sshd port (netconf-subsystem tells netconfd
// which port the client came in on).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres.ts';
import { NETCONF_SUBSYSTEM_BIN, haveSshd, startSshd } from './sshd.ts';
import type { SshdServer } from './sshd.ts';

export const NETCONFD_BIN = process.env.NETCONFD_BIN ?? '/usr/sbin/netconfd';

export function haveNetconfd(): boolean {
  return haveSshd() && existsSync(NETCONFD_BIN) && existsSync(NETCONF_SUBSYSTEM_BIN);
}

/** Initial configuration: two interfaces (ietf-interfaces), one with characters that need escaping. */
export const NETCONFD_STARTUP = `<?xml version="1.0" encoding="UTF-8"?>
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces">
    <interface>
      <name>eth0</name>
      <type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type>
      <description>uplink &amp; core &lt;A&gt;</description>
      <enabled>true</enabled>
    </interface>
    <interface>
      <name>lo0</name>
      <type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:softwareLoopback</type>
    </interface>
  </interfaces>
</config>
`;

export interface NetconfServer {
  port: number;
  sshd: SshdServer;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startNetconfd(): Promise<NetconfServer> {
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-netconfd-'));
  chmodSync(dir, 0o755);
  const home = join(dir, 'home');
  mkdirSync(home);
  const sock = join(dir, 'ncxserver.sock');
  const startup = join(dir, 'startup-cfg.xml');
  writeFileSync(startup, NETCONFD_STARTUP);
  const port = await freePort();
  const logFile = join(dir, 'netconfd.log');
  const root = process.getuid?.() === 0;
  const args = [
    `--port=${port}`,
    `--ncxserver-sockname=${sock}`,
    `--startup=${startup}`,
    '--with-startup=true',
    '--target=candidate',
    '--module=iana-if-type',
    '--module=ietf-interfaces',
    `--superuser=${root ? 'root' : process.env.USER ?? 'root'}`,
    `--log=${logFile}`,
    '--log-level=info',
    '--idle-timeout=0',
  ];
  const child: ChildProcess = spawn(NETCONFD_BIN, args, { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, HOME: home }, cwd: dir });
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  let exited = false;
  child.on('exit', () => (exited = true));
  const t0 = Date.now();
  while (!existsSync(sock)) {
    if (exited) throw new Error(`netconfd exited before listening:\n${log()}`);
    if (Date.now() - t0 > 15_000) {
      child.kill('SIGKILL');
      throw new Error(`netconfd did not create its socket within 15s:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let sshd: SshdServer;
  try {
    sshd = await startSshd({ port, netconfSocket: sock });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    port,
    sshd,
    dir,
    log,
    async stop() {
      await sshd.stop();
      if (!exited) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = await Promise.race([gone.then(() => 'ok'), new Promise((r) => setTimeout(() => r('late'), 3000))]);
        if (t === 'late') child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
