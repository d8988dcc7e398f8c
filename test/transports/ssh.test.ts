// The SSH transport against the simulator's SSH server: real TCP, real ssh2 on both ends.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/transports/index.ts';
import { SimSshServer, generateHostKey } from '../../src/sim/server-ssh.ts';
import { SyntheticDevice } from '../../src/sim/synthetic.ts';
import { legacyOnlyAlgorithms } from '../../src/transports/algorithms.ts';
import type { ConnectOptions } from '../../src/transports/types.ts';
import { expectFailure, expectNoLeaks, handles, readUntil } from './helpers.ts';

const clientKey = generateHostKey('ed25519');
let server: SimSshServer;
let pinned: string;

const devices = {
  pw: new SyntheticDevice({ name: 'pw1', password: 's3cret', configLines: 60 }),
  kbd: new SyntheticDevice({ name: 'kbd1', password: 'k3y', keyboardInteractive: true }),
  key: new SyntheticDevice({ name: 'key1', publicKey: clientKey.publicKey }),
  hang: new SyntheticDevice({ name: 'hang1', password: 'x', misbehaviour: 'hang' }),
  drop: new SyntheticDevice({ name: 'drop1', password: 'x', misbehaviour: 'drop' }),
  flood: new SyntheticDevice({ name: 'flood1', password: 'x', misbehaviour: 'flood' }),
};

beforeAll(async () => {
  server = new SimSshServer();
  await server.listen(Object.values(devices));
  pinned = server.hostKeyOf();
});
afterAll(async () => {
  await server?.close();
});

function opts(username: string, extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    host: '127.0.0.1',
    port: server.port,
    protocol: 'ssh',
    credentials: { username, password: 's3cret' },
    hostKey: { pinned },
    timeouts: { connectMs: 3000, idleMs: 3000, sessionMs: 10_000 },
    ...extra,
  };
}

