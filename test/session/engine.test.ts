// The session engine against small scripted devices (real DeviceSession implementations
// served by the in-memory transport): chunking, escapes, pagers, login, enable, and every
// failure path ending in a classified NetkeepError within its deadline.

import { describe, expect, it } from 'vitest';
import { runSession } from '../../src/session/index.ts';
import { MemoryConnection } from '../../src/session/memory-channel.ts';
import { SimError, type DeviceAction, type DeviceSession, type SimDevice } from '../../src/sim/types.ts';
import type { Driver } from '../../src/drivers/types.ts';
import { commentLines, dropFirstLast, ESC_CODES, rb } from '../../src/drivers/helpers.ts';
import { NetkeepError } from '../../src/errors.ts';
import type { Credentials } from '../../src/transports/types.ts';

type Handler = (line: string, s: ScriptSession) => DeviceAction[] | undefined;

class ScriptSession implements DeviceSession {
  finished = false;
  buf = '';
  readonly log: string[] = [];
  state: Record<string, unknown> = {};
  private readonly greet: DeviceAction[];
  private readonly handler: Handler;
  constructor(greet: DeviceAction[], handler: Handler) {
    this.greet = greet;
    this.handler = handler;
  }
  greeting(): DeviceAction[] {
    return this.greet;
  }
  input(data: string): DeviceAction[] {
    const out: DeviceAction[] = [];
    for (const ch of data) {
      if (ch === ' ' && this.buf === '') {
        this.log.push(' ');
        out.push(...(this.handler(' ', this) ?? []));
        continue;
      }
      if (ch !== '\n') {
        this.buf += ch;
        continue;
      }
      const line = this.buf;
      this.buf = '';
      this.log.push(line);
      if (line === 'exit') {
        this.finished = true;
        continue;
      }
      const r = this.handler(line, this);
      if (!r) throw new SimError(`unknown command ${JSON.stringify(line)}`);
      out.push(...r);
    }
    return out;
  }
  exec(command: string): DeviceAction[] {
    const r = this.handler(command, this);
    if (!r) throw new SimError(`unknown command ${command}`);
    return r;
  }
}

function device(greet: DeviceAction[], handler: Handler): SimDevice & { sessions: ScriptSession[] } {
  const sessions: ScriptSession[] = [];
  return {
    name: 'script',
    auth: {},
    sessions,
    newSession() {
      const s = new ScriptSession(greet, handler);
      sessions.push(s);
      return s;
    },
  };
}

const send = (...parts: string[]): DeviceAction[] => parts.map((data) => ({ kind: 'send', data }));

const base: Driver = {
  id: 'testos',
  vendor: 'Test',
  platform: 'Test OS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^[\w.-]+[#>] ?$`),
  comment: '! ',
  expect: [{ pattern: ESC_CODES }, { pattern: rb(String.raw` ?--More-- ?$`), send: ' ' }],
  setup: ['terminal length 0'],
  teardown: ['exit'],
  cleanup: [(c) => dropFirstLast(c)],
  commands: [
    { command: 'show version', process: (c) => commentLines(c, '! ') },
    { command: 'show run' },
  ],
};

async function run(dev: SimDevice, opts: { driver?: Driver; credentials?: Credentials; idleMs?: number; sessionMs?: number; protocol?: 'ssh' | 'telnet'; vars?: Record<string, unknown> } = {}) {
  return runSession(new MemoryConnection(dev, opts.protocol ?? 'ssh'), {
    driver: opts.driver ?? base,
    credentials: opts.credentials,
    vars: opts.vars,
    timeouts: { idleMs: opts.idleMs ?? 2000, sessionMs: opts.sessionMs ?? 10_000 },
  });
}

async function failure(p: Promise<unknown>): Promise<NetkeepError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(NetkeepError);
    return e as NetkeepError;
  }
  throw new Error('expected a failure');
}

const normal: Handler = (line) => {
  if (line === 'terminal length 0') return send('terminal length 0\r\nsw1# ');
  if (line === 'show version') return send('show version\r\nTestOS 1.0\r\n', 'uptime 1 day\r\nsw', '1# ');
  if (line === 'show run') return send('show run\r\nhostname sw1\r\n', '\x1b[4minterface x\x1b[m\r\n --More-- ');
  if (line === ' ') return send('\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b\r\n end\r\nsw1# ');
  return undefined;
};

