// Synthetic IOS-like devices for load tests and failure tests. The device state (running
// config, version facts) is explicit and mutable: a restore changes it the way IOS does
// (`configure terminal` line by line, or `configure replace flash:FILE` after an SCP upload,
// with `revert trigger error timer N` / `configure confirm` / `configure revert now`), a
// device can refuse config lines (`rejects`), and a fleet can change a share of its configs
// between runs.
import { NetkeepError } from '../errors.ts';
import type { Driver } from '../drivers/types.ts';
import type { DeviceAction, DeviceSession, SimAuth, SimDevice } from './types.ts';

/** Ways a synthetic device can misbehave. */
export const MISBEHAVIOURS = [
  'hang', // stops answering in the middle of `show running-config`
  'wrong-password', // the device expects another password than the fleet's
  'drop', // drops the TCP connection in the middle of `show running-config`
  'garbage', // its port speaks binary noise instead of SSH/telnet (served by the fleet)
  'endless-pager', // ignores `terminal length 0`, and its pager never ends
  'host-key-changed', // shows a host key of its own (served on its own port)
  'no-prompt', // prints a banner and never a prompt
  'command-rejected', // answers `show running-config` with "% Invalid input"
  'flood', // answers `show running-config` with endless output and no prompt
] as const;
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

export interface SyntheticDeviceState {
  hostname: string;
  model: string;
  serial: string;
  osVersion: string;
  /** The running configuration, LF line ends, ends with "end\n". */
  runningConfig: string;
  /** Bumped by every change (setRunningConfig / mutate). */
  revision: number;
  /** When the config last changed (for "Last configuration change at"). */
  changedAt: Date;
}

export interface SyntheticDeviceOptions {
  name: string;
  username?: string;
  password?: string;
  /** OpenSSH public key line accepted for key auth. */
  publicKey?: string;
  keyboardInteractive?: boolean;
  /** Lines of running config (default 300). */
  configLines?: number;
  /** Delay before each answer, ms (default 0). */
  latencyMs?: number;
  misbehaviour?: Misbehaviour;
  /** Seed for the generated config (default: derived from the name). */
  seed?: number;
  /** Config lines this device does not know: answered with "% Invalid input" (a restore's bad line). */
  rejects?: RegExp;
  /** Config lines this device accepts but does not keep (a feature it lacks): a restore then fails verification. */
  ignores?: RegExp;
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const MODELS = ['C9200L-24P-4G', 'C9300-48P', 'WS-C3850-24T', 'ISR4331/K9', 'C9500-16X'];

/** An IOS-like running config of about `lines` lines (at least ~40). */
export function generateConfig(hostname: string, lines: number, seed: number): string {
  const rnd = prng(seed);
  const ip = () => `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 253)}`;
  const head = [
    'version 17.9',
    'service timestamps debug datetime msec',
    'service timestamps log datetime msec',
    'service password-encryption',
    '!',
    `hostname ${hostname}`,
    '!',
    'boot-start-marker',
    'boot-end-marker',
    '!',
    `enable secret 9 $9$${Math.floor(rnd() * 1e9).toString(36)}$${Math.floor(rnd() * 1e12).toString(36)}`,
    '!',
    'aaa new-model',
    'aaa authentication login default local',
    '!',
    `ip domain name ${hostname.toLowerCase()}.example.net`,
    'ip ssh version 2',
    '!',
    `username backup privilege 15 secret 9 $9$${Math.floor(rnd() * 1e12).toString(36)}`,
    '!',
  ];
  const tail = [
    '!',
    'ip forward-protocol nd',
    'no ip http server',
    'no ip http secure-server',
    '!',
    `ip route 0.0.0.0 0.0.0.0 ${ip()}`,
    '!',
    `logging host ${ip()}`,
    `snmp-server community ${Math.floor(rnd() * 1e9).toString(36)} RO`,
    `ntp server ${ip()}`,
    '!',
    'line con 0',
    ' stopbits 1',
    'line vty 0 4',
    ' transport input ssh telnet',
    'line vty 5 15',
    ' transport input ssh',
    '!',
    'end',
  ];
  const body: string[] = [];
  let vlan = 10;
  const vlans: string[] = [];
  for (let i = 0; i < 8; i++) {
    vlans.push(`vlan ${vlan}`, ` name users-${vlan}`, '!');
    vlan += 10;
  }
  body.push(...vlans);
  let port = 1;
  while (head.length + body.length + tail.length + 7 <= lines) {
    const v = 10 * (1 + Math.floor(rnd() * 8));
    body.push(
      `interface GigabitEthernet1/0/${port}`,
      ` description access port ${port} room ${Math.floor(rnd() * 900) + 100}`,
      ' switchport mode access',
      ` switchport access vlan ${v}`,
      ' spanning-tree portfast',
      rnd() < 0.2 ? ' shutdown' : ' no shutdown',
      '!',
    );
    port++;
  }
  while (head.length + body.length + tail.length < lines) body.push(`access-list 99 permit ${ip()}`);
  return [...head, ...body, ...tail].join('\n') + '\n';
}

export class SyntheticDevice implements SimDevice {
  readonly name: string;
  readonly auth: SimAuth;
  readonly execMode = false;
  readonly state: SyntheticDeviceState;
  latencyMs: number;
  misbehaviour: Misbehaviour | undefined;
  /** Config lines this device refuses. */
  rejects: RegExp | undefined;
  ignores: RegExp | undefined;
  /** Files written by SCP (flash:NAME → content). */
  readonly files = new Map<string, string>();
  /** A `configure replace … revert trigger error timer N` waiting for `configure confirm`. */
  pendingRevert: { previous: string; timer: NodeJS.Timeout } | undefined;

