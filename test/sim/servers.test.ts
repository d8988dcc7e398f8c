// The simulator: fleets by username and by port, the action runner, the synthetic device's
// CLI behaviour, and the standalone simulator CLI.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchConfig } from '../../src/backup/fetch.ts';
import { connect } from '../../src/transports/index.ts';
import { startFleet, SimSshServer, SimTelnetServer, SyntheticDevice, ActionRunner, syntheticIosDriver } from '../../src/sim/index.ts';
import type { DeviceAction } from '../../src/sim/index.ts';
import { expectFailure, readUntil } from '../transports/helpers.ts';

const ROOT = join(import.meta.dirname, '../..');

describe('fleet served by username on one port', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('10,000 devices on one SSH and one telnet port; the username picks the device', async () => {
    const fleet = await startFleet({ count: 10_000, protocols: ['ssh', 'telnet'], configLines: 120 });
    closers.push(() => fleet.close());
    expect(new Set(fleet.info.map((i) => i.sshPort))).toEqual(new Set([fleet.ssh!.port]));
    expect(new Set(fleet.info.map((i) => i.telnetPort))).toEqual(new Set([fleet.telnet!.port]));
    for (const idx of [0, 7777, 9999]) {
      const d = fleet.info[idx];
      for (const protocol of ['ssh', 'telnet'] as const) {
        const r = await fetchConfig({ host: d.host, port: protocol === 'ssh' ? d.sshPort! : d.telnetPort!, protocol, driver: syntheticIosDriver, credentials: { username: d.username, password: d.password }, hostKey: { pinned: d.pinnedHostKey } });
        expect(r.config).toBe(`!\n!\n${fleet.devices[idx].state.runningConfig}`);
        expect(r.config).toContain(`hostname ${d.name}\n`);
      }
    }
    // configs differ between devices, and have the size asked for
    expect(fleet.devices[0].state.runningConfig).not.toBe(fleet.devices[1].state.runningConfig);
    expect(fleet.devices[5].state.runningConfig.split('\n').length - 1).toBe(120);
    // an unknown username is an auth failure, on both servers
    const base = { host: '127.0.0.1', credentials: { username: 'nobody', password: 'netkeep' }, timeouts: { connectMs: 3000 } };
    await expectFailure(() => connect({ ...base, port: fleet.ssh!.port, protocol: 'ssh', hostKey: { acceptAny: true } }), 'auth_failed');
    await expectFailure(() => connect({ ...base, port: fleet.telnet!.port, protocol: 'telnet' }), 'auth_failed');
    expect(fleet.ssh!.stats.authFailures).toBeGreaterThanOrEqual(1);
  });

  it('advance() changes the configs of about the share asked for, deterministically', async () => {
    const fleet = await startFleet({ count: 400, protocols: ['ssh'], changeShare: 0.25, configLines: 200 });
    closers.push(() => fleet.close());
    const changed = fleet.advance();
    expect(changed.length).toBeGreaterThan(60);
    expect(changed.length).toBeLessThan(140);
    const d = fleet.device(changed[0]);
    expect(d.state.revision).toBe(2);
    expect(d.state.runningConfig).toContain('description access port changed in run 1');
  });
});

