// REST/RESTCONF backups against HTTPS simulators of each vendor API on 127.0.0.1: TLS policy
// (CA per device, pinned fingerprint, insecure), auth failures, misbehaving servers, canonical
// output, and the RESTCONF PUT round trip. Every test checks that no socket or timer is left.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetchRest, pushRestconf } from '../../src/backup/fetch-rest.ts';
import type { ProtocolFetchOptions } from '../../src/backup/protocol-types.ts';
import { startRestSim, simCerts } from '../../src/sim/rest/index.ts';
import type { HttpsSim, RestSimOptions } from '../../src/sim/rest/index.ts';
import { expectFailure, expectNoLeaks, handles } from '../transports/helpers.ts';

const CREDS = { username: 'netkeep', password: 'backup-pass' };

/** Start a simulator, run `fn`, close it, and check nothing is left behind. */
async function withSim(o: RestSimOptions, fn: (sim: HttpsSim) => Promise<void>): Promise<void> {
  simCerts(); // made once per process, outside the leak accounting
  const before = handles();
  const sim = await startRestSim(o);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
  await expectNoLeaks(before);
}

function opts(sim: HttpsSim, profile: string, extra: Partial<ProtocolFetchOptions> & { options?: Record<string, unknown> } = {}): ProtocolFetchOptions {
  return {
    host: sim.host,
    port: sim.port,
    credentials: CREDS,
    tls: { ca: sim.ca },
    ...extra,
    options: { profile, ...extra.options },
  };
}

