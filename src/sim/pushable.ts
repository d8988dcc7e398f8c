// Recorded devices that accept config pushes: a recording (junos, eos) answers every command it
// knows, and this wrapper adds the platform's configuration dialogue on top — SCP uploads,
// Junos `configure` / `load override FILE` / `commit confirmed N` / `commit` / `rollback N`
// (rolled back when the timer runs out), EOS `configure replace FILE` and `configure` … `end` —
// and keeps the running config as device state: the recorded config-dump answer is replaced
// through the recording's `overrides`, so the next backup sees what the push did. A device may
// refuse config lines (`rejects`).
import { RecordingSession, type Recording } from './recording.ts';
import type { DeviceAction, DeviceSession, SimAuth, SimDevice } from './types.ts';

export type PushablePlatform = 'junos' | 'eos';

/** The recorded key whose answer is the configuration, per platform. */
const CONFIG_KEY: Record<PushablePlatform, string> = {
  junos: 'show configuration | display omit\n',
  eos: 'show running-config | no-more | exclude ! Time:\n',
};

export interface PushableOptions {
  platform: PushablePlatform;
  auth?: SimAuth;
  /** Config lines this device does not know (a restore's bad line). */
  rejects?: RegExp;
  /** Config lines this device accepts but does not keep (a restore then fails verification). */
  ignores?: RegExp;
  /** Junos shell prompt user (default netkeep). */
  user?: string;
}

export class PushableRecordingDevice implements SimDevice {
  readonly name: string;
  readonly auth: SimAuth;
  readonly execMode: boolean;
  readonly recording: Recording;
  readonly platform: PushablePlatform;
  readonly overrides = new Map<string, string>();
  readonly files = new Map<string, string>();
  rejects: RegExp | undefined;
  ignores: RegExp | undefined;
  /** Junos: committed configurations, newest first (rollback 0 = the running one). */
  readonly commits: string[] = [];
  /** Junos: a `commit confirmed` waiting for its confirming `commit`. */
  pendingConfirm: { timer: NodeJS.Timeout } | undefined;
  private readonly hostname: string;
  private readonly user: string;
  /** EOS: what the recording prints around the config (echo line, prompt). */
  private readonly frame: { head: string; tail: string };