describe('ssh auth', () => {
  it('password: opens a pty shell, reaches the prompt, logs out cleanly, leaves nothing behind', async () => {
    const before = handles();
    const conn = await connect(opts('pw1'));
    expect(conn.hostKey).toBe(pinned);
    const sh = await conn.shell();
    const greet = readUntil(sh, /pw1#$/);
    expect(await greet).toContain('authorised access only');
    const closed = new Promise<Error | undefined>((r) => sh.onClose(r));
    sh.write('exit\n');
    expect(await closed).toBeUndefined();
    conn.close();
    conn.close(); // idempotent
    await expectNoLeaks(before);
  });

  it('keyboard-interactive', async () => {
    const conn = await connect(opts('kbd1', { credentials: { username: 'kbd1', password: 'k3y' } }));
    const sh = await conn.shell();
    await readUntil(sh, /kbd1#$/);
    conn.close();
  });

  it('public key', async () => {
    const conn = await connect(opts('key1', { credentials: { username: 'key1', privateKey: clientKey.privateKey } }));
    const sh = await conn.shell();
    await readUntil(sh, /key1#$/);
    conn.close();
  });

  it('wrong password → auth_failed, nothing left open', async () => {
    const before = handles();
    const e = await expectFailure(() => connect(opts('pw1', { credentials: { username: 'pw1', password: 'nope' } })), 'auth_failed');
    expect(e.message).toMatch(/credential profile/);
    await expectNoLeaks(before);
  });

  it('wrong key → auth_failed', async () => {
    const other = generateHostKey('ed25519');
    await expectFailure(() => connect(opts('key1', { credentials: { username: 'key1', privateKey: other.privateKey } })), 'auth_failed');
  });

  it('a private key that does not parse → config_error', async () => {
    await expectFailure(() => connect(opts('key1', { credentials: { username: 'key1', privateKey: 'not a key' } })), 'config_error');
  });
});

describe('ssh host keys', () => {
  it('trust on first use hands the key over, then the pinned key is accepted', async () => {
    const seen: string[] = [];
    const c1 = await connect(opts('pw1', { hostKey: { onFirstUse: (k) => void seen.push(k) } }));
    c1.close();
    expect(seen).toEqual([pinned]);
    expect(pinned).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+$/);
    const c2 = await connect(opts('pw1', { hostKey: { pinned: seen[0] } }));
    c2.close();
  });

  it('a changed host key → host_key_changed telling the operator how to accept it', async () => {
    const before = handles();
    const other = generateHostKey('ed25519').publicKey;
    const e = await expectFailure(() => connect(opts('pw1', { hostKey: { pinned: other } })), 'host_key_changed');
    expect(e.toLine()).toMatch(/^host key changed: .*verify .*accept the new key with 'netkeep/);
    expect(e.details?.seen).toBe(pinned);
    await expectNoLeaks(before);
  });

  it('a device with an ed25519 and an RSA key matches whichever of them was pinned', async () => {
    const ed = generateHostKey('ed25519');
    const rsa = generateHostKey('rsa');
    const two = new SimSshServer({ hostKey: ed.privateKey, extraHostKeys: [rsa.privateKey] });
    await two.listen([new SyntheticDevice({ name: 'two1', password: 't' })]);
    try {
      for (const key of [ed.publicKey, rsa.publicKey]) {
        const c = await connect({ host: '127.0.0.1', port: two.port, protocol: 'ssh', credentials: { username: 'two1', password: 't' }, hostKey: { pinned: key } });
        expect(c.hostKey).toBe(key);
        c.close();
      }
    } finally {
      await two.close();
    }
  });

  it('no pinned key and no trust on first use → refused (config_error)', async () => {
    await expectFailure(() => connect(opts('pw1', { hostKey: {} })), 'config_error');
  });
});

describe('ssh algorithms', () => {
  let legacy: SimSshServer;
  beforeAll(async () => {
    legacy = new SimSshServer({ hostKeyType: 'rsa', algorithms: legacyOnlyAlgorithms() });
    await legacy.listen([new SyntheticDevice({ name: 'old1', password: 'old' })]);
  });
  afterAll(async () => {
    await legacy?.close();
  });

  it('modern profile cannot talk to a legacy-only device and says which profile to use', async () => {
    const e = await expectFailure(
      () => connect({ host: '127.0.0.1', port: legacy.port, protocol: 'ssh', credentials: { username: 'old1', password: 'old' }, hostKey: { acceptAny: true }, timeouts: { connectMs: 3000 } }),
      'protocol_error',
    );
    expect(e.message).toMatch(/'legacy'/);
  });

  it('legacy profile reaches it (DH group1/14-sha1, ssh-rsa, CBC)', async () => {
    const conn = await connect({ host: '127.0.0.1', port: legacy.port, protocol: 'ssh', algorithms: 'legacy', credentials: { username: 'old1', password: 'old' }, hostKey: { acceptAny: true }, timeouts: { connectMs: 5000 } });
    expect(conn.hostKey).toMatch(/^ssh-rsa /);
    const sh = await conn.shell();
    await readUntil(sh, /old1#$/);
    conn.close();
  });
});

describe('ssh algorithm profiles', () => {
  it('modern offers no SHA-1 / CBC / group1; compatible adds group14-sha1 and CBC; legacy adds group1 and 3DES', async () => {
    const { algorithmsFor } = await import('../../src/transports/algorithms.ts');
    const m = algorithmsFor('modern');
    const c = algorithmsFor('compatible');
    const l = algorithmsFor('legacy');
    expect([...m.kex, ...m.cipher, ...m.hmac, ...m.serverHostKey].filter((x) => /sha1|cbc|group1-|ssh-rsa|md5/.test(x))).toEqual([]);
    expect(c.kex).toContain('diffie-hellman-group14-sha1');
    expect(c.kex).not.toContain('diffie-hellman-group1-sha1');
    expect(c.cipher).toContain('aes128-cbc');
    expect(c.cipher).not.toContain('3des-cbc');
    expect(l.kex).toContain('diffie-hellman-group1-sha1');
    expect(l.cipher).toContain('3des-cbc');
    expect(l.kex[0]).toBe(m.kex[0]); // modern first, so capable devices still get it
    expect(() => algorithmsFor('bogus' as never)).toThrow(/modern, compatible or legacy/);
  });

  it('a device that speaks only DH group1 + 3DES: compatible fails, legacy connects', async () => {
    const ancient = new SimSshServer({ hostKeyType: 'rsa', algorithms: { kex: ['diffie-hellman-group1-sha1'], serverHostKey: ['ssh-rsa'], cipher: ['3des-cbc'], hmac: ['hmac-sha1'], compress: ['none'] } });
    await ancient.listen([new SyntheticDevice({ name: 'anc1', password: 'a' })]);
    try {
      const base = { host: '127.0.0.1', port: ancient.port, protocol: 'ssh' as const, credentials: { username: 'anc1', password: 'a' }, hostKey: { acceptAny: true }, timeouts: { connectMs: 5000 } };
      await expectFailure(() => connect({ ...base, algorithms: 'compatible' }), 'protocol_error');
      const conn = await connect({ ...base, algorithms: 'legacy' });
      await readUntil(await conn.shell(), /anc1#$/);
      conn.close();
    } finally {
      await ancient.close();
    }
  });
});

describe('ssh exec channel', () => {
  it('runs one command per channel', async () => {
    const conn = await connect(opts('pw1'));
    const r = await conn.exec!('show running-config', 3000);
    expect(r.code).toBe(0);
    const text = r.stdout.toString('latin1');
    expect(text).toContain('hostname pw1');
    expect(text.trimEnd().endsWith('end')).toBe(true);
    const r2 = await conn.exec!('show version', 3000);
    expect(r2.stdout.toString('latin1')).toContain('Processor board ID');
    conn.close();
  });
});

describe('ssh deadlines and failures', () => {
  it('connection refused → connect_refused', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const before = handles();
    await expectFailure(() => connect({ ...opts('pw1'), port }), 'connect_refused');
    await expectNoLeaks(before);
  });

  it('a name that does not resolve → dns', async () => {
    await expectFailure(() => connect({ ...opts('pw1'), host: 'no-such-host.invalid' }), 'dns');
  });

  it('a port that accepts but never speaks → timeout within the connect deadline', async () => {
    const socks: net.Socket[] = [];
    const srv = net.createServer((s) => socks.push(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    const before = handles();
    const t0 = Date.now();
    const e = await expectFailure(() => connect({ ...opts('pw1'), port, timeouts: { connectMs: 400 } }), 'timeout');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(2000);
    expect(e.details?.deadline).toBe('connect');
    await expectNoLeaks(before);
    for (const s of socks) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it('a device that hangs mid-output → idle timeout on the shell', async () => {
    const before = handles();
    const conn = await connect(opts('hang1', { credentials: { username: 'hang1', password: 'x' }, timeouts: { connectMs: 3000, idleMs: 400, sessionMs: 10_000 } }));
    const sh = await conn.shell();
    await readUntil(sh, /hang1#$/);
    const closed = new Promise<Error | undefined>((r) => sh.onClose(r));
    sh.onData(() => {});
    sh.write('terminal length 0\nshow running-config\n');
    const t0 = Date.now();
    const err = (await closed) as { failureClass?: string; details?: { deadline?: string } };
    expect(err?.failureClass).toBe('timeout');
    expect(err?.details?.deadline).toBe('idle');
    expect(Date.now() - t0).toBeLessThan(3000);
    conn.close();
    await expectNoLeaks(before);
  });

  it('a device that drops the connection mid-output → connection_reset', async () => {
    const before = handles();
    const conn = await connect(opts('drop1', { credentials: { username: 'drop1', password: 'x' } }));
    const sh = await conn.shell();
    await readUntil(sh, /drop1#$/);
    const closed = new Promise<Error | undefined>((r) => sh.onClose(r));
    sh.onData(() => {});
    sh.write('terminal length 0\nshow running-config\n');
    const err = (await closed) as { failureClass?: string };
    expect(err?.failureClass).toBe('connection_reset');
    conn.close();
    await expectNoLeaks(before);
  });

  it('a flood without end → the whole-session deadline', async () => {
    const before = handles();
    const conn = await connect(opts('flood1', { credentials: { username: 'flood1', password: 'x' }, timeouts: { connectMs: 3000, idleMs: 2000, sessionMs: 1200 } }));
    const sh = await conn.shell();
    await readUntil(sh, /flood1#$/);
    const closed = new Promise<Error | undefined>((r) => sh.onClose(r));
    let bytes = 0;
    sh.onData((c) => (bytes += c.length));
    sh.write('terminal length 0\nshow running-config\n');
    const err = (await closed) as { failureClass?: string; details?: { deadline?: string } };
    expect(err?.failureClass).toBe('timeout');
    expect(err?.details?.deadline).toBe('session');
    expect(bytes).toBeGreaterThan(100_000);
    conn.close();
    await expectNoLeaks(before);
  });

  it('an abort signal ends the session at once', async () => {
    const ac = new AbortController();
    const conn = await connect(opts('pw1', { signal: ac.signal }));
    const sh = await conn.shell();
    await readUntil(sh, /pw1#$/);
    const closed = new Promise<Error | undefined>((r) => sh.onClose(r));
    ac.abort();
    const err = (await closed) as { failureClass?: string };
    expect(err?.failureClass).toBe('timeout');
    conn.close();
  });

  it('missing credentials → config_error before any connection', async () => {
    await expectFailure(() => connect({ host: '127.0.0.1', port: server.port, protocol: 'ssh', credentials: { username: 'pw1' } }), 'config_error');
    await expectFailure(() => connect({ host: '127.0.0.1', port: server.port, protocol: 'ssh', credentials: { password: 'x' } }), 'config_error');
  });
});

// CI builds native addons for the Node.js that runs the tests (.ci/run sets npm_config_nodedir);
// elsewhere the binding may be missing (no compiler), which `netkeep serve` warns about.
describe.runIf(process.env.CI)('ssh2 native crypto', () => {
  it('is loaded, so sessions do not fall back to the slower JavaScript ciphers', async () => {
    const { sshNativeCrypto } = await import('../../src/transports/ssh.ts');
    expect(sshNativeCrypto()).toBe(true);
  });
});