describe('REST profiles fetch from their simulators over verified HTTPS (per-device CA)', () => {
  it('restconf: host-meta discovery, GET {root}/data?content=config as yang-data+json, canonical JSON', () =>
    withSim({ vendor: 'restconf' }, async (sim) => {
      (sim.state as { root: string }).root = '/top/restconf';
      const r = await fetchRest(opts(sim, 'restconf'));
      expect(r.tlsFingerprint).toBe(sim.fingerprint);
      expect(r.insecure).toBeUndefined();
      const parsed = JSON.parse(r.config);
      expect(Object.keys(parsed)).toEqual(['ietf-restconf:data']);
      expect(parsed['ietf-restconf:data']['ietf-system:system'].hostname).toBe('rc-edge1');
      expect(r.config).not.toContain('interfaces-state'); // content=config: no counters
      const [meta, data] = sim.requests;
      expect(meta.path).toBe('/.well-known/host-meta');
      expect(meta.headers.authorization).toBeUndefined();
      expect(data.path).toBe('/top/restconf/data');
      expect(data.query.get('content')).toBe('config');
      expect(data.headers.accept).toBe('application/yang-data+json');
    }));

  it('eapi: JSON-RPC runCmds show running-config (text), facts from show version (json)', () =>
    withSim({ vendor: 'eapi' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'eapi'));
      expect(r.config).toMatch(/^! Command: show running-config\n/);
      expect(r.config).toContain('interface Ethernet1\n   description uplink-spine1\n');
      expect(r.facts).toEqual({ model: 'DCS-7050SX3-48YC8', osVersion: '4.30.1F', serial: 'JPE20481234' });
      const rpc = JSON.parse(sim.requests[0].body);
      expect(sim.requests[0].method).toBe('POST');
      expect(sim.requests[0].path).toBe('/command-api');
      expect(rpc).toMatchObject({ jsonrpc: '2.0', method: 'runCmds', params: { version: 1, cmds: ['enable', 'show running-config'], format: 'text' } });
    }));

  it('panos: keygen with user/password in a POST body, then type=export&category=configuration with the key', () =>
    withSim({ vendor: 'panos' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'panos'));
      expect(r.config).toMatch(/^<config detail-version="10.2.4" urldb="paloaltonetworks" version="10.2.0">\n  <mgt-config>\n/);
      expect(r.config).toContain('<description>web &amp; api</description>');
      expect(r.facts).toEqual({ model: 'PA-440', osVersion: '10.2.4', serial: '012801234567' });
      const [keygen, exp] = sim.requests;
      expect(keygen.query.get('type')).toBe('keygen');
      expect(keygen.query.get('password')).toBeNull(); // never in the URL
      expect(exp.query.get('type')).toBe('export');
      expect(exp.query.get('category')).toBe('configuration');
      expect(exp.headers['x-pan-key']).toBe(sim.auth.apiKey);
    }));

  it('panos: a given apiKey in the query (key=) skips keygen', () =>
    withSim({ vendor: 'panos' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'panos', { credentials: {}, options: { apiKey: sim.auth.apiKey, keyIn: 'query' } }));
      expect(r.config).toContain('<hostname>pa-fw1</hostname>');
      expect(sim.requests[0].query.get('key')).toBe(sim.auth.apiKey);
      expect(sim.requests.some((q) => q.query.get('type') === 'keygen')).toBe(false);
    }));

  it('fortios: GET monitor/system/config/backup?scope=global with a Bearer token; volatile header and ENC lines', () =>
    withSim({ vendor: 'fortios' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'fortios', { credentials: {}, options: { token: sim.auth.token } }));
      expect(r.config).toContain('config system global\n    set alias "FortiGate-60F"\n');
      expect(r.facts).toEqual({ model: 'FGT60F', osVersion: '7.2.5 build1517', serial: 'FGT60FTK2000XXXX' });
      expect(sim.requests[0]).toMatchObject({ method: 'GET', path: '/api/v2/monitor/system/config/backup' });
      expect(sim.requests[0].query.get('scope')).toBe('global');
      expect(sim.requests[0].headers.authorization).toBe(`Bearer ${sim.auth.token}`);
      const significant = (t: string) => t.split('\n').filter((l) => !r.volatile!.some((re) => re.test(l))).join('\n');
      const again = await fetchRest(opts(sim, 'fortios', { credentials: {}, options: { token: sim.auth.token, tokenIn: 'query', method: 'POST' } }));
      expect(again.config).not.toBe(r.config); // conf_file_ver and ENC salts differ...
      expect(significant(again.config)).toBe(significant(r.config)); // ...but nothing significant
      const q = sim.requests.find((x) => x.method === 'POST')!;
      expect(q.query.get('access_token')).toBe(sim.auth.token);
    }));

  it('junos-rest: POST /rpc/get-configuration, text (Accept: text/plain) and xml', () =>
    withSim({ vendor: 'junos-rest' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'junos-rest'));
      expect(r.config).toMatch(/^## Last commit: .*\nversion 21\.4R3-S5;\nsystem \{\n/);
      expect(r.facts).toEqual({ model: 'mx204', osVersion: '21.4R3-S5', serial: 'JN1234567AB' });
      expect(sim.requests[0]).toMatchObject({ method: 'POST', path: '/rpc/get-configuration' });
      expect(sim.requests[0].headers.accept).toBe('text/plain');
      const x = await fetchRest(opts(sim, 'junos-rest', { options: { format: 'xml' } }));
      expect(x.config).toMatch(/^<configuration xmlns:junos="[^"]+" junos:commit-localtime=/);
      expect(x.config).toContain('    <interface>\n      <name>ge-0/0/0</name>\n      <description>uplink &amp; core</description>\n');
    }));

  it('routeros-rest: POST /rest/export, the timestamp line dropped, facts from the header and /rest/system/resource', () =>
    withSim({ vendor: 'routeros-rest' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'routeros-rest'));
      expect(r.config).toMatch(/^# software id = ABCD-1234\n/);
      expect(r.config).not.toMatch(/by RouterOS/);
      expect(r.config).not.toContain('private-key');
      expect(r.facts).toEqual({ model: 'RB5009UG+S+', serial: 'HCY08ABCDEF', osVersion: '7.15.3' });
      expect(sim.requests[0]).toMatchObject({ method: 'POST', path: '/rest/export' });
      const s = await fetchRest(opts(sim, 'routeros-rest', { options: { showSensitive: true } }));
      expect(s.config).toContain('private-key=');
    }));
});