  constructor(o: SyntheticDeviceOptions) {
    this.name = o.name;
    const seed = o.seed ?? hashString(o.name);
    this.auth = {
      username: o.username ?? o.name,
      password: o.misbehaviour === 'wrong-password' ? `not-${o.password ?? 'netkeep'}` : (o.password ?? 'netkeep'),
      ...(o.publicKey ? { publicKey: o.publicKey } : {}),
      ...(o.keyboardInteractive ? { keyboardInteractive: true } : {}),
    };
    if (o.publicKey && o.password === undefined) delete this.auth.password;
    const hostname = o.name.replace(/[^A-Za-z0-9-]/g, '-');
    const rnd = prng(seed ^ 0x5eed);
    const lines = o.configLines ?? 300;
    // Generated on first read, so a 10,000-device fleet costs memory only for the devices used.
    let config: string | undefined;
    this.state = {
      hostname,
      model: MODELS[Math.floor(rnd() * MODELS.length)],
      serial: `FOC${Math.floor(rnd() * 1e8)
        .toString()
        .padStart(8, '0')}`,
      osVersion: '17.9.4a',
      get runningConfig(): string {
        return (config ??= generateConfig(hostname, lines, seed));
      },
      set runningConfig(text: string) {
        config = text;
      },
      revision: 1,
      changedAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)),
    };
    this.latencyMs = o.latencyMs ?? 0;
    this.misbehaviour = o.misbehaviour;
    this.rejects = o.rejects;
    this.ignores = o.ignores;
  }

  /** The first line of `lines` the device refuses, if any. */
  refusedLine(lines: string[]): string | undefined {
    return this.rejects ? lines.find((l) => this.rejects!.test(l)) : undefined;
  }

  /** Roll a pending `configure replace … revert trigger` back now (or when its timer fires). */
  revertNow(): boolean {
    const p = this.pendingRevert;
    if (!p) return false;
    clearTimeout(p.timer);
    this.pendingRevert = undefined;
    this.setRunningConfig(p.previous);
    return true;
  }

  /** Replace the running config (what a restore push does). */
  setRunningConfig(text: string, at = new Date()): void {
    this.state.runningConfig = text.endsWith('\n') ? text : `${text}\n`;
    this.state.revision++;
    this.state.changedAt = at;
  }

  /** A small significant change: one interface description gets a new text. */
  mutate(run: number): void {
    const lines = this.state.runningConfig.split('\n');
    const idx = lines.findIndex((l) => l.startsWith(' description '));
    if (idx >= 0) lines[idx] = ` description access port changed in run ${run}`;
    else lines.splice(lines.length - 2, 0, `! change ${run}`);
    this.setRunningConfig(lines.join('\n'), new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + run * 60_000));
  }

  newSession(): DeviceSession {
    return new IosLikeSession(this);
  }
}

