// NETCONF against the real thing: yuma123's netconfd behind OpenSSH's sshd on loopback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NetkeepError } from '../../src/errors.ts';
import { fetchNetconf, pushNetconf } from '../../src/backup/fetch-netconf.ts';
import { CAP, CAP_BASE_11, openNetconf } from '../../src/transports/netconf.ts';
import { haveNetconfd, startNetconfd } from '../setup/netconfd.ts';
import type { NetconfServer } from '../setup/netconfd.ts';

const run = haveNetconfd() || process.env.CI ? describe : describe.skip;

async function failure(p: Promise<unknown>): Promise<NetkeepError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NetkeepError);
    return err as NetkeepError;
  }
  throw new Error('expected a failure, got success');
}

run('NETCONF against netconfd (yuma123) behind sshd', () => {
  let srv: NetconfServer;
  const base = () => ({
    host: '127.0.0.1',
    port: srv.port,
    credentials: { username: srv.sshd.user, privateKey: srv.sshd.clientKey },
    hostKey: { pinned: srv.sshd.hostKey },
    // generous for a loaded CI machine, yet below the test's own limit so a stall fails with
    // netkeep's message (and the server logs below) rather than a bare vitest timeout
    timeouts: { connectMs: 20_000, idleMs: 25_000, sessionMs: 50_000 },
  });

  beforeAll(async () => {
    srv = await startNetconfd();
  });
  afterAll(async () => {
    await srv?.stop();
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      console.error(`netconfd log (tail):\n${srv?.log().slice(-6000)}\nsshd log (tail):\n${srv?.sshd.log().slice(-6000)}`);
    });
  });

  it('exchanges hellos, reads capabilities and switches to chunked framing (base:1.1)', async () => {
    const s = await openNetconf(base());
    try {
      expect(s.serverCapabilities).toContain(CAP_BASE_11);
      expect(s.hasCapability(CAP.candidate)).toBe(true);
      expect(s.sessionId).toMatch(/^\d+$/);
      expect(s.framing).toBe('chunked');
      const r = await s.getConfig('running');
      expect(r.data).toBeDefined();
    } finally {
      await s.close();
    }
    // base:1.0 only: end-of-message framing all the way
    const s10 = await openNetconf({ ...base(), capabilities: ['urn:ietf:params:netconf:base:1.0'] });
    try {
      expect(s10.framing).toBe('eom');
      const r = await s10.getConfig('running');
      expect(r.data).toBeDefined();
    } finally {
      await s10.close();
    }
  });

  it('get-config running gives canonical XML, byte-identical across two fetches', async () => {
    const a = await fetchNetconf({ ...base(), options: {} });
    const b = await fetchNetconf({ ...base(), options: { datastore: 'running' } });
    expect(a.config).toBe(b.config);
    expect(a.hostKey).toBe(srv.sshd.hostKey);
    expect(a.config.startsWith('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">\n')).toBe(true);
    expect(a.config).toContain('  <interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces">\n');
    expect(a.config).toContain('<description>uplink &amp; core &lt;A&gt;</description>');
    // the identityref's prefix stays declared where it is used
    expect(a.config).toMatch(/<type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd<\/type>/);
    const startup = await fetchNetconf({ ...base(), options: { datastore: 'startup' } });
    expect(startup.config).toContain('<name>eth0</name>');
  });

  it('applies a subtree filter and an XPath filter', async () => {
    const sub = await fetchNetconf({
      ...base(),
      options: { filter: '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>lo0</name></interface></interfaces>' },
    });
    expect(sub.config).toContain('<name>lo0</name>');
    expect(sub.config).not.toContain('eth0');
    const xp = await fetchNetconf({
      ...base(),
      options: { filter: { type: 'xpath', select: "/if:interfaces/if:interface[if:name='eth0']", namespaces: { if: 'urn:ietf:params:xml:ns:yang:ietf-interfaces' } } },
    });
    expect(xp.config).toContain('<name>eth0</name>');
    expect(xp.config).not.toContain('lo0');
    // netconfd resolves only prefixes it knows: an unknown one is a classified rejection with its message
    const e = await failure(fetchNetconf({ ...base(), options: { filter: "/zz:interfaces" } }));
    expect(e.failureClass).toBe('command_rejected');
    expect(e.message).toMatch(/get-config running failed: .+/);
  });

  it('an rpc-error is a classified failure carrying netconfd\'s error-message', async () => {
    const s = await openNetconf(base());
    try {
      const e = await failure(s.rpc('<get-config><source><no-such-datastore/></source></get-config>', 'get-config'));
      expect(['command_rejected', 'protocol_error']).toContain(e.failureClass);
      expect(e.message).toMatch(/get-config failed: /);
      const errs = (e.details as { rpcErrors: { message?: string; tag: string }[] }).rpcErrors;
      expect(errs.length).toBeGreaterThan(0);
      expect(errs[0]!.message ?? errs[0]!.tag).toBeTruthy();
      expect(e.message).toContain(errs[0]!.message ?? errs[0]!.tag);
      // the session survives an rpc-error
      expect((await s.getConfig('running')).data).toBeDefined();
    } finally {
      await s.close();
    }
    // through the fetcher: a bad datastore option never reaches the device
    const bad = await failure(fetchNetconf({ ...base(), options: { datastore: 'flash' } }));
    expect(bad.failureClass).toBe('config_error');
  });

  it('edit-config to candidate + validate + commit, then get-config shows the change', async () => {
    const cfg = `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth1</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><description>added by netkeep</description></interface></interfaces>`;
    const r = await pushNetconf({ ...base(), config: cfg });
    expect(r).toMatchObject({ target: 'candidate', validated: true, committed: true, confirmed: false });
    const after = await fetchNetconf({ ...base(), options: {} });
    expect(after.config).toContain('<description>added by netkeep</description>');
    expect(after.config).toContain('<name>eth0</name>');
    // startup is untouched until asked for (netconfd runs with --with-startup)
    expect((await fetchNetconf({ ...base(), options: { datastore: 'startup' } })).config).not.toContain('added by netkeep');
    const r2 = await pushNetconf({ ...base(), config: cfg, copyToStartup: true });
    expect(r2.copiedToStartup).toBe(true);
    expect((await fetchNetconf({ ...base(), options: { datastore: 'startup' } })).config).toContain('added by netkeep');
    // running cannot be written directly on this server (no :writable-running): refused before any change
    const e = await failure(pushNetconf({ ...base(), config: cfg, target: 'running' }));
    expect(e.failureClass).toBe('config_error');
    expect(e.message).toMatch(/writable-running/);
  });

  it('confirmed commit where the server advertises :confirmed-commit', async () => {
    const s = await openNetconf(base());
    const supported = s.hasCapability(CAP.confirmedCommit10) || s.hasCapability(CAP.confirmedCommit11);
    await s.close();
    const cfg = `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth0</name><description>confirmed</description></interface></interfaces>`;
    if (supported) {
      const r = await pushNetconf({ ...base(), config: cfg, confirmTimeoutS: 60 });
      expect(r.confirmed).toBe(true);
      const after = await fetchNetconf({ ...base(), options: {} });
      expect(after.config).toContain('<description>confirmed</description>');
    } else {
      const e = await failure(pushNetconf({ ...base(), config: cfg, confirmTimeoutS: 60 }));
      expect(e.failureClass).toBe('config_error');
      expect(e.message).toMatch(/confirmed commit/);
    }
  });

  it('restores a stored backup with replace, then the fetch matches it byte for byte', async () => {
    const before = await fetchNetconf({ ...base(), options: {} });
    await pushNetconf({ ...base(), config: `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth9</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type></interface></interfaces>` });
    expect((await fetchNetconf({ ...base(), options: {} })).config).toContain('eth9');
    await pushNetconf({ ...base(), config: before.config, mode: 'replace' });
    expect((await fetchNetconf({ ...base(), options: {} })).config).toBe(before.config);
  });

  it('a rejected edit is a classified failure and leaves running untouched', async () => {
    const before = await fetchNetconf({ ...base(), options: {} });
    const e = await failure(pushNetconf({ ...base(), config: `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth5</name><no-such-leaf>x</no-such-leaf></interface></interfaces>` }));
    expect(e.failureClass).toBe('command_rejected');
    expect(e.message).toMatch(/edit-config candidate failed|validate candidate failed|commit failed/);
    expect((await fetchNetconf({ ...base(), options: {} })).config).toBe(before.config);
  });

  it('wrong key → auth_failed; changed host key → host_key_changed', async () => {
    const e1 = await failure(fetchNetconf({ ...base(), credentials: { username: srv.sshd.user, privateKey: srv.sshd.otherKey }, options: {} }));
    expect(e1.failureClass).toBe('auth_failed');
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmCBXEyOtZJTWOcCIsq9T4a1d2Rj3yJgVFNCaz8xwF1';
    const e2 = await failure(fetchNetconf({ ...base(), hostKey: { pinned: other }, options: {} }));
    expect(e2.failureClass).toBe('host_key_changed');
  });
});
