// CISCO-CONFIG-COPY-MIB backups and restores against the simulated Cisco agent, with netkeep's
// own TFTP server; and the TFTP server itself (RFC 1350 + blksize, deadlines, unknown files).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetkeepError } from '../../src/errors.ts';
import { fetchSnmp, pushSnmpConfigCopy } from '../../src/backup/fetch-snmp.ts';
import { startSimCiscoAgent, type SimCiscoAgent } from '../../src/sim/snmp-cisco.ts';
import { acquireTftpServer, startTftpServer, tftpGet, tftpPut, type TftpServer } from '../../src/transports/tftp.ts';
import { freeUdpPort } from '../setup/snmpd.ts';

async function udpHandles(): Promise<number> {
  await new Promise((r) => setTimeout(r, 250)); // past the TFTP server's dally after the last ACK
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'UDPWRAP').length;
}

async function failure(p: Promise<unknown>): Promise<NetkeepError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NetkeepError);
    return err as NetkeepError;
  }
  throw new Error('expected a failure');
}

const RUNNING = [
  '!',
  'version 15.7',
  'hostname sim-cisco',
  '!',
  ...Array.from({ length: 400 }, (_, i) => `interface GigabitEthernet0/${i}\n description link ${i}\n no shutdown\n!`),
  'end',
  '',
].join('\n');

describe('TFTP server', () => {
  let server: TftpServer;
  beforeAll(async () => {
    server = await startTftpServer({ address: '127.0.0.1', port: 0, retransmitMs: 200 });
  });
  afterAll(() => server.close());

  for (const [label, size, blksize] of [
    ['empty file', 0, undefined],
    ['one short block', 100, undefined],
    ['exact multiple of 512', 1024, undefined],
    ['many blocks, blksize 1428', 50_000, 1428],
    ['blksize larger than we allow', 5000, 9000],
  ] as const) {
    it(`receives a write: ${label}`, async () => {
      const data = Buffer.from(Array.from({ length: size }, (_, i) => i % 251));
      const got = server.expect(`f-${size}.cfg`, { deadlineMs: 5000 });
      await tftpPut({ host: '127.0.0.1', port: server.port, filename: `f-${size}.cfg`, ...(blksize ? { blksize } : {}) }, data);
      expect((await got).equals(data)).toBe(true);
    });
  }

  it('serves a read (RRQ), with and without blksize', async () => {
    const data = Buffer.from('hostname r1\n'.repeat(300));
    const served = server.offer('push.cfg', data, { deadlineMs: 5000 });
    expect((await tftpGet({ host: '127.0.0.1', port: server.port, filename: 'push.cfg', blksize: 1024 })).equals(data)).toBe(true);
    await served;
    const served2 = server.offer('/push2.cfg', data, { deadlineMs: 5000 });
    expect((await tftpGet({ host: '127.0.0.1', port: server.port, filename: 'push2.cfg' })).equals(data)).toBe(true);
    await served2;
  });

  it('refuses files nobody expects, and reads of files only expected for writing', async () => {
    await expect(tftpPut({ host: '127.0.0.1', port: server.port, filename: 'etc-passwd', timeoutMs: 2000 }, Buffer.from('x'))).rejects.toThrow(/TFTP error 2/);
    await expect(tftpGet({ host: '127.0.0.1', port: server.port, filename: 'nothing.cfg', timeoutMs: 2000 })).rejects.toThrow(/TFTP error 1/);
    const p = server.expect('w-only.cfg', { deadlineMs: 3000 });
    await expect(tftpGet({ host: '127.0.0.1', port: server.port, filename: 'w-only.cfg', timeoutMs: 2000 })).rejects.toThrow(/TFTP error 1/);
    server.cancel('w-only.cfg');
    await expect(p).rejects.toThrow(/cancelled/);
  });

  it('a transfer that never comes ends at its deadline with a classified timeout', async () => {
    const e = await failure(server.expect('never.cfg', { deadlineMs: 200 }));
    expect(e.failureClass).toBe('timeout');
    expect(e.message).toContain('did not send never.cfg');
  });

  it('an address already in use is a config_error saying what to fix', async () => {
    const e = await failure(startTftpServer({ address: '127.0.0.1', port: server.port }));
    expect(e.failureClass).toBe('config_error');
    expect(e.message).toMatch(/in use.*configCopy/);
  });

  it('shared servers: one socket per address:port, closed with the last user', async () => {
    const port = await freeUdpPort();
    const before = await udpHandles();
    const a = await acquireTftpServer({ address: '127.0.0.1', port });
    const b = await acquireTftpServer({ address: '127.0.0.1', port });
    expect(a.server).toBe(b.server);
    await a.release();
    const got = b.server.expect('shared.cfg', { deadlineMs: 3000 });
    await tftpPut({ host: '127.0.0.1', port, filename: 'shared.cfg' }, Buffer.from('ok'));
    expect((await got).toString()).toBe('ok');
    await b.release();
    expect(await udpHandles()).toBe(before);
  });
});