describe('servers in port mode', () => {
  it('each device answers on its own port, whatever the username; a device can have its own host key', async () => {
    const ssh = new SimSshServer({ mode: 'port' });
    const telnet = new SimTelnetServer({ mode: 'port' });
    const a = new SyntheticDevice({ name: 'alpha', username: 'u', password: 'p' });
    const b = new SyntheticDevice({ name: 'beta', username: 'u', password: 'p' });
    const own = (await import('../../src/sim/server-ssh.ts')).generateHostKey('ed25519');
    const pa = await ssh.addDevice(a);
    const pb = await ssh.addDevice({ device: b, hostKey: own.privateKey });
    const ta = await telnet.addDevice(a);
    try {
      expect(pa).not.toBe(pb);
      expect(ssh.hostKeyOf('beta')).toBe(own.publicKey);
      expect(ssh.hostKeyOf('alpha')).not.toBe(own.publicKey);
      for (const [port, name, key] of [
        [pa, 'alpha', ssh.hostKeyOf('alpha')],
        [pb, 'beta', own.publicKey],
      ] as const) {
        const c = await connect({ host: '127.0.0.1', port, protocol: 'ssh', credentials: { username: 'u', password: 'p' }, hostKey: { pinned: key } });
        const sh = await c.shell();
        await readUntil(sh, new RegExp(`${name}#$`));
        c.close();
      }
      const c = await connect({ host: '127.0.0.1', port: ta, protocol: 'telnet', credentials: { username: 'u', password: 'p' } });
      await readUntil(await c.shell(), /alpha#$/);
      c.close();
    } finally {
      await ssh.close();
      await telnet.close();
    }
  });
});

describe('ActionRunner', () => {
  it('sends in order, honours delays, waits for drain, stops for good on hang', async () => {
    const got: string[] = [];
    let drain: (() => void) | undefined;
    let idle = 0;
    const r = new ActionRunner(
      (data, drained) => {
        got.push(data);
        if (data === 'full') {
          drain = drained;
          return false;
        }
        return true;
      },
      () => got.push('<drop>'),
      () => idle++,
    );
    r.run([{ kind: 'send', data: 'a' }, { kind: 'delay', ms: 30 }, { kind: 'send', data: 'b' }]);
    r.run([{ kind: 'send', data: 'c' }]);
    expect(got).toEqual(['a']);
    await new Promise((res) => setTimeout(res, 60));
    expect(got).toEqual(['a', 'b', 'c']);
    expect(idle).toBe(1);
    r.run([{ kind: 'send', data: 'full' }, { kind: 'send', data: 'after-drain' }]);
    expect(got.at(-1)).toBe('full');
    drain!();
    expect(got.at(-1)).toBe('after-drain');
    r.run([{ kind: 'send', data: 'x' }, { kind: 'hang' }, { kind: 'send', data: 'never' }]);
    r.run([{ kind: 'send', data: 'never either' }]);
    expect(got.at(-1)).toBe('x');
    expect(r.isHung).toBe(true);
  });

  it('close drops the connection and sends nothing after it', () => {
    const got: string[] = [];
    const r = new ActionRunner(
      (d) => (got.push(d), true),
      () => got.push('<drop>'),
      () => {},
    );
    r.run([{ kind: 'send', data: 'half' }, { kind: 'close' }, { kind: 'send', data: 'rest' }]);
    r.run([{ kind: 'send', data: 'more' }]);
    expect(got).toEqual(['half', '<drop>']);
  });
});

describe('synthetic IOS-like session', () => {
  const text = (acts: DeviceAction[]) => acts.map((a) => (a.kind === 'send' ? a.data : '')).join('');

  it('pages with --More-- until terminal length 0, answers the pager keys, rejects unknown commands', () => {
    const dev = new SyntheticDevice({ name: 'pg1', configLines: 100 });
    const s = dev.newSession();
    expect(text(s.greeting())).toMatch(/pg1#$/);
    let out = text(s.input('show running-config\r\n'));
    expect(out.startsWith('show running-config\r\n')).toBe(true);
    expect(out.endsWith(' --More-- ')).toBe(true);
    let all = out;
    for (let i = 0; i < 20 && !/pg1#$/.test(out); i++) all += out = text(s.input(' '));
    expect(out).toMatch(/end\r\npg1#$/);
    const cleaned = all.replace(/ --More-- /g, '').replace(/\x08+ +\x08+/g, '');
    expect(cleaned).toContain(dev.state.runningConfig.replace(/\n/g, '\r\n'));
    expect(text(s.input('terminal length 0\n'))).toBe('terminal length 0\r\npg1#');
    expect(text(s.input('show running-config\n'))).not.toContain('--More--');
    expect(text(s.input('show fish\n'))).toMatch(/% Invalid input detected at '\^' marker\.\r\n\r\npg1#$/);
    s.input('exit\n');
    expect(s.finished).toBe(true);
  });

  it('latency puts a delay before every answer; misbehaviours shape the answer', () => {
    const slow = new SyntheticDevice({ name: 's', latencyMs: 25 }).newSession();
    expect(slow.greeting()[0]).toEqual({ kind: 'delay', ms: 25 });
    expect(slow.input('terminal length 0\n')[0]).toEqual({ kind: 'delay', ms: 25 });
    const hang = new SyntheticDevice({ name: 'h', misbehaviour: 'hang' }).newSession();
    hang.input('terminal length 0\n');
    expect(hang.input('show run\n').at(-1)).toEqual({ kind: 'hang' });
    const drop = new SyntheticDevice({ name: 'd', misbehaviour: 'drop' }).newSession();
    drop.input('terminal length 0\n');
    expect(drop.input('show run\n').at(-1)).toEqual({ kind: 'close' });
    const np = new SyntheticDevice({ name: 'n', misbehaviour: 'no-prompt' }).newSession();
    expect(text(np.greeting())).toMatch(/Enter selection: $/);
    expect(np.input('\n')).toEqual([]);
    const wp = new SyntheticDevice({ name: 'w', password: 'right', misbehaviour: 'wrong-password' });
    expect(wp.auth.password).not.toBe('right');
    const ep = new SyntheticDevice({ name: 'e', configLines: 50, misbehaviour: 'endless-pager' }).newSession();
    ep.input('terminal length 0\n');
    let out = text(ep.input('show run\n'));
    for (let i = 0; i < 10; i++) out = text(ep.input(' '));
    expect(out.endsWith(' --More-- ')).toBe(true);
  });
});

describe('standalone simulator CLI', () => {
  it('prints the ports and a ready line, serves the fleet, exits when stdin closes', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'src/sim/index.ts'), '--fleet', '3', '--telnet', '--misbehave', 'hang=1', '--stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const ready = await new Promise<{ ssh: number; telnet: number; hostKey: string; password: string; devices: { username: string; misbehaviour?: string }[] }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ready line within 20 s: ${lines.join('\n')}`)), 20_000);
      createInterface({ input: child.stdout! }).on('line', (l) => {
        lines.push(l);
        if (l.startsWith('{"ready":true')) {
          clearTimeout(t);
          resolve(JSON.parse(l));
        }
      });
    });
    expect(lines[0]).toMatch(/^fleet of 3 devices on 127\.0\.0\.1: ssh port \d+, telnet port \d+$/);
    expect(ready.devices.at(-1)!.misbehaviour).toBe('hang');
    const d = ready.devices[0];
    const r = await fetchConfig({ host: '127.0.0.1', port: ready.ssh, driver: syntheticIosDriver, credentials: { username: d.username, password: ready.password }, hostKey: { pinned: ready.hostKey } });
    expect(r.config).toContain(`hostname ${d.username}\n`);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    child.stdin!.end();
    expect(await exited).toBe(0);
  });
});
