// The simulator's push dialogues on their own (no network): IOS config mode and `configure
// replace … revert trigger error timer N`, Junos `commit confirmed N`, both rolling back when
// their timer runs out unless confirmed (fake timers: no waiting, nothing timed).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PushableRecordingDevice } from '../../src/sim/pushable.ts';
import { loadRecording } from '../../src/sim/recording.ts';
import { SyntheticDevice } from '../../src/sim/synthetic.ts';
import type { DeviceAction, DeviceSession } from '../../src/sim/types.ts';

const REC = join(import.meta.dirname, '../fixtures/recordings');
const said = (acts: DeviceAction[]) => acts.map((a) => (a.kind === 'send' ? a.data : '')).join('').replace(/\r\n/g, '\n');
const type = (s: DeviceSession, line: string) => said(s.input(`${line}\n`));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('simulated IOS pushes', () => {
  it('configure terminal merges lines into blocks, `no` removes them, a refused line answers % Invalid input and changes nothing', () => {
    const dev = new SyntheticDevice({ name: 'r1', configLines: 100, rejects: /^bogus/ });
    const s = dev.newSession();
    s.greeting();
    expect(type(s, 'configure terminal')).toMatch(/r1\(config\)#$/);
    expect(type(s, 'interface GigabitEthernet1/0/1')).toMatch(/r1\(config-if\)#$/);
    type(s, ' description merged');
    type(s, 'no ip forward-protocol nd');
    const rev = dev.state.revision;
    expect(type(s, 'bogus command')).toMatch(/% Invalid input detected/);
    expect(dev.state.revision).toBe(rev);
    expect(type(s, 'end')).toMatch(/r1#$/);
    const cfg = dev.state.runningConfig;
    const block = cfg.slice(cfg.indexOf('interface GigabitEthernet1/0/1\n')).split('\n!')[0];
    expect(block).toContain('\n description merged');
    expect(cfg).not.toContain('ip forward-protocol nd');
  });

  it('configure replace with revert trigger error timer: replaced, reverted when the timer ends unless confirmed', () => {
    const dev = new SyntheticDevice({ name: 'r2', configLines: 80 });
    const before = dev.state.runningConfig;
    const s = dev.newSession();
    const next = before.replace('hostname r2', 'hostname r2-new');
    expect(s.putFile!('flash:x.cfg', next)).toBeUndefined();
    expect(s.putFile!('/etc/passwd', 'x')).toBe('Permission denied');
    expect(type(s, 'configure replace flash:x.cfg force revert trigger error timer 1')).toMatch(/Rollback Done/);
    expect(dev.state.runningConfig).toContain('hostname r2-new');
    vi.advanceTimersByTime(60_000);
    expect(dev.state.runningConfig).toBe(before);
    // confirmed: stays
    type(s, 'configure replace flash:x.cfg force revert trigger error timer 1');
    expect(type(s, 'configure confirm')).not.toMatch(/%/);
    vi.advanceTimersByTime(120_000);
    expect(dev.state.runningConfig).toContain('hostname r2-new');
    expect(type(s, 'configure replace flash:missing.cfg force')).toMatch(/%Error opening flash:missing\.cfg/);
  });
});

describe('simulated Junos pushes', () => {
  it('load override + commit confirmed N: the next backup sees it; rolled back when N minutes pass without a confirming commit', () => {
    const dev = new PushableRecordingDevice(loadRecording(join(REC, 'junos#srx300_22.4#simulation.yaml')), { platform: 'junos' });
    const before = dev.running;
    const s = dev.newSession();
    expect(said(s.greeting())).toMatch(/netkeep@srx300> $/);
    s.putFile!('/var/tmp/r.conf', before.replace('8.8.4.4;', '192.0.2.4;'));
    expect(type(s, 'configure exclusive')).toMatch(/Entering configuration mode[\s\S]*netkeep@srx300# $/);
    expect(type(s, 'load override /var/tmp/r.conf')).toMatch(/load complete/);
    expect(type(s, 'commit confirmed 1')).toMatch(/rolled back in 1 minutes unless confirmed\ncommit complete/);
    type(s, 'exit configuration-mode');
    // a backup (exec channel) sees the committed config
    expect(said(dev.newSession().exec('show configuration | display omit'))).toContain('192.0.2.4;');
    vi.advanceTimersByTime(60_000);
    expect(dev.running).toBe(before);
    expect(said(dev.newSession().exec('show configuration | display omit'))).toContain('8.8.4.4;');
  });
});
