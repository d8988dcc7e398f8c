// Starts OpenSSH's sshd in the foreground (`-D -e -f CONF -p PORT`) on a free loopback port,
// with its own host key, client key and authorized_keys in a temp dir. Logs in as root
// (PermitRootLogin prohibit-password) when the tests run as root, else as the current user.
// Subsystems: sftp (internal-sftp) and, when asked, netconf through yuma123's
// netconf-subsystem to a netconfd listening on a UNIX socket.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres.ts';

export const SSHD_BIN = process.env.SSHD_BIN ?? '/usr/sbin/sshd';
export const NETCONF_SUBSYSTEM_BIN = '/usr/sbin/netconf-subsystem';

export interface SshdServer {
  port: number;
  dir: string;
  /** The user the tests log in as. */
  user: string;
  /** OpenSSH private key text accepted by the server. */
  clientKey: string;
  /** A second key the server does not accept (wrong-key tests). */
  otherKey: string;
  /** The server's host key, "ssh-ed25519 <base64>", as the SSH transport reports it. */
  hostKey: string;
  /** sshd's stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

export function haveSshd(): boolean {
  return existsSync(SSHD_BIN) && existsSync('/usr/bin/ssh-keygen');
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'netkeep-test', '-f', file], { stdio: 'pipe' });
}

export interface SshdOptions {
  /** Port (default: a free one). netconfd must be started with the same number. */
  port?: number;
  /** UNIX socket of a netconfd: adds `Subsystem netconf netconf-subsystem --ncxserver-sockname=PORT@SOCK`. */
  netconfSocket?: string;
  /** Extra subsystems, name → command (fault tests: a scripted NETCONF server). */
  subsystems?: Record<string, string>;
}

export async function startSshd(o: SshdOptions = {}): Promise<SshdServer> {
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-sshd-'));
  chmodSync(dir, 0o755);
  const root = process.getuid?.() === 0;
  // sshd as root needs its privilege separation directory (absent in containers until the service starts once)
  if (root && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  const user = userInfo().username;
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'client'));
  keygen(join(dir, 'other'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client.pub')), { mode: 0o600 });
  const port = o.port ?? (await freePort());
  const conf = [
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    'PidFile none',
    'UsePAM no',
    // the temp dir sits under /tmp (world-writable), which StrictModes refuses
    'StrictModes no',
    root ? 'PermitRootLogin prohibit-password' : `AllowUsers ${user}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'MaxStartups 100',
    'MaxSessions 50',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    ...(o.netconfSocket ? [`Subsystem netconf ${NETCONF_SUBSYSTEM_BIN} --ncxserver-sockname=${port}@${o.netconfSocket}`] : []),
    ...Object.entries(o.subsystems ?? {}).map(([name, cmd]) => `Subsystem ${name} ${cmd}`),
  ];
  const confFile = join(dir, 'sshd_config');
  writeFileSync(confFile, conf.join('\n') + '\n', { mode: 0o600 });
  const hostPub = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/);
  const child: ChildProcess = spawn(SSHD_BIN, ['-D', '-e', '-f', confFile, '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`sshd did not start within 10s:\n${stderr}`)), 10_000);
    child.stderr!.on('data', (s: string) => {
      stderr += s;
      if (/Server listening on/.test(stderr)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`sshd exited with ${code} before listening:\n${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    dir,
    user: root ? 'root' : user,
    clientKey: readFileSync(join(dir, 'client'), 'utf8'),
    otherKey: readFileSync(join(dir, 'other'), 'utf8'),
    hostKey: `${hostPub[0]} ${hostPub[1]}`,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