describe('CISCO-CONFIG-COPY-MIB against the simulated Cisco agent', () => {
  let tftpPort: number;
  let sim: SimCiscoAgent;
  const sims: SimCiscoAgent[] = [];
  let baseline = 0;

  const start = async (extra: Partial<Parameters<typeof startSimCiscoAgent>[0]> = {}) => {
    const s = await startSimCiscoAgent({ runningConfig: RUNNING, startupConfig: 'hostname sim-cisco-startup\nend\n', tftpPort, tftpTimeoutMs: 1500, v3User: { name: 'nkv3', authKey: 'auth-key-sim', privKey: 'priv-key-sim' }, ...extra });
    sims.push(s);
    return s;
  };
  const fetchOpts = (s: SimCiscoAgent, options: Record<string, unknown> = {}) => ({
    host: '127.0.0.1',
    port: s.port,
    credentials: {},
    options: { community: 'private', timeout: 1000, configCopy: { method: 'tftp', bindAddress: '127.0.0.1', port: tftpPort, pollMs: 50, deadlineMs: 5000 }, ...options },
  });

  beforeAll(async () => {
    tftpPort = await freeUdpPort();
    baseline = await udpHandles();
    sim = await start();
  });
  afterEach(() => {});
  afterAll(async () => {
    for (const s of sims) await s.close();
  });

  it('backs up the running-config: the device copies it to netkeep by TFTP', async () => {
    const r = await fetchSnmp(fetchOpts(sim));
    expect(r.config).toBe(RUNNING);
    expect(r.facts).toEqual({ model: 'CISCO2911/K9', serial: 'FGL1234ABCD', osVersion: '15.7(3)M8' });
    const copy = sim.copies.at(-1)!;
    expect(copy).toMatchObject({ source: 4, dest: 1, server: '127.0.0.1', state: 3 });
    expect(copy.fileName).toMatch(/^netkeep-127\.0\.0\.1-[0-9a-f]{12}\.cfg$/);
  });

  it('backs up the startup-config when asked, over v3 authPriv', async () => {
    const r = await fetchSnmp(fetchOpts(sim, { backupType: 'startup-config', version: '3', user: 'nkv3', authProtocol: 'sha256', authKey: 'auth-key-sim', privKey: 'priv-key-sim' }));
    expect(r.config).toBe('hostname sim-cisco-startup\nend\n');
  });

  it('the copy row is destroyed afterwards (no leftovers in ccCopyTable)', async () => {
    const r = await fetchSnmp({ host: '127.0.0.1', port: sim.port, credentials: {}, options: { community: 'private', subtrees: ['1.3.6.1.4.1.9.9.96.1.1.1'] } }).catch((e: NetkeepError) => e);
    expect(r).toBeInstanceOf(NetkeepError);
    expect((r as NetkeepError).message).toContain('returned nothing');
  });

  it('restores: the device copies the config from netkeep into its running-config', async () => {
    const s = await start();
    const text = 'hostname restored\ninterface Loopback0\n ip address 10.0.0.1 255.255.255.255\nend\n'.repeat(50);
    const r = await pushSnmpConfigCopy({ ...fetchOpts(s), config: text });
    expect(r.bytes).toBe(Buffer.byteLength(text));
    expect(s.runningConfig).toBe(text);
    expect(s.copies.at(-1)).toMatchObject({ source: 1, dest: 4, state: 3 });
    // and a backup now returns what was restored
    expect((await fetchSnmp(fetchOpts(s))).config).toBe(text);
  });

  it("a device that cannot reach netkeep's TFTP server: classified timeout, nothing stored", async () => {
    const s = await start({ tftpPort: await freeUdpPort(), tftpTimeoutMs: 500 });
    const e = await failure(fetchSnmp(fetchOpts(s)));
    expect(e.failureClass).toBe('timeout');
    expect(e.message).toMatch(/could not reach netkeep's TFTP server 127\.0\.0\.1:\d+\/udp/);
    expect(s.copies.at(-1)?.state).toBe(4);
  });

  it('a copy that never finishes ends at the deadline', async () => {
    const s = await start({ hang: true });
    const t0 = Date.now();
    const e = await failure(fetchSnmp(fetchOpts(s, { configCopy: { method: 'tftp', bindAddress: '127.0.0.1', port: tftpPort, pollMs: 50, deadlineMs: 600 } })));
    expect(e.failureClass).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a wrong community on the copy: timeout with the community hint', async () => {
    const e = await failure(fetchSnmp(fetchOpts(sim, { community: 'nope', timeout: 200, retries: 0 })));
    expect(e.failureClass).toBe('timeout');
    expect(e.message).toContain('wrong community or SNMP not allowed from this address');
  });

  it('leaves no sockets open', async () => {
    for (const s of sims.splice(0)) await s.close();
    expect(await udpHandles()).toBe(baseline);
  });
});