  constructor(recording: Recording, o: PushableOptions) {
    this.recording = recording;
    this.name = recording.name;
    this.platform = o.platform;
    this.auth = o.auth ?? {};
    this.execMode = o.platform === 'junos';
    this.rejects = o.rejects;
    this.ignores = o.ignores;
    this.user = o.user ?? 'netkeep';
    const recorded = recording.entries.find((e) => e.key === CONFIG_KEY[o.platform])?.value;
    if (recorded === undefined) throw new Error(`${recording.name}: the recording has no ${JSON.stringify(CONFIG_KEY[o.platform])} answer`);
    if (o.platform === 'eos') {
      const first = recorded.indexOf('\n') + 1;
      const last = recorded.lastIndexOf('\n') + 1;
      this.frame = { head: recorded.slice(0, first), tail: recorded.slice(last) };
      this.commits.unshift(recorded.slice(first, last));
      this.hostname = this.frame.tail.replace(/[#>]\s*$/, '');
    } else {
      this.frame = { head: '', tail: '' };
      this.commits.unshift(recorded);
      this.hostname = recording.device.split('_')[0] ?? 'junos';
    }
  }

  /** The running configuration as the config dump prints it. */
  get running(): string {
    return this.commits[0];
  }

  /** Make `text` the running config (a commit, a replace, a rollback). */
  setRunning(text: string): void {
    this.commits.unshift(text);
    if (this.commits.length > 50) this.commits.length = 50;
    this.overrides.set(CONFIG_KEY[this.platform], this.frame.head + text + this.frame.tail);
  }

  refusedLine(lines: string[]): { line: string; no: number } | undefined {
    if (!this.rejects) return undefined;
    const i = lines.findIndex((l) => this.rejects!.test(l));
    return i < 0 ? undefined : { line: lines[i], no: i + 1 };
  }

  prompt(config: boolean): string {
    if (this.platform === 'junos') return `${this.user}@${this.hostname}${config ? '#' : '>'} `;
    return config ? `${this.hostname}(config)#` : `${this.hostname}#`;
  }

  newSession(): DeviceSession {
    return new PushableSession(this, new RecordingSession(this.recording, this.overrides));
  }
}

function crlf(s: string): string {
  return s.replace(/\r?\n/g, '\r\n');
}

/** One conversation: config commands handled here, everything else answered by the recording. */
class PushableSession implements DeviceSession {
  private readonly dev: PushableRecordingDevice;
  private readonly inner: RecordingSession;
  private buf = '';
  /** Junos candidate / EOS config mode: undefined outside configuration mode. */
  private candidate: string | undefined;
  private configMode = false;
  private done = false;

  constructor(dev: PushableRecordingDevice, inner: RecordingSession) {
    this.dev = dev;
    this.inner = inner;
  }

  get finished(): boolean {
    return this.done || this.inner.finished;
  }

  greeting(): DeviceAction[] {
    const g = this.inner.greeting();
    // the recorded junos session is exec-only: its greeting has no prompt
    return this.dev.platform === 'junos' ? [...g, { kind: 'send', data: `\r\n${this.dev.prompt(false)}` }] : g;
  }

  input(data: string): DeviceAction[] {
    const out: DeviceAction[] = [];
    this.buf += data;
    for (;;) {
      const nl = this.buf.search(/[\r\n]/);
      if (nl < 0) break;
      const line = this.buf.slice(0, nl);
      const skip = this.buf[nl] === '\r' && this.buf[nl + 1] === '\n' ? 2 : 1;
      this.buf = this.buf.slice(nl + skip);
      out.push(...this.line(line));
      if (this.finished) break;
    }
    return out;
  }

  private line(raw: string): DeviceAction[] {
    const cmd = raw.trim();
    const answer = this.dev.platform === 'junos' ? this.junos(cmd) : this.eos(cmd, raw);
    if (answer !== undefined) return [{ kind: 'send', data: crlf(answer) }];
    // not a config command: the recording answers (recorded junos answers carry no prompt)
    const acts = this.inner.input(`${raw}\n`);
    if (this.dev.platform === 'junos' && !this.inner.finished) acts.push({ kind: 'send', data: `\r\n${this.dev.prompt(false)}` });
    return acts;
  }

  private junos(cmd: string): string | undefined {
    const d = this.dev;
    const p = () => d.prompt(this.configMode);
    const edit = (t: string) => `${cmd}\n${t}\n[edit]\n${p()}`;
    if (!this.configMode) {
      if (/^configure( exclusive| private)?$/.test(cmd)) {
        this.configMode = true;
        this.candidate = d.running;
        return `${cmd}\nEntering configuration mode\n\n[edit]\n${p()}`;
      }
      if (cmd === 'exit' || cmd === 'quit') {
        this.done = true;
        return `${cmd}\n`;
      }
      return undefined;
    }
    let m: RegExpExecArray | null;
    if ((m = /^load (override|merge|replace) (\S+)$/.exec(cmd))) {
      const file = d.files.get(m[2]);
      if (file === undefined) return edit(`error: could not open configuration file: ${m[2]}: No such file or directory`);
      const lines = file.replace(/\r\n/g, '\n').split('\n');
      const bad = d.refusedLine(lines);
      if (bad) {
        // Junos loads what it can parse: the candidate is now partial, to be rolled back
        this.candidate = lines.slice(0, bad.no - 1).join('\n');
        return edit(`${m[2]}:${bad.no}:(1) syntax error: ${bad.line.trim().split(/\s+/)[0]}\n  ${bad.line.trim()}\nload complete (1 errors)`);
      }
      const kept = lines.filter((l) => !d.ignores?.test(l)).join('\n');
      this.candidate = m[1] === 'merge' ? `${this.candidate ?? ''}${kept}` : kept;
      return edit('load complete');
    }
    if ((m = /^rollback( (\d+))?$/.exec(cmd))) {
      const n = Number(m[2] ?? 0);
      if (n >= d.commits.length) return edit(`error: rollback ${n} does not exist`);
      this.candidate = d.commits[n];
      return edit('load complete');
    }
    if ((m = /^commit( confirmed( (\d+))?)?( and-quit)?$/.exec(cmd))) {
      const text = this.render(this.candidate ?? d.running);
      if (text !== d.running) d.setRunning(text);
      this.candidate = d.running;
      if (d.pendingConfirm) {
        clearTimeout(d.pendingConfirm.timer);
        d.pendingConfirm = undefined;
      }
      let note = '';
      if (m[1]) {
        const minutes = Number(m[3] ?? 10);
        const previous = d.commits[1];
        const timer = setTimeout(() => {
          d.pendingConfirm = undefined;
          if (previous !== undefined) d.setRunning(previous);
        }, minutes * 60_000);
        timer.unref();
        d.pendingConfirm = { timer };
        note = `commit confirmed will be automatically rolled back in ${minutes} minutes unless confirmed\n`;
      }
      if (m[4]) {
        this.configMode = false;
        return `${cmd}\n${note}commit complete\nExiting configuration mode\n\n${p()}`;
      }
      return edit(`${note}commit complete`);
    }
    if (cmd === 'exit configuration-mode' || cmd === 'exit' || cmd === 'quit') {
      this.configMode = false;
      this.candidate = undefined;
      return `${cmd}\nExiting configuration mode\n\n${p()}`;
    }
    if (cmd === 'show | compare') return edit('');
    return edit(`error: unknown command: ${cmd.split(/\s+/)[0]}`);
  }

  /** What `show configuration` prints after a commit: comments dropped, a fresh "## Last commit" line. */
  private render(candidate: string): string {
    const body = candidate
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n')
      .replace(/^\n+/, '');
    const stamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    return `## Last commit: ${stamp} by netkeep\n${body.endsWith('\n') ? body : `${body}\n`}`;
  }

  private eos(cmd: string, raw: string): string | undefined {
    const d = this.dev;
    let m: RegExpExecArray | null;
    if (!this.configMode) {
      if ((m = /^configure replace (\S+)( force)?$/.exec(cmd))) {
        const file = d.files.get(m[1]);
        if (file === undefined) return `${cmd}\n% Error copying ${m[1]} to running-config (No such file or directory)\n${d.prompt(false)}`;
        const lines = file.replace(/\r\n/g, '\n').split('\n');
        const bad = d.refusedLine(lines);
        // EOS replaces through a config session: a config with an error is not applied at all
        if (bad) return `${cmd}\n% Invalid input (at line ${bad.no}: ${bad.line.trim()})\n% Configuration replace aborted: the running-config was not changed\n${d.prompt(false)}`;
        d.setRunning(this.eosRender(lines));
        return `${cmd}\n${d.prompt(false)}`;
      }
      if (cmd === 'configure' || cmd === 'configure terminal') {
        this.configMode = true;
        return `${cmd}\n${d.prompt(true)}`;
      }
      return undefined;
    }
    if (cmd === 'end' || cmd === 'exit') {
      this.configMode = false;
      return `${cmd}\n${d.prompt(false)}`;
    }
    if (d.refusedLine([raw])) return `${cmd}\n% Invalid input\n${d.prompt(true)}`;
    if (cmd !== '' && !cmd.startsWith('!')) {
      const lines = d.running.replace(/\n$/, '').split('\n');
      if (!lines.includes(raw.replace(/\s+$/, ''))) {
        const endAt = lines.lastIndexOf('end');
        lines.splice(endAt < 0 ? lines.length : endAt, 0, raw.replace(/\s+$/, ''));
        d.setRunning(`${lines.join('\n')}\n`);
      }
    }
    return `${cmd}\n${d.prompt(true)}`;
  }

  /** EOS prints its own "! device:" header; comments of the file are not kept. */
  private eosRender(lines: string[]): string {
    const header = this.dev.running.split('\n')[0];
    const kept = lines.filter((l) => !/^!\s*\S/.test(l));
    while (kept.length && kept[kept.length - 1].trim() === '') kept.pop();
    return `${header}\n${kept.join('\n')}\n`;
  }

  exec(command: string): DeviceAction[] {
    return this.inner.exec(command);
  }

  file(path: string): string | undefined {
    return this.dev.files.get(path) ?? this.inner.file(path);
  }

  putFile(path: string, content: string): string | undefined {
    const ok = this.dev.platform === 'junos' ? path.startsWith('/var/tmp/') : /^(flash|file):/.test(path);
    if (!ok) return 'Permission denied';
    this.dev.files.set(path, content);
    return undefined;
  }
}