describe('RESTCONF canonical output', () => {
  it('JSON: pretty, sorted keys, identical across runs although the server reorders members', () =>
    withSim({ vendor: 'restconf' }, async (sim) => {
      const runs = new Set<string>();
      for (let i = 0; i < 4; i++) runs.add((await fetchRest(opts(sim, 'restconf'))).config);
      expect(runs.size).toBe(1);
      const [cfg] = [...runs];
      expect(cfg).toBe(JSON.stringify(JSON.parse(cfg), null, 2) + '\n');
      const keys = Object.keys(JSON.parse(cfg)['ietf-restconf:data']);
      expect(keys).toEqual([...keys].sort());
      expect(sim.requests.filter((q) => q.path.endsWith('/data')).length).toBe(4);
    }));

  it('XML: canonical form, identical across runs although the server varies its whitespace', () =>
    withSim({ vendor: 'restconf' }, async (sim) => {
      const runs = new Set<string>();
      for (let i = 0; i < 4; i++) runs.add((await fetchRest(opts(sim, 'restconf', { options: { format: 'xml', root: '/restconf' } }))).config);
      expect(runs.size).toBe(1);
      const [cfg] = [...runs];
      expect(cfg).toMatch(/^<data xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf">\n  <system xmlns="urn:ietf:params:xml:ns:yang:ietf-system">\n    <hostname>rc-edge1<\/hostname>\n/);
      expect(cfg).toContain('<description>users &amp; &lt;guests&gt;</description>');
      expect(sim.requests.every((q) => q.path !== '/.well-known/host-meta')).toBe(true); // root given
      expect(sim.requests[0].headers.accept).toBe('application/yang-data+xml');
    }));

  it('a subtree (path option) is fetched from {root}/data/<path>', () =>
    withSim({ vendor: 'restconf' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'restconf', { options: { path: 'ietf-system:system' } }));
      expect(Object.keys(JSON.parse(r.config))).toEqual(['ietf-system:system']);
      expect(sim.requests.at(-1)!.path).toBe('/restconf/data/ietf-system:system');
    }));
});

describe('TLS policy', () => {
  it('a pinned fingerprint is accepted whatever the CA (self-signed certificate, no CA given)', () =>
    withSim({ vendor: 'eapi', cert: 'self-signed' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'eapi', { tls: { fingerprint: sim.fingerprint } }));
      expect(r.tlsFingerprint).toBe(sim.fingerprint);
      // the pin may be written as plain lower-case hex too
      const hex = sim.fingerprint.slice('sha256/'.length).replace(/:/g, '').toLowerCase();
      const r2 = await fetchRest(opts(sim, 'eapi', { tls: { fingerprint: hex } }));
      expect(r2.config).toBe(r.config);
    }));

  it('an untrusted certificate → protocol_error that tells how to fix it, and no credentials were sent', () =>
    withSim({ vendor: 'eapi', cert: 'self-signed' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'eapi')), 'protocol_error');
      expect(e.message).toContain(`pin the fingerprint ${sim.fingerprint} or give the device's CA, or (not recommended) insecure`);
      expect(e.message).toMatch(/not signed by a trusted CA/);
      expect(sim.requests).toHaveLength(0);
    }));

  it('a certificate signed by a CA the device was not given (system roots only) is refused', () =>
    withSim({ vendor: 'restconf' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'restconf', { tls: {} })), 'protocol_error');
      expect(e.message).toContain(`pin the fingerprint ${sim.fingerprint}`);
      expect(e.transient).toBe(true);
    }));

  it('a certificate for another name (trusted CA) → protocol_error naming the host, with the advice', () =>
    withSim({ vendor: 'restconf', cert: 'wrong-name' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'restconf')), 'protocol_error');
      expect(e.message).toMatch(/does not name 127\.0\.0\.1/);
      expect(e.message).toContain(`pin the fingerprint ${sim.fingerprint} or give the device's CA, or (not recommended) insecure`);
      // ...and the servername option makes the name check use the certificate's name
      const r = await fetchRest(opts(sim, 'restconf', { options: { servername: 'wrong.example' } }));
      expect(r.tlsFingerprint).toBe(sim.fingerprint);
    }));

  it('a pin that does not match → protocol_error with both fingerprints', () =>
    withSim({ vendor: 'eapi' }, async (sim) => {
      const other = simCerts().selfSigned.fingerprint;
      const e = await expectFailure(() => fetchRest(opts(sim, 'eapi', { tls: { fingerprint: other, ca: sim.ca } })), 'protocol_error');
      expect(e.message).toContain(sim.fingerprint);
      expect(e.message).toContain(other);
      expect(sim.requests).toHaveLength(0);
      await expectFailure(() => fetchRest(opts(sim, 'eapi', { tls: { fingerprint: 'sha256/nope' } })), 'config_error');
    }));

  it('insecure accepts any certificate and says so in the result', () =>
    withSim({ vendor: 'routeros-rest', cert: 'wrong-name' }, async (sim) => {
      const r = await fetchRest(opts(sim, 'routeros-rest', { tls: { insecure: true } }));
      expect(r.insecure).toBe(true);
      expect(r.tlsFingerprint).toBe(sim.fingerprint);
      expect(r.config).toContain('/system identity');
    }));
});