const PAGE = 23;
const MORE = ' --More-- ';
const ERASE = '\b'.repeat(10) + ' '.repeat(10) + '\b'.repeat(10);
const REJECT = "                          ^\r\n% Invalid input detected at '^' marker.\r\n\r\n";

function crlf(s: string): string {
  return s.replace(/\r?\n/g, '\r\n');
}

/** One shell (or exec) conversation with a SyntheticDevice. */
export class IosLikeSession implements DeviceSession {
  private readonly dev: SyntheticDevice;
  private buf = '';
  private pagerLines = 24;
  /** Lines still to print behind a --More-- prompt. */
  private paged: string[] | undefined;
  private pagedFrom = 0;
  /** Configuration mode: undefined in exec mode; else the top-level line whose block is being edited. */
  private config: { context: string | undefined } | undefined;
  finished = false;

  constructor(dev: SyntheticDevice) {
    this.dev = dev;
  }

  private get prompt(): string {
    const c = this.config;
    if (!c) return `${this.dev.state.hostname}#`;
    const sub = c.context ? `-${c.context.startsWith('interface') ? 'if' : c.context.split(' ')[0].slice(0, 6)}` : '';
    return `${this.dev.state.hostname}(config${sub})#`;
  }

  private lat(actions: DeviceAction[]): DeviceAction[] {
    return this.dev.latencyMs > 0 ? [{ kind: 'delay', ms: this.dev.latencyMs }, ...actions] : actions;
  }

  greeting(): DeviceAction[] {
    const banner = '\r\n*** netkeep synthetic device: authorised access only ***\r\n\r\n';
    if (this.dev.misbehaviour === 'no-prompt') {
      // A menu instead of a CLI: something that is not a prompt, and no answer to anything.
      return this.lat([{ kind: 'send', data: `${banner}Main menu\r\n  1. Status\r\n  2. Configuration\r\nEnter selection: ` }]);
    }
    return this.lat([{ kind: 'send', data: `${banner}${this.prompt}` }]);
  }

  input(data: string): DeviceAction[] {
    const out: DeviceAction[] = [];
    if (this.dev.misbehaviour === 'no-prompt') return out;
    this.buf += data;
    for (;;) {
      if (this.paged) {
        // pager keys are single keystrokes, no line end
        if (this.buf.length === 0) break;
        const key = this.buf[0];
        this.buf = this.buf.slice(1);
        for (const a of this.pagerKey(key)) out.push(a);
        continue;
      }
      const nl = this.buf.search(/[\r\n]/);
      if (nl < 0) break;
      const line = this.buf.slice(0, nl);
      const skip = this.buf[nl] === '\r' && this.buf[nl + 1] === '\n' ? 2 : 1;
      this.buf = this.buf.slice(nl + skip);
      for (const a of this.command(line.trim(), line)) out.push(a); // (no spread: flood answers are long)
      if (this.finished) break;
    }
    return out.length ? this.lat(out) : out;
  }

  private pagerKey(key: string): DeviceAction[] {
    const lines = this.paged!;
    if (key === 'q' || key === 'Q' || key === '\x03') {
      this.paged = undefined;
      return [{ kind: 'send', data: `${ERASE}\r\n${this.prompt}` }];
    }
    const n = key === '\r' || key === '\n' ? 1 : PAGE;
    return [{ kind: 'send', data: ERASE + this.page(lines, n) }];
  }

  /** Print up to n lines from the pager, then either --More-- or the prompt. */
  private page(lines: string[], n: number): string {
    const end = Math.min(lines.length, this.pagedFrom + n);
    let s = '';
    for (let i = this.pagedFrom; i < end; i++) s += `${lines[i]}\r\n`;
    this.pagedFrom = end;
    if (end >= lines.length) {
      if (this.dev.misbehaviour === 'endless-pager') {
        this.pagedFrom = 0; // start over: the pager never ends
        return s + MORE;
      }
      this.paged = undefined;
      return s + this.prompt;
    }
    return s + MORE;
  }

