// Starts Debian's net-snmp snmpd for a test file: foreground (-f), no system config (-C), its own
// config and persistent directory in a temp dir, on a free 127.0.0.1 UDP port, with a v2c
// community and two v3 users (SHA-256/AES and SHA-512/AES, authPriv).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SNMPD_BIN = process.env.SNMPD_BIN ?? '/usr/sbin/snmpd';

export function haveSnmpd(): boolean {
  return existsSync(SNMPD_BIN);
}

export const SNMPD_USERS = {
  sha256: { user: 'nkSha256', authProtocol: 'sha256', authKey: 'auth-key-256-test', privProtocol: 'aes', privKey: 'priv-key-256-test' },
  sha512: { user: 'nkSha512', authProtocol: 'sha512', authKey: 'auth-key-512-test', privProtocol: 'aes', privKey: 'priv-key-512-test' },
} as const;

export interface Snmpd {
  port: number;
  community: string;
  stop(): Promise<void>;
  log(): string;
}

/** A free UDP port on 127.0.0.1 (bound and released). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Wait until the agent answers a v2c GET sysName.0 (raw packet, no library involved). */
async function waitReady(port: number, community: string, child: ChildProcess, logFile: string, deadlineMs = 10_000): Promise<void> {
  // SNMPv2c GetRequest for 1.3.6.1.2.1.1.5.0, request id 1
  const c = Buffer.from(community, 'latin1');
  const oid = Buffer.from([0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00]);
  const vb = Buffer.concat([Buffer.from([0x30, oid.length + 2]), oid, Buffer.from([0x05, 0x00])]);
  const vbl = Buffer.concat([Buffer.from([0x30, vb.length]), vb]);
  const pduBody = Buffer.concat([Buffer.from([0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]), vbl]);
  const pdu = Buffer.concat([Buffer.from([0xa0, pduBody.length]), pduBody]);
  const msgBody = Buffer.concat([Buffer.from([0x02, 0x01, 0x01, 0x04, c.length]), c, pdu]);
  const msg = Buffer.concat([Buffer.from([0x30, msgBody.length]), msgBody]);
  const until = Date.now() + deadlineMs;
  const s = createSocket('udp4');
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`snmpd exited (${child.exitCode}): ${readLog(logFile)}`);
      const got = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          s.removeAllListeners('message');
          resolve(false);
        }, 200);
        s.once('message', () => {
          clearTimeout(t);
          resolve(true);
        });
        s.send(msg, port, '127.0.0.1');
      });
      if (got) return;
      if (Date.now() > until) throw new Error(`snmpd did not answer on 127.0.0.1:${port}: ${readLog(logFile)}`);
    }
  } finally {
    s.close();
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

export async function startSnmpd(): Promise<Snmpd> {
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-snmpd-'));
  const port = await freeUdpPort();
  const community = 'netkeep-ro';
  const conf = join(dir, 'snmpd.conf');
  const logFile = join(dir, 'snmpd.log');
  const u = SNMPD_USERS;
  writeFileSync(
    conf,
    [
      `agentaddress udp:127.0.0.1:${port}`,
      `[snmp] persistentDir ${join(dir, 'persist')}`,
      `rocommunity ${community} 127.0.0.1`,
      `createUser ${u.sha256.user} SHA-256 ${u.sha256.authKey} AES ${u.sha256.privKey}`,
      `createUser ${u.sha512.user} SHA-512 ${u.sha512.authKey} AES ${u.sha512.privKey}`,
      `rouser ${u.sha256.user} priv`,
      `rouser ${u.sha512.user} priv`,
      'sysName netkeep-snmpd',
      'sysLocation test lab, rack 1',
      'sysContact noc@example.net',
      'sysServices 72',
      'dontLogTCPWrappersConnects yes',
      '',
    ].join('\n'),
  );
  const child = spawn(SNMPD_BIN, ['-f', '-C', '-c', conf, '-Lf', logFile, '-p', join(dir, 'snmpd.pid')], {
    env: { ...process.env, MIBS: '', MIBDIRS: dir, SNMP_PERSISTENT_DIR: join(dir, 'persist'), SNMPCONFPATH: dir },
    stdio: 'ignore',
  });
  try {
    await waitReady(port, community, child, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    community,
    log: () => readLog(logFile),
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(t);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}