describe('session engine: shell mode', () => {
  it('collects output over chunks, strips escapes, answers the pager, converts CRLF, joins outputs', async () => {
    const dev = device(send('Welcome\r\nsw1# '), normal);
    const r = await run(dev);
    expect(r.config).toBe('! TestOS 1.0\n! uptime 1 day\nhostname sw1\ninterface x\n\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b\n end\n');
    expect(dev.sessions[0].log).toEqual(['terminal length 0', 'show version', 'show run', ' ', 'exit']);
  });

  it('handles escapes, pager markers and prompts split over many small chunks, and long outputs', async () => {
    const body: string[] = [];
    for (let i = 0; i < 2000; i++) body.push(`line ${i} \x1b[1mbold\x1b[0m\r\n`);
    const pages = 5;
    const dev = device(send('sw1# '), (line, s) => {
      if (line === 'terminal length 0') return send('terminal length 0\r\nsw1# ');
      if (line === 'show version') return send('show version\r\n', 'v', '1\r', '\n', 's', 'w1', '#', ' ');
      if (line === 'show run' || line === ' ') {
        const page = Number(s.state.page ?? 0);
        s.state.page = page + 1;
        const text = (line === 'show run' ? 'show run\r\n' : '') + body.slice(page * 400, page * 400 + 400).join('');
        // split every 7 bytes: escape sequences and the pager marker arrive in pieces
        const tailText = page + 1 < pages ? ' --More-- ' : 'sw1# ';
        const all = text + tailText;
        const parts: string[] = [];
        for (let i = 0; i < all.length; i += 7) parts.push(all.slice(i, i + 7));
        return send(...parts);
      }
      return undefined;
    });
    const r = await run(dev);
    const want = '! v1\n' + body.map((l) => l.replace(/\x1b\[\d*m/g, '').replace('\r\n', '\n')).join('').replace(/\n$/, '') + '\n';
    expect(r.config).toBe(want.replace(/\n$/, '\n'));
    expect(dev.sessions[0].log.filter((l) => l === ' ').length).toBe(pages - 1);
  });

  it('does not stop at a prompt-looking line in the middle of the output', async () => {
    const dev = device(send('sw1# '), (line) => {
      if (line === 'terminal length 0') return send('terminal length 0\nsw1# ');
      if (line === 'show version') return send('show version\nv1\nsw1# ');
      if (line === 'show run') return send('show run\nbanner\nsw1#\n', 'more\nsw1# ');
      return undefined;
    });
    const r = await run(dev);
    expect(r.config).toBe('! v1\nbanner\nsw1#\nmore\n');
  });

  it('answers login-time username/password prompts and "press any key"', async () => {
    const dev = device(send('Press any key to continue'), (line, s) => {
      if (line === ' ' && !s.state.user) return send('\r\nUser Name: ');
      if (line === 'admin' && !s.state.user) return ((s.state.user = true), send('admin\r\nPassword: '));
      if (line === 's3cret') return send('\r\nsw1# ');
      return normal(line, s);
    });
    const driver: Driver = { ...base, login: { pressAnyKey: [{ pattern: /Press any key to continue$/ }] } };
    const r = await run(dev, { driver, credentials: { username: 'admin', password: 's3cret' } });
    expect(r.config.startsWith('! TestOS 1.0\n')).toBe(true);
  });

  it('sends credentials as UTF-8 bytes', async () => {
    const pw = 'pässwörd€';
    const wire = Buffer.from(pw, 'utf8').toString('latin1');
    const dev = device(send('Password: '), (line, s) => (line === wire ? send('\r\nsw1# ') : normal(line, s)));
    const r = await run(dev, { driver: { ...base, login: {} }, credentials: { password: pw } });
    expect(r.config).toContain('hostname sw1');
  });

  it('a password asked twice at login is auth_failed', async () => {
    const dev = device(send('Password: '), (line) => (line === 'wrong' ? send('\r\nPassword: ') : undefined));
    const e = await failure(run(dev, { driver: { ...base, login: {} }, credentials: { password: 'wrong' } }));
    expect(e.failureClass).toBe('auth_failed');
  });

  const enableDev = () =>
    device(send('sw1> '), (line, s) => {
      if (line === 'enable') return send('enable\r\nPassword: ');
      if (line === 'en-pw') return ((s.state.priv = true), send('\r\nsw1# '));
      if (line === 'bad') return send('\r\n% Access denied\r\nPassword: ');
      if (!s.state.priv && line !== 'terminal length 0') return send(`${line}\r\n% privileged command\r\nsw1> `);
      return normal(line, s);
    });

  it('enable mode with its own password', async () => {
    const dev = enableDev();
    const r = await run(dev, { driver: { ...base, enable: {} }, credentials: { enablePassword: 'en-pw' } });
    expect(r.config).toContain('hostname sw1');
    expect(dev.sessions[0].log.slice(0, 2)).toEqual(['enable', 'en-pw']);
  });

  it('enable asked for a password that is not configured: config_error', async () => {
    const e = await failure(run(enableDev(), { driver: { ...base, enable: { always: true } } }));
    expect(e.failureClass).toBe('config_error');
    expect(e.message).toMatch(/enablePassword/);
  });

  it('a refused enable password is auth_failed', async () => {
    const e = await failure(run(enableDev(), { driver: { ...base, enable: {} }, credentials: { enablePassword: 'bad' } }));
    expect(e.failureClass).toBe('auth_failed');
  });

  it('a device that never shows a known prompt: unexpected_prompt, with the last line', async () => {
    const dev = device(send('Welcome\r\nweird-prompt$ '), () => undefined);
    const e = await failure(run(dev, { idleMs: 150 }));
    expect(e.failureClass).toBe('unexpected_prompt');
    expect(e.message).toContain('weird-prompt$');
  });

  it('a device that stops answering: timeout', async () => {
    const dev = device(send('sw1# '), (line) => (line === 'terminal length 0' ? [{ kind: 'hang' }] : undefined));
    const e = await failure(run(dev, { idleMs: 150 }));
    expect(e.failureClass).toBe('timeout');
  });

  it('a device that keeps talking forever hits the whole-session limit', async () => {
    const chatter: DeviceAction[] = [];
    for (let i = 0; i < 200; i++) chatter.push({ kind: 'send', data: `line ${i}\r\n` }, { kind: 'delay', ms: 20 });
    const dev = device(send('sw1# '), (line) => (line === 'terminal length 0' ? chatter : undefined));
    const e = await failure(run(dev, { idleMs: 1000, sessionMs: 300 }));
    expect(e.failureClass).toBe('timeout');
    expect(e.message).toMatch(/whole session/);
  });

  it('the device dropping the connection mid-output: connection_reset', async () => {
    const dev = device(send('sw1# '), (line) => (line === 'terminal length 0' ? [...send('terminal len'), { kind: 'close' }] : undefined));
    const e = await failure(run(dev));
    expect(e.failureClass).toBe('connection_reset');
  });

  it('input the simulated device does not know ends the session with its reason', async () => {
    const dev = device(send('sw1# '), () => undefined);
    const e = await failure(run(dev));
    expect(e.failureClass).toBe('connection_reset');
    expect(e.message).toMatch(/unknown command "terminal length 0"/);
  });

  it('runs command fallbacks, conditions and post blocks in order', async () => {
    const dev = device(send('sw1# '), (line) => {
      if (line === 'terminal length 0') return send('x\nsw1# ');
      if (line === 'show inventory all') return send("show inventory all\n% Invalid command at '^' marker.\nsw1# ");
      if (line === 'show inventory') return send('show inventory\nchassis X\nsw1# ');
      if (line === 'show post') return send('show post\npost\nsw1# ');
      return undefined;
    });
    const driver: Driver = {
      ...base,
      commands: [
        { command: 'show post', phase: 'post' },
        { command: 'show inventory all', fallback: { when: rb(String.raw`^% Invalid .* at '\^' marker\.`), command: 'show inventory' } },
        { command: 'never', when: (ctx) => !!ctx.vars.nope },
      ],
    };
    const r = await run(dev, { driver });
    expect(r.config).toBe('chassis X\npost\n');
  });
});

describe('session engine: exec mode', () => {
  const execDriver: Driver = {
    ...base,
    mode: 'exec',
    commands: [{ command: 'show version', process: (c) => commentLines(c, '# ') }, { command: 'show config' }],
    cleanup: [],
  };
  const handler: Handler = (line) => {
    if (line === 'show version') return send('v 1.0\n');
    if (line === 'show config') return send('set a b\n');
    return undefined;
  };

  it('runs each command on its own exec channel, without prompt or echo', async () => {
    const r = await run(device([], handler), { driver: execDriver });
    expect(r.config).toBe('# v 1.0\nset a b\n');
  });

  it('an exec-mode driver over telnet without shell fallback: config_error', async () => {
    const e = await failure(run(device([], handler), { driver: execDriver, protocol: 'telnet' }));
    expect(e.failureClass).toBe('config_error');
  });

  it('an exec command that never answers: timeout', async () => {
    const e = await failure(run(device([], () => [{ kind: 'hang' }]), { driver: execDriver, idleMs: 100 }));
    expect(e.failureClass).toBe('timeout');
  });
});