  private output(text: string): DeviceAction[] {
    const usePager = this.pagerLines > 0 || this.dev.misbehaviour === 'endless-pager';
    if (!usePager) return [{ kind: 'send', data: crlf(text) + this.prompt }];
    const lines = text.replace(/\n$/, '').split('\n');
    this.paged = lines;
    this.pagedFrom = 0;
    return [{ kind: 'send', data: this.page(lines, PAGE) }];
  }

  private command(cmd: string, raw: string): DeviceAction[] {
    const echo: DeviceAction = { kind: 'send', data: `${raw}\r\n` };
    const words = cmd.split(/\s+/);
    const is = (full: string, min: number) => {
      const fw = full.split(' ');
      if (words.length !== fw.length) return false;
      return words.every((w, i) => w.length >= Math.min(min, fw[i].length) && fw[i].startsWith(w.toLowerCase()));
    };
    if (cmd === '') return [{ kind: 'send', data: `\r\n${this.prompt}` }];
    if (this.config) return [echo, ...this.configLine(cmd, raw)];
    if (is('configure terminal', 4) || is('configure', 4)) {
      this.config = { context: undefined };
      return [echo, { kind: 'send', data: `Enter configuration commands, one per line.  End with CNTL/Z.\r\n${this.prompt}` }];
    }
    if (words[0] === 'configure' && words[1] === 'replace') return [echo, { kind: 'send', data: `${this.configureReplace(words.slice(2))}${this.prompt}` }];
    if (is('configure confirm', 4)) {
      const p = this.dev.pendingRevert;
      if (p) {
        clearTimeout(p.timer);
        this.dev.pendingRevert = undefined;
      }
      return [echo, { kind: 'send', data: p ? this.prompt : `% No Rollback Confirmation Timer is running\r\n${this.prompt}` }];
    }
    if (is('configure revert now', 4)) {
      const done = this.dev.revertNow();
      return [echo, { kind: 'send', data: done ? `Rollback Done\r\n${this.prompt}` : `% No Rollback Confirmation Timer is running\r\n${this.prompt}` }];
    }
    if (is('exit', 2) || is('logout', 2) || is('quit', 2)) {
      this.finished = true;
      return [echo];
    }
    if (words[0] === 'terminal' && words[1]?.startsWith('len')) {
      const n = Number(words[2]);
      if (Number.isInteger(n) && n >= 0) {
        this.pagerLines = n;
        return [echo, { kind: 'send', data: this.prompt }];
      }
    }
    if (words[0] === 'terminal' && words[1]?.startsWith('wid')) return [echo, { kind: 'send', data: this.prompt }];
    if (is('enable', 2)) return [echo, { kind: 'send', data: this.prompt }];
    if (is('show running-config', 2) || is('show run', 2)) return [echo, ...this.runningConfig()];
    if (is('show version', 2)) return [echo, ...this.output(this.version())];
    if (is('show inventory', 2)) return [echo, ...this.output(this.inventory())];
    if (is('show vtp status', 2)) return [echo, { kind: 'send', data: `${REJECT}${this.prompt}` }];
    return [echo, { kind: 'send', data: `${REJECT}${this.prompt}` }];
  }

