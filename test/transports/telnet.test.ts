// The Telnet transport against the simulator's Telnet server: negotiation, login, deadlines.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/transports/index.ts';
import { TelnetCodec, toNvt, escapeIac, IAC, DO, WILL, WONT, DONT, SB, SE, OPT_TTYPE, OPT_NAWS, OPT_ECHO } from '../../src/transports/telnet.ts';
import { SimTelnetServer } from '../../src/sim/server-telnet.ts';
import { SyntheticDevice } from '../../src/sim/synthetic.ts';
import type { ConnectOptions } from '../../src/transports/types.ts';
import { expectFailure, expectNoLeaks, handles, readUntil } from './helpers.ts';

let server: SimTelnetServer;
beforeAll(async () => {
  server = new SimTelnetServer();
  await server.listen([
    new SyntheticDevice({ name: 'tel1', password: 'pw\xff1', configLines: 80 }),
    new SyntheticDevice({ name: 'hang2', password: 'x', misbehaviour: 'hang' }),
    new SyntheticDevice({ name: 'drop2', password: 'x', misbehaviour: 'drop' }),
  ]);
});
afterAll(async () => {
  await server?.close();
});

function opts(username: string, password: string, extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return { host: '127.0.0.1', port: server.port, protocol: 'telnet', credentials: { username, password }, timeouts: { connectMs: 3000, idleMs: 3000, sessionMs: 10_000 }, ...extra };
}

describe('telnet codec', () => {
  it('answers DO TTYPE/NAWS with WILL, refuses other DOs, accepts WILL ECHO, refuses other WILLs, strips IAC', () => {
    const sent: number[][] = [];
    const c = new TelnetCodec((b) => sent.push([...b]), { local: [OPT_TTYPE, OPT_NAWS], remote: [OPT_ECHO], windowSize: { cols: 511, rows: 24 }, terminalType: 'vt100' });
    const data = c.decode(Buffer.from([65, IAC, DO, OPT_TTYPE, IAC, DO, 39, 66, IAC, WILL, OPT_ECHO, IAC, WILL, 5, IAC, IAC, 67, IAC, DO, OPT_NAWS]));
    expect([...data]).toEqual([65, 66, 255, 67]);
    expect(sent).toEqual([
      [IAC, WILL, OPT_TTYPE],
      [IAC, WONT, 39],
      [IAC, DO, OPT_ECHO],
      [IAC, DONT, 5],
      [IAC, WILL, OPT_NAWS],
      [IAC, SB, OPT_NAWS, 1, 255, 255, 0, 24, IAC, SE], // 511 = 0x01FF, the 0xFF doubled
    ]);
    sent.length = 0;
    // a repeated DO for an option already on is not answered (no negotiation loop)
    c.decode(Buffer.from([IAC, DO, OPT_TTYPE]));
    expect(sent).toEqual([]);
    // SB TTYPE SEND split over two chunks → SB TTYPE IS VT100
    expect(c.decode(Buffer.from([IAC, SB, OPT_TTYPE]))).toHaveLength(0);
    c.decode(Buffer.from([1, IAC, SE, 68]));
    expect(sent).toEqual([[IAC, SB, OPT_TTYPE, 0, ...Buffer.from('VT100'), IAC, SE]]);
  });

  it('writes NVT newlines and escapes 0xFF', () => {
    expect([...toNvt('a\nb\r\nc')]).toEqual([...Buffer.from('a\r\nb\r\nc')]);
    expect([...escapeIac(Buffer.from([1, 255, 2]))]).toEqual([1, 255, 255, 2]);
  });
});