describe('auth failures are auth_failed', () => {
  it('fortios: wrong token (401)', () =>
    withSim({ vendor: 'fortios' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'fortios', { options: { token: 'wrong' } })), 'auth_failed');
      expect(e.message).toMatch(/HTTP 401.*token/);
    }));

  it('panos: wrong API key (403) and wrong keygen password (403)', () =>
    withSim({ vendor: 'panos' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'panos', { options: { apiKey: 'bad' } })), 'auth_failed');
      expect(e.message).toMatch(/HTTP 403.*Invalid credentials/);
      await expectFailure(() => fetchRest(opts(sim, 'panos', { credentials: { username: 'netkeep', password: 'nope' } })), 'auth_failed');
    }));

  it('restconf, eapi, junos-rest, routeros-rest: wrong password (401)', async () => {
    for (const vendor of ['restconf', 'eapi', 'junos-rest', 'routeros-rest']) {
      await withSim({ vendor }, async (sim) => {
        const e = await expectFailure(() => fetchRest(opts(sim, vendor, { credentials: { username: 'netkeep', password: 'wrong' } })), 'auth_failed');
        expect(e.message).toContain('HTTP 401');
        expect(e.transient).toBe(false);
      });
    }
  });

  it('a missing username or token is a config_error before any request', () =>
    withSim({ vendor: 'fortios' }, async (sim) => {
      await expectFailure(() => fetchRest(opts(sim, 'fortios', { credentials: {} })), 'config_error');
      await expectFailure(() => fetchRest(opts(sim, 'eapi', { credentials: {} })), 'config_error');
      expect(sim.requests).toHaveLength(0);
    }));
});

describe('misbehaving servers are classified failures, never a success', () => {
  it('HTTP 500 → protocol_error (transient)', () =>
    withSim({ vendor: 'restconf', misbehave: 'http500' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'restconf')), 'protocol_error');
      expect(e.message).toContain('HTTP 500');
      expect(e.transient).toBe(true);
    }));

  it('an HTML login page with 200 instead of JSON → protocol_error that asks about the port', () =>
    withSim({ vendor: 'eapi', misbehave: 'html-login' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'eapi')), 'protocol_error');
      expect(e.message).toContain('expected JSON, got an HTML page — is this the management API port?');
    }));

  it('an HTML login page instead of XML (PAN-OS) or text (FortiOS) → protocol_error', async () => {
    await withSim({ vendor: 'panos', misbehave: 'html-login' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'panos', { options: { apiKey: 'k' } })), 'protocol_error');
      expect(e.message).toContain('expected XML, got an HTML page — is this the management API port?');
    });
    await withSim({ vendor: 'fortios', misbehave: 'html-login' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'fortios', { options: { token: 't' } })), 'protocol_error');
      expect(e.message).toContain('got an HTML page — is this the management API port?');
    });
    // RESTCONF: discovery tolerates the page, the data request does not
    await withSim({ vendor: 'restconf', misbehave: 'html-login' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'restconf')), 'protocol_error');
      expect(e.message).toContain('expected JSON, got an HTML page');
    });
  });

  it('a redirect to a login page → protocol_error', () =>
    withSim({ vendor: 'routeros-rest', misbehave: 'redirect-login' }, async (sim) => {
      const e = await expectFailure(() => fetchRest(opts(sim, 'routeros-rest')), 'protocol_error');
      expect(e.message).toMatch(/redirects \(HTTP 302\) to \/login/);
    }));

  it('a server that never answers → timeout within the fetch deadline', () =>
    withSim({ vendor: 'junos-rest', misbehave: 'hang' }, async (sim) => {
      const t0 = Date.now();
      const e = await expectFailure(() => fetchRest(opts(sim, 'junos-rest', { timeouts: { sessionMs: 600 } })), 'timeout');
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(550);
      expect(took).toBeLessThan(1500);
      expect(e.transient).toBe(true);
    }));

  it('a slow answer past the idle deadline → timeout', () =>
    withSim({ vendor: 'fortios', misbehave: 'slow', slowMs: 2000 }, async (sim) => {
      const t0 = Date.now();
      const e = await expectFailure(() => fetchRest(opts(sim, 'fortios', { options: { token: sim.auth.token }, timeouts: { idleMs: 300 } })), 'timeout');
      expect(e.message).toMatch(/sent nothing for 300 ms/);
      expect(Date.now() - t0).toBeLessThan(1500);
    }));

  it('a slow answer within its deadlines is fine (only the config call misbehaves)', () =>
    withSim({ vendor: 'eapi', misbehave: 'slow', slowMs: 150, misbehaveOn: /command-api/ }, async (sim) => {
      const r = await fetchRest(opts(sim, 'eapi', { timeouts: { idleMs: 2000 } }));
      expect(r.config).toContain('hostname leaf1');
    }));

  it('cancellation through the AbortSignal → timeout, promptly', () =>
    withSim({ vendor: 'restconf', misbehave: 'hang' }, async (sim) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const e = await expectFailure(() => fetchRest(opts(sim, 'restconf', { signal: ac.signal })), 'timeout');
      expect(e.message).toMatch(/cancelled/);
    }));

  it('a closed port → connect_refused; a port that does not speak TLS → protocol_error', async () => {
    const before = handles();
    const srv = net.createServer((s) => {
      s.resume(); // read the ClientHello, so the client's close is seen and the socket ends
      s.on('error', () => {});
      s.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    const base = { host: '127.0.0.1', credentials: CREDS, options: { profile: 'restconf', root: '/restconf' } };
    const e = await expectFailure(() => fetchRest({ ...base, port }), 'protocol_error');
    expect(e.message).toMatch(/TLS handshake failed \(wrong version number\); check that this port speaks HTTPS/);
    await new Promise<void>((r) => srv.close(() => r()));
    await expectFailure(() => fetchRest({ ...base, port }), 'connect_refused');
    await expectNoLeaks(before);
  });

  it('an unknown or missing profile → config_error', async () => {
    await expectFailure(() => fetchRest({ host: '127.0.0.1', credentials: CREDS, options: { profile: 'nope' } }), 'config_error');
    const e = await expectFailure(() => fetchRest({ host: '127.0.0.1', credentials: CREDS, options: {} }), 'config_error');
    expect(e.message).toContain('restconf, eapi, panos, fortios, junos-rest, routeros-rest');
  });
});