  /** One line typed in configuration mode: applied to the running config the way IOS merges it. */
  private configLine(cmd: string, raw: string): DeviceAction[] {
    const c = this.config!;
    const send = (t = '') => [{ kind: 'send' as const, data: `${t}${this.prompt}` }];
    if (cmd === 'end' || cmd === '\x1a') {
      this.config = undefined;
      return send();
    }
    if (cmd === 'exit') {
      if (c.context) c.context = undefined;
      else this.config = undefined;
      return send();
    }
    if (cmd.startsWith('!')) return send();
    if (this.dev.refusedLine([raw])) return send(REJECT);
    const lines = this.dev.state.runningConfig.replace(/\n$/, '').split('\n');
    const child = /^\s/.test(raw) && c.context !== undefined;
    const neg = /^no\s+(.*)$/.exec(cmd);
    const blockOf = (top: string): [number, number] => {
      const i = lines.indexOf(top);
      if (i < 0) return [-1, -1];
      let j = i + 1;
      while (j < lines.length && /^\s/.test(lines[j])) j++;
      return [i, j];
    };
    if (child) {
      let [i, j] = blockOf(c.context!);
      if (i < 0) {
        const endAt = lines.lastIndexOf('end');
        lines.splice(endAt < 0 ? lines.length : endAt, 0, c.context!);
        [i, j] = blockOf(c.context!);
      }
      const text = ` ${cmd}`;
      if (neg) {
        const k = lines.slice(i + 1, j).indexOf(` ${neg[1]}`);
        if (k >= 0) lines.splice(i + 1 + k, 1);
      } else if (!lines.slice(i + 1, j).includes(text)) lines.splice(j, 0, text);
    } else if (neg) {
      const [i, j] = blockOf(neg[1]);
      if (i >= 0) lines.splice(i, j - i);
      c.context = undefined;
    } else {
      if (!lines.includes(cmd)) {
        const endAt = lines.lastIndexOf('end');
        lines.splice(endAt < 0 ? lines.length : endAt, 0, cmd);
      }
      c.context = cmd;
    }
    this.dev.setRunningConfig(lines.join('\n'));
    return send();
  }

  /** `configure replace flash:FILE [force] [revert trigger error] [timer N]`. */
  private configureReplace(args: string[]): string {
    const path = args[0] ?? '';
    const file = this.dev.files.get(path);
    if (file === undefined) return `%Error opening ${path} (No such file or directory)\r\n`;
    const timerAt = args.indexOf('timer');
    const minutes = timerAt >= 0 ? Number(args[timerAt + 1]) : undefined;
    const revertOnError = args.includes('revert');
    const lines = file.replace(/\r\n/g, '\n').split('\n');
    const bad = this.dev.refusedLine(lines);
    if (bad !== undefined) {
      const revert = revertOnError ? 'Reverting to the previous configuration (revert trigger error): Rollback Done\r\n' : '';
      return `The following command failed to apply:\r\n${bad}\r\n% Invalid input detected at '^' marker.\r\n${revert}`;
    }
    const previous = this.dev.state.runningConfig;
    // IOS keeps no comments, and prints its own "!" separators at the top
    const kept = lines.filter((l) => !/^!\s*\S/.test(l) && !this.dev.ignores?.test(l));
    while (kept.length && (kept[0].trim() === '' || kept[0].trim() === '!')) kept.shift();
    while (kept.length && kept[kept.length - 1].trim() === '') kept.pop();
    if (kept[kept.length - 1] !== 'end') kept.push('end');
    this.dev.setRunningConfig(kept.join('\n'));
    if (minutes !== undefined && Number.isFinite(minutes) && minutes > 0) {
      if (this.dev.pendingRevert) clearTimeout(this.dev.pendingRevert.timer);
      const timer = setTimeout(() => this.dev.revertNow(), minutes * 60_000);
      timer.unref();
      this.dev.pendingRevert = { previous, timer };
    }
    return 'Total number of passes: 1\r\nRollback Done\r\n';
  }

  /** An SCP upload to flash:. */
  putFile(path: string, content: string): string | undefined {
    if (!/^(flash|bootflash|nvram):/.test(path)) return 'Permission denied';
    this.dev.files.set(path, content);
    return undefined;
  }