describe('telnet transport', () => {
  it('negotiates, logs in (password with a 0xFF byte), runs a command, leaves nothing behind', async () => {
    const before = handles();
    const conn = await connect(opts('tel1', 'pw\xff1', { terminal: { cols: 300, rows: 50, term: 'xterm' } }));
    expect(conn.exec).toBeUndefined();
    const sh = await conn.shell();
    await expect(conn.shell()).rejects.toThrow(/exactly one shell/);
    const text = readUntil(sh, /tel1#$/);
    expect(await text).toContain('authorised access only');
    const neg = server.negotiated.at(-1)!;
    expect(neg).toEqual({ ttype: 'XTERM', cols: 300, rows: 50 });
    const out = readUntil(sh, /\nend\r\ntel1#$/);
    sh.write('terminal length 0\nshow running-config\n');
    const cfg = await out;
    expect(cfg).toContain('hostname tel1');
    expect(cfg).not.toContain('\xff');
    const closed = new Promise<Error | undefined>((r) => sh.onClose(r));
    sh.write('exit\n');
    expect(await closed).toBeUndefined();
    conn.close();
    conn.close();
    await expectNoLeaks(before);
  });

  it('a MOTD that says "access denied" after a good login is not taken for a refusal', async () => {
    const srv = new SimTelnetServer({ mode: 'port' });
    const port = await srv.addDevice({
      name: 'motd',
      auth: { username: 'm', password: 'p' },
      newSession: () => ({
        finished: false,
        greeting: () => [{ kind: 'send', data: 'WARNING: access denied to unauthorised users.\r\nrouter>' }],
        input: () => [],
        exec: () => [],
      }),
    });
    try {
      const conn = await connect({ ...opts('m', 'p'), port });
      await readUntil(await conn.shell(), /router>$/);
      conn.close();
    } finally {
      await srv.close();
    }
  });

  it('wrong password → auth_failed', async () => {
    const before = handles();
    await expectFailure(() => connect(opts('tel1', 'wrong')), 'auth_failed');
    await expectNoLeaks(before);
  });

  it('asks for a username that the profile lacks → config_error', async () => {
    await expectFailure(() => connect({ ...opts('x', 'y'), credentials: { password: 'y' } }), 'config_error');
  });

  it('idle timeout when the device hangs mid-output', async () => {
    const before = handles();
    const conn = await connect(opts('hang2', 'x', { timeouts: { connectMs: 3000, idleMs: 300, sessionMs: 10_000 } }));
    const sh = await conn.shell();
    await readUntil(sh, /hang2#$/);
    const closed = new Promise<Error | undefined>((r) => sh.onClose(r));
    sh.onData(() => {});
    sh.write('terminal length 0\nshow running-config\n');
    const err = (await closed) as { failureClass?: string; details?: { deadline?: string } };
    expect(err?.failureClass).toBe('timeout');
    expect(err?.details?.deadline).toBe('idle');
    conn.close();
    await expectNoLeaks(before);
  });

  it('connection reset mid-output → connection_reset', async () => {
    const conn = await connect(opts('drop2', 'x'));
    const sh = await conn.shell();
    await readUntil(sh, /drop2#$/);
    const closed = new Promise<Error | undefined>((r) => sh.onClose(r));
    sh.onData(() => {});
    sh.write('terminal length 0\nshow running-config\n');
    expect(((await closed) as { failureClass?: string })?.failureClass).toBe('connection_reset');
    conn.close();
  });

  it('a silent port → connect timeout', async () => {
    const socks: net.Socket[] = [];
    const srv = net.createServer((s) => socks.push(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    const before = handles();
    const e = await expectFailure(() => connect({ ...opts('a', 'b'), port, timeouts: { connectMs: 300 } }), 'timeout');
    expect(e.details?.deadline).toBe('connect');
    await expectNoLeaks(before);
    for (const s of socks) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it('binary noise instead of a login → protocol_error', async () => {
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      const b = Buffer.alloc(4096);
      for (let i = 0; i < b.length; i++) b[i] = (i * 37 + 11) % 256 === 10 ? 0 : (i * 37 + 11) % 256;
      s.write(b);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await expectFailure(() => connect({ ...opts('a', 'b'), port, timeouts: { connectMs: 2000 } }), 'protocol_error');
    await new Promise<void>((r) => srv.close(() => r()));
  });
});
