// SNMP full-state backups against Debian's real snmpd (v2c and v3 authPriv with SHA-2/AES),
// wrong credentials, stability across runs, and an agent that answers garbage.
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetkeepError } from '../../src/errors.ts';
import { fetchSnmp, parseSnmpOptions, renderValue, SNMP_VOLATILE } from '../../src/backup/fetch-snmp.ts';
import { ObjectType } from '../../src/transports/snmp.ts';
import { freeUdpPort, haveSnmpd, SNMPD_USERS, startSnmpd, type Snmpd } from '../setup/snmpd.ts';

/** Open UDP sockets in this process, after closes in flight have finished. */
async function udpHandles(): Promise<number> {
  await new Promise((r) => setTimeout(r, 20));
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'UDPWRAP').length;
}

async function failure(p: Promise<unknown>): Promise<NetkeepError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NetkeepError);
    return err as NetkeepError;
  }
  throw new Error('expected the fetch to fail');
}

const significant = (text: string) => text.split('\n').filter((l) => !SNMP_VOLATILE.some((re) => re.test(l)));

describe.skipIf(!haveSnmpd() && !process.env.CI)('SNMP against snmpd', () => {
  let snmpd: Snmpd;
  let baseline = 0;

  beforeAll(async () => {
    snmpd = await startSnmpd();
    baseline = await udpHandles();
  });
  afterAll(async () => {
    await snmpd?.stop();
  });

  const base = () => ({ host: '127.0.0.1', port: snmpd.port, credentials: {} });

  it('walks the default subtrees over v2c into a sorted, named document with facts', async () => {
    const r = await fetchSnmp({ ...base(), options: { version: '2c', community: snmpd.community } });
    const lines = r.config.trimEnd().split('\n');
    expect(lines[0]).toBe('# netkeep SNMP full-state');
    expect(r.config).toContain('# sysName: netkeep-snmpd');
    expect(r.config).toMatch(/^# sysDescr: Linux /m);
    expect(r.config).toContain('sysName.0 = STRING: "netkeep-snmpd"');
    expect(r.config).toContain('sysLocation.0 = STRING: "test lab, rack 1"');
    expect(r.config).toMatch(/^sysUpTime\.0 = TimeTicks: \d+$/m);
    expect(r.config).toMatch(/^sysObjectID\.0 = OID: 1\.3\.6\.1\.4\.1\.8072\./m);
    expect(r.config).toMatch(/^ifDescr\.1 = STRING: "lo"$/m);
    expect(r.config).toMatch(/^ifInOctets\.1 = Counter32: \d+$/m);
    expect(r.config).toContain('ipAdEntAddr.127.0.0.1 = IpAddress: 127.0.0.1');
    expect(r.config).toContain('ipAdEntNetMask.127.0.0.1 = IpAddress: 255.0.0.0');
    // numeric OID order: sysDescr (1.1) < sysUpTime (1.3) < ifNumber (2.1) < ifDescr.1 (2.2.1.2.1) < ipAdEntAddr
    const idx = (p: string) => lines.findIndex((l) => l.startsWith(p));
    expect(idx('sysDescr.0')).toBeLessThan(idx('sysUpTime.0'));
    expect(idx('sysUpTime.0')).toBeLessThan(idx('ifNumber.0'));
    expect(idx('ifNumber.0')).toBeLessThan(idx('ifDescr.1'));
    expect(idx('ifDescr.1')).toBeLessThan(idx('ipAdEntAddr.127.0.0.1'));
    // sysORTable rows sort numerically (9.1.2.2 before 9.1.2.10)
    const orRows = lines.filter((l) => l.startsWith('sysORID.')).map((l) => Number(l.split(' ')[0]!.split('.')[1]));
    expect(orRows).toEqual([...orRows].sort((a, b) => a - b));
    expect(r.facts.osVersion).toMatch(/^\d+\.\d+/);
    expect(r.volatile).toBe(SNMP_VOLATILE);
    expect(await udpHandles()).toBe(baseline);
  });

  it('is stable across two runs apart from the volatile lines', async () => {
    const o = { ...base(), options: { version: '2c', community: snmpd.community } };
    const a = await fetchSnmp(o);
    await new Promise((r) => setTimeout(r, 1100));
    const b = await fetchSnmp(o);
    expect(significant(b.config)).toEqual(significant(a.config));
    // the volatile lines really are there and really are filtered
    expect(a.config.split('\n').length).toBeGreaterThan(significant(a.config).length);
    expect(significant(a.config).some((l) => l.startsWith('sysUpTime'))).toBe(false);
  });

  for (const [label, u] of Object.entries(SNMPD_USERS)) {
    it(`walks over v3 authPriv (${label}/AES)`, async () => {
      const r = await fetchSnmp({ ...base(), options: { version: '3', user: u.user, level: 'authPriv', authProtocol: u.authProtocol, authKey: u.authKey, privProtocol: u.privProtocol, privKey: u.privKey } });
      expect(r.config).toContain('sysName.0 = STRING: "netkeep-snmpd"');
      expect(r.config).toMatch(/^ifDescr\.1 = STRING: "lo"$/m);
    });
  }

  it('v3 and v2c (and small GETBULKs) give the same significant document', async () => {
    const u = SNMPD_USERS.sha256;
    const a = await fetchSnmp({ ...base(), options: { community: snmpd.community, subtrees: ['system', 'ipAddrTable'] } });
    const b = await fetchSnmp({ ...base(), options: { version: 3, user: u.user, authProtocol: 'SHA-256', authKey: u.authKey, privKey: u.privKey, subtrees: 'system ipAddrTable', maxRepetitions: 2 } });
    expect(significant(b.config)).toEqual(significant(a.config));
  });

  it('walks subtrees given as OIDs, named where known', async () => {
    const r = await fetchSnmp({ ...base(), options: { community: snmpd.community, subtrees: ['.1.3.6.1.2.1.1.5', '1.3.6.1.2.1.25.1'] } });
    expect(r.config).toContain('sysName.0 = STRING: "netkeep-snmpd"');
    expect(r.config).toMatch(/^1\.3\.6\.1\.2\.1\.25\.1\.1\.0 = TimeTicks: \d+$/m); // hrSystemUptime: unnamed, volatile
    expect(r.config).not.toContain('sysDescr');
  });

  it('wrong community: a clear timeout that names the likely causes', async () => {
    const t0 = Date.now();
    const e = await failure(fetchSnmp({ ...base(), options: { community: 'wrong-community', timeout: 300, retries: 1 } }));
    expect(e.failureClass).toBe('timeout');
    expect(e.message).toContain('wrong community or SNMP not allowed from this address');
    expect(e.message).toContain(`127.0.0.1:${snmpd.port}`);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await udpHandles()).toBe(baseline);
  });

  it('wrong v3 auth key: auth_failed', async () => {
    const u = SNMPD_USERS.sha256;
    const e = await failure(fetchSnmp({ ...base(), options: { version: '3', user: u.user, authProtocol: 'sha256', authKey: 'not-the-right-key', privKey: u.privKey, timeout: 500, retries: 0 } }));
    expect(e.failureClass).toBe('auth_failed');
    expect(e.message).toMatch(/authKey|Wrong Digest/);
  });

  it('wrong v3 auth protocol (SHA-512 keys against the SHA-256 user): auth_failed', async () => {
    const u = SNMPD_USERS.sha256;
    const e = await failure(fetchSnmp({ ...base(), options: { version: '3', user: u.user, authProtocol: 'sha512', authKey: u.authKey, privKey: u.privKey, timeout: 500, retries: 0 } }));
    expect(e.failureClass).toBe('auth_failed');
  });

  it('unknown v3 user: auth_failed naming the user problem', async () => {
    const e = await failure(fetchSnmp({ ...base(), options: { version: '3', user: 'nobody', authKey: 'whatever-key', privKey: 'whatever-key', timeout: 500, retries: 0 } }));
    expect(e.failureClass).toBe('auth_failed');
    expect(e.message).toMatch(/Unknown User/i);
    expect(e.message).toContain('user name');
  });

  it('wrong v3 privacy key: auth_failed or timeout, never success', async () => {
    const u = SNMPD_USERS.sha512;
    const e = await failure(fetchSnmp({ ...base(), options: { version: '3', user: u.user, authProtocol: 'sha512', authKey: u.authKey, privKey: 'wrong-priv-key', timeout: 400, retries: 0 } }));
    expect(['auth_failed', 'timeout']).toContain(e.failureClass);
  });

  it('an unreachable port: timeout within the per-request deadline, sockets closed', async () => {
    const port = await freeUdpPort();
    const t0 = Date.now();
    const e = await failure(fetchSnmp({ host: '127.0.0.1', port, credentials: {}, options: { community: 'x', timeout: 200, retries: 1 } }));
    expect(['timeout', 'connect_refused', 'protocol_error']).toContain(e.failureClass);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await udpHandles()).toBe(baseline);
  });

  it('running-config on a device without CISCO-CONFIG-COPY-MIB (snmpd, read-only): command_rejected, no fallback', async () => {
    const e = await failure(fetchSnmp({ ...base(), options: { community: snmpd.community, timeout: 500, configCopy: { method: 'tftp', bindAddress: '127.0.0.1', port: 0, deadlineMs: 2000 } } }));
    expect(e.failureClass).toBe('command_rejected');
    expect(e.message).toContain('CISCO-CONFIG-COPY-MIB');
    expect(e.message).toMatch(/read-write community|full-state/);
    expect(await udpHandles()).toBe(baseline);
  });

  it('the whole-session deadline bounds a walk', async () => {
    const e = await failure(fetchSnmp({ ...base(), options: { community: 'wrong', timeout: 5000, retries: 3 }, timeouts: { sessionMs: 300 } }));
    expect(e.failureClass).toBe('timeout');
    expect(e.message).toContain('did not finish within 300 ms');
    expect(await udpHandles()).toBe(baseline);
  });
});