describe('RESTCONF PUT (restore)', () => {
  it('JSON round trip: the stored text, edited, PUT back changes the server tree', () =>
    withSim({ vendor: 'restconf' }, async (sim) => {
      const before = await fetchRest(opts(sim, 'restconf'));
      const edited = before.config.replace('"hostname": "rc-edge1"', '"hostname": "rc-edge1-restored"');
      expect(edited).not.toBe(before.config);
      const put = await pushRestconf({ ...opts(sim, 'restconf'), config: edited });
      expect(put.status).toBe(204);
      expect(put.tlsFingerprint).toBe(sim.fingerprint);
      const q = sim.requests.find((x) => x.method === 'PUT')!;
      expect(q.path).toBe('/restconf/data');
      expect(q.headers['content-type']).toBe('application/yang-data+json');
      expect(((sim.state as { tree: Record<string, { hostname?: string }> }).tree['ietf-system:system']).hostname).toBe('rc-edge1-restored');
      const after = await fetchRest(opts(sim, 'restconf'));
      expect(after.config).toBe(edited);
    }));

  it('XML round trip', () =>
    withSim({ vendor: 'restconf' }, async (sim) => {
      const o = opts(sim, 'restconf', { options: { format: 'xml' } });
      const before = await fetchRest(o);
      const edited = before.config.replace('<hostname>rc-edge1</hostname>', '<hostname>rc-xml</hostname>');
      const put = await pushRestconf({ ...o, config: edited });
      expect(put.status).toBe(204);
      expect(sim.requests.find((x) => x.method === 'PUT')!.headers['content-type']).toBe('application/yang-data+xml');
      const after = await fetchRest(o);
      expect(after.config).toContain('<hostname>rc-xml</hostname>');
    }));

  it('a rejected or unauthorised PUT is classified; an invalid body is never sent', () =>
    withSim({ vendor: 'restconf' }, async (sim) => {
      const e = await expectFailure(() => pushRestconf({ ...opts(sim, 'restconf'), config: '{"not-data": {}}' }), 'command_rejected');
      expect(e.message).toMatch(/HTTP 400.*malformed-message/);
      await expectFailure(() => pushRestconf({ ...opts(sim, 'restconf', { credentials: { username: 'netkeep', password: 'x' } }), config: '{"ietf-restconf:data": {}}' }), 'auth_failed');
      const n = sim.requests.length;
      await expectFailure(() => pushRestconf({ ...opts(sim, 'restconf'), config: '{"ietf-restconf:data": ' }), 'config_error');
      expect(sim.requests.length).toBe(n);
    }));
});