  private runningConfig(): DeviceAction[] {
    const s = this.dev.state;
    const text = `Building configuration...\n\nCurrent configuration : ${s.runningConfig.length} bytes\n!\n! Last configuration change at ${s.changedAt.toISOString()}\n!\n${s.runningConfig}`;
    // cut after a whole line in the middle of the output
    const half = (t: string) => crlf(t.slice(0, t.indexOf('\n', Math.floor(t.length / 2)) + 1));
    switch (this.dev.misbehaviour) {
      case 'hang':
        return [{ kind: 'send', data: half(text) }, { kind: 'hang' }];
      case 'drop':
        return [{ kind: 'send', data: half(text) }, { kind: 'close' }];
      case 'command-rejected':
        return [{ kind: 'send', data: `${REJECT}${this.prompt}` }];
      case 'flood': {
        // Endless output, never a prompt: one 16 KiB block every millisecond (~16 MB/s).
        const full = crlf(text);
        const block = full.repeat(Math.ceil(16384 / full.length) + 1).slice(0, 16384);
        const acts: DeviceAction[] = [];
        for (let i = 0; i < 200_000; i++) acts.push({ kind: 'send', data: block }, { kind: 'delay', ms: 1 });
        return acts;
      }
      default:
        return this.output(text);
    }
  }

  private version(): string {
    const s = this.dev.state;
    return [
      `Cisco IOS XE Software, Version ${s.osVersion}`,
      `Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_LITE_IOSXE), Version ${s.osVersion}, RELEASE SOFTWARE (fc3)`,
      'Copyright (c) 1986-2026 by Cisco Systems, Inc.',
      '',
      `${s.hostname} uptime is 1 year, 2 weeks, 3 days, 4 hours, ${new Date().getUTCMinutes()} minutes`,
      'System returned to ROM by Reload Command',
      '',
      `cisco ${s.model} (ARM64) processor with 1290024K/6147K bytes of memory.`,
      `Processor board ID ${s.serial}`,
      '28 Gigabit Ethernet interfaces',
      '2048K bytes of non-volatile configuration memory.',
      '',
      `Model Number                       : ${s.model}`,
      `System Serial Number               : ${s.serial}`,
      '',
      'Configuration register is 0x102',
      '',
    ].join('\n');
  }

  private inventory(): string {
    const s = this.dev.state;
    return `NAME: "c92xxL Stack", DESCR: "c92xxL Stack"\nPID: ${s.model}  , VID: V01  , SN: ${s.serial}\n\n`;
  }

  exec(command: string): DeviceAction[] {
    const c = command.trim();
    if (/^sh(ow?)? run/.test(c)) {
      const s = this.dev.state;
      return this.lat([{ kind: 'send', data: crlf(`Building configuration...\n\nCurrent configuration : ${s.runningConfig.length} bytes\n!\n${s.runningConfig}`) }]);
    }
    if (/^sh(ow?)? ver/.test(c)) return this.lat([{ kind: 'send', data: crlf(this.version()) }]);
    return this.lat([{ kind: 'send', data: REJECT }]);
  }
}

/**
 * A minimal driver for the synthetic platform, used by the fetch benchmark and the
 * misbehaviour tests: log in, paging off, `show running-config`, logout — nothing else, so
 * the benchmark measures exactly one fetch of one config.
 */
export const syntheticIosDriver: Driver = {
  id: 'synthetic-ios',
  vendor: 'netkeep',
  platform: 'Synthetic IOS-like simulator device',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^([\w.@()-]+[#>]\s?)$/,
  comment: '! ',
  expect: [{ pattern: / --More-- /, send: ' ' }],
  setup: ['terminal length 0'],
  teardown: ['exit'],
  commands: [
    {
      command: 'show running-config',
      process: (out) =>
        out
          .replace(/^Building configuration\.\.\.\n\n?/, '')
          .replace(/^Current configuration : \d+ bytes\n/m, '')
          .replace(/^! Last configuration change at .*\n/m, ''),
    },
  ],
  cleanup: [
    (out, command) => {
      if (/^% Invalid input detected/m.test(out)) {
        throw new NetkeepError('command_rejected', `the device rejected "${command}" (% Invalid input); check the account's privilege level and the driver`);
      }
      return out;
    },
    (out) => {
      // drop the echo (first line) and the prompt (last line)
      const t = out.replace(/\r\n/g, '\n');
      const first = t.indexOf('\n');
      const last = t.lastIndexOf('\n');
      return first < 0 || last <= first ? '' : t.slice(first + 1, last + 1);
    },
  ],
  facts: [],
  notes: 'netkeep simulator only.',
};