/** A v2c GetResponse to `req` (same request id) whose varbind is an IpAddress of 3 bytes. */
function malformedResponse(req: Buffer): Buffer {
  const tlv = (buf: Buffer, off: number) => {
    let len = buf[off + 1]!;
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | buf[off + 2 + i]!;
      hdr = 2 + n;
    }
    return { start: off + hdr, end: off + hdr + len };
  };
  const wrap = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
  const msg = tlv(req, 0);
  const version = tlv(req, msg.start);
  const community = tlv(req, version.end);
  const pdu = tlv(req, community.end);
  const reqId = tlv(req, pdu.start);
  const vb = wrap(0x30, Buffer.concat([wrap(0x06, Buffer.from([0x2b, 6, 1, 2, 1, 1, 1, 0])), Buffer.from([0x40, 3, 1, 2, 3])]));
  const body = Buffer.concat([req.subarray(pdu.start, reqId.end), Buffer.from([2, 1, 0, 2, 1, 0]), wrap(0x30, vb)]);
  return wrap(0x30, Buffer.concat([req.subarray(msg.start, community.end), wrap(0xa2, body)]));
}

describe('SNMP against a garbage-answering agent', () => {
  let sock: Socket;
  let port = 0;
  let mode: 'garbage' | 'malformed' = 'garbage';
  beforeAll(async () => {
    sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    port = sock.address().port;
    sock.on('message', (_msg, rinfo) => {
      if (mode === 'garbage') sock.send(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n\x00\xff\xfe garbage'), rinfo.port, rinfo.address);
      else sock.send(malformedResponse(_msg), rinfo.port, rinfo.address);
    });
  });
  afterAll(() => new Promise<void>((r) => sock.close(() => r())));

  it('classifies garbage as protocol_error with a clear message, never a success', async () => {
    mode = 'garbage';
    const before = await udpHandles();
    const e = await failure(fetchSnmp({ host: '127.0.0.1', port, credentials: {}, options: { community: 'public', timeout: 200, retries: 1 } }));
    expect(e.failureClass).toBe('protocol_error');
    expect(e.message).toContain('not valid SNMP');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(await udpHandles()).toBe(before);
  });

  it('a well-formed response carrying a malformed value: protocol_error', async () => {
    mode = 'malformed';
    const e = await failure(fetchSnmp({ host: '127.0.0.1', port, credentials: {}, options: { community: 'public', timeout: 200, retries: 0 } }));
    expect(e.failureClass).toBe('protocol_error');
    expect(e.message).toMatch(/not valid SNMP \(.*IP address/);
  });

  it('garbage on v3 discovery: protocol_error too', async () => {
    mode = 'garbage';
    const e = await failure(fetchSnmp({ host: '127.0.0.1', port, credentials: {}, options: { version: '3', user: 'u', authKey: 'authkey123', privKey: 'privkey123', timeout: 200, retries: 0 } }));
    expect(e.failureClass).toBe('protocol_error');
  });
});

describe('SNMP options and rendering', () => {
  const o = (options: Record<string, unknown>) => ({ host: 'r1', credentials: {}, options });
  it('rejects bad options with config_error messages that say what to set', () => {
    const bad = (options: Record<string, unknown>, re: RegExp) => {
      try {
        parseSnmpOptions(o(options));
      } catch (err) {
        expect((err as NetkeepError).failureClass).toBe('config_error');
        expect((err as Error).message).toMatch(re);
        return;
      }
      throw new Error(`accepted ${JSON.stringify(options)}`);
    };
    bad({ version: '1' }, /options.version/);
    bad({ version: '3' }, /options.user/);
    bad({ version: '3', user: 'u', authKey: 'short' }, /authKey/);
    bad({ version: '3', user: 'u', authProtocol: 'sha999', authKey: 'longenough' }, /authProtocol/);
    bad({ version: '3', user: 'u', level: 'authPriv', authKey: 'longenough' }, /privKey/);
    bad({ subtrees: ['nonsense'] }, /unknown SNMP subtree/);
    bad({ backupType: 'running-config' }, /configCopy/);
    bad({ configCopy: { method: 'scp', bindAddress: '127.0.0.1' } }, /not implemented/);
    bad({ configCopy: { method: 'tftp' } }, /bindAddress/);
    bad({ timeout: -1 }, /timeout/);
  });

  it('defaults: v2c, full-state, default subtrees; configCopy makes it running-config', () => {
    const d = parseSnmpOptions(o({}));
    expect(d.version).toBe('2c');
    expect(d.backupType).toBe('full-state');
    expect(d.subtrees.map((s) => s.name)).toContain('entPhysicalTable');
    const c = parseSnmpOptions(o({ configCopy: { bindAddress: '10.0.0.5' } }));
    expect(c.backupType).toBe('running-config');
    expect(c.configCopy).toMatchObject({ method: 'tftp', bindAddress: '10.0.0.5', serverAddress: '10.0.0.5', port: 69 });
    const v3 = parseSnmpOptions(o({ version: 'v3', user: 'u', authKey: 'authkey123', privKey: 'privkey123', privProtocol: 'AES256B' }));
    expect(v3).toMatchObject({ version: '3', level: 'authPriv', authProtocol: 'sha', privProtocol: 'aes256b' });
  });

  it('renders values stably', () => {
    expect(renderValue({ oid: '1', type: ObjectType.OctetString, value: Buffer.from('a "b"\n') })).toBe('STRING: "a \\"b\\"\\n"');
    expect(renderValue({ oid: '1', type: ObjectType.OctetString, value: Buffer.from([0, 0x1b, 0xff]) })).toBe('Hex-STRING: 00 1B FF');
    expect(renderValue({ oid: '1', type: ObjectType.OctetString, value: Buffer.from('abc\0') })).toBe('STRING: "abc"');
    expect(renderValue({ oid: '1', type: ObjectType.Counter64, value: Buffer.from([1, 0, 0, 0, 0]) })).toBe('Counter64: 4294967296');
    expect(renderValue({ oid: '1', type: ObjectType.TimeTicks, value: 12345 })).toBe('TimeTicks: 12345');
    expect(() => renderValue({ oid: '1', type: ObjectType.IpAddress, value: 'nope' })).toThrow(/malformed/);
  });
});
