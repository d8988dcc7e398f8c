// Replay of recorded device sessions (Oxidized `*simulation.yaml` files).
// Format and decoding: test/fixtures/recordings/README.md. Keys are YAML-decoded only;
// values, init_prompt and oxidized_output are YAML-decoded, then Ruby-`undump`ed, and
// handled as byte strings (latin1, one char per byte).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { SimError, type DeviceAction, type DeviceSession, type SimAuth, type SimDevice } from './types.ts';

export interface RecordingEntry {
  key: string;
  value: string;
}

export interface Recording {
  /** `<model>#<device>` when loaded from a file. */
  name: string;
  model: string;
  device: string;
  initPrompt: string;
  /** 'map': keys in any order, repeatable; 'list': exactly the next item each time. */
  form: 'map' | 'list';
  entries: RecordingEntry[];
  /** Expected backup embedded in custom recordings (cumulus). */
  oxidizedOutput?: string;
}

const SIMPLE: Record<string, string> = {
  n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', e: '\x1b', b: '\b', a: '\x07', '"': '"', '\\': '\\', '#': '#',
};

/** Ruby `String#undump` on the YAML-decoded text (without the surrounding quotes), as bytes (latin1). */
export function rubyUndump(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      i++;
      continue;
    }
    const n = s[i + 1];
    const simple = SIMPLE[n];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (n === 'u') {
      let cp: number;
      if (s[i + 2] === '{') {
        const end = s.indexOf('}', i + 3);
        if (end < 0) throw new SimError(`malformed \\u{...} escape at offset ${i}`);
        cp = parseInt(s.slice(i + 3, end), 16);
        i = end + 1;
      } else {
        const hex = s.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SimError(`malformed \\u escape at offset ${i}`);
        cp = parseInt(hex, 16);
        i += 6;
      }
      out += Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
    } else {
      out += c + n; // any other pair stays, backslash included
      i += 2;
    }
  }
  return out;
}

function decodeValue(v: unknown, where: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') throw new SimError(`${where}: expected a string value, got ${typeof v}`);
  return rubyUndump(v);
}

/** Parse the text of a simulation file. `name` is `<model>#<device>` (used in messages). */
export function parseRecording(text: string, name = 'recording'): Recording {
  const doc = parse(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new SimError(`${name}: not a YAML mapping`);
  const [model = '', device = ''] = name.split('#');
  const cmds = doc.commands;
  const entries: RecordingEntry[] = [];
  let form: 'map' | 'list';
  if (Array.isArray(cmds)) {
    form = 'list';
    for (const [idx, item] of cmds.entries()) {
      if (!item || typeof item !== 'object' || Object.keys(item).length !== 1) {
        throw new SimError(`${name}: commands[${idx}] must be a one-pair mapping`);
      }
      const [k, v] = Object.entries(item as Record<string, unknown>)[0];
      entries.push({ key: k, value: decodeValue(v, `${name}: ${JSON.stringify(k)}`) });
    }
  } else if (cmds && typeof cmds === 'object') {
    form = 'map';
    for (const [k, v] of Object.entries(cmds as Record<string, unknown>)) {
      entries.push({ key: k, value: decodeValue(v, `${name}: ${JSON.stringify(k)}`) });
    }
  } else if (cmds === undefined || cmds === null) {
    form = 'map';
  } else {
    throw new SimError(`${name}: "commands" must be a mapping or a list`);
  }
  const rec: Recording = { name, model, device, initPrompt: decodeValue(doc.init_prompt, `${name}: init_prompt`), form, entries };
  if (doc.oxidized_output !== undefined) rec.oxidizedOutput = decodeValue(doc.oxidized_output, `${name}: oxidized_output`);
  return rec;
}

/** Load a `<model>#<device>#[custom_]simulation.yaml` file. */
export function loadRecording(path: string): Recording {
  const base = basename(path);
  const parts = base.split('#');
  const name = parts.length >= 3 ? `${parts[0]}#${parts[1]}` : base;
  return parseRecording(readFileSync(path, 'latin1'), name);
}

const LOGOUT = new Set(['exit', 'quit', 'logout']);

/**
 * One conversation with a recorded device. State is explicit: the list cursor, the input
 * buffer, the log of keys answered; `overrides` lets a later restore change answers
 * (e.g. the running config after a push).
 */
export class RecordingSession implements DeviceSession {
  readonly recording: Recording;
  /** Keys answered, in order (for tests and diagnostics). */
  readonly answered: string[] = [];
  /** Answers that replace the recorded value for a key (device state changed by a push). */
  readonly overrides: Map<string, string>;
  private buf = '';
  private cursor = 0;
  private done = false;
  private readonly map: Map<string, string> | undefined;
  /** Every proper prefix of every key (map form), so a partial input is checked in O(1). */
  private readonly prefixes: Set<string> | undefined;

  constructor(recording: Recording, overrides?: Map<string, string>) {
    this.recording = recording;
    this.overrides = overrides ?? new Map();
    if (recording.form === 'map') {
      this.map = new Map();
      this.prefixes = new Set();
      for (const e of recording.entries) {
        this.map.set(e.key, e.value);
        for (let i = 1; i < e.key.length; i++) this.prefixes.add(e.key.slice(0, i));
      }
    }
  }

  get finished(): boolean {
    return this.done;
  }

  /** Items of a list recording not consumed yet. */
  get remaining(): number {
    return this.recording.form === 'list' ? this.recording.entries.length - this.cursor : 0;
  }

  greeting(): DeviceAction[] {
    return this.recording.initPrompt ? [{ kind: 'send', data: this.recording.initPrompt }] : [];
  }

  private answer(key: string, value: string): DeviceAction[] {
    this.answered.push(key);
    const v = this.overrides.get(key) ?? value;
    const word = key.replace(/\n$/, '').trim();
    if (LOGOUT.has(word)) this.done = true;
    return v ? [{ kind: 'send', data: v }] : [];
  }

  input(data: string): DeviceAction[] {
    const actions: DeviceAction[] = [];
    for (const ch of data) {
      this.buf += ch;
      const hit = this.lookup(this.buf);
      if (hit !== undefined) {
        const key = this.buf;
        this.buf = '';
        actions.push(...this.answer(key, hit));
      } else if (!this.canBecomeKey(this.buf)) {
        const expected =
          this.recording.form === 'list'
            ? this.cursor < this.recording.entries.length
              ? `the next recorded key is ${JSON.stringify(this.recording.entries[this.cursor].key)}`
              : 'the recording has no more items'
            : 'no recorded key starts with it';
        throw new SimError(`${this.recording.name}: unexpected input ${JSON.stringify(this.buf)}; ${expected}`);
      }
    }
    return actions;
  }

  private lookup(buf: string): string | undefined {
    if (this.map) return this.map.get(buf);
    const e = this.recording.entries[this.cursor];
    if (e && e.key === buf) {
      this.cursor++;
      return e.value;
    }
    return undefined;
  }

  private canBecomeKey(buf: string): boolean {
    if (this.map) return this.prefixes!.has(buf) || this.map.has(buf);
    const e = this.recording.entries[this.cursor];
    return !!e && e.key.startsWith(buf);
  }

  /** Recorded files are entries whose key is a path without a line terminator (apcaos' config.ini). */
  file(path: string): string | undefined {
    if (path.endsWith('\n')) return undefined;
    return this.recording.entries.find((e) => e.key === path)?.value;
  }

  exec(command: string): DeviceAction[] {
    const key = command + '\n';
    const hit = this.lookup(key);
    if (hit === undefined) throw new SimError(`${this.recording.name}: no recorded answer for exec command ${JSON.stringify(command)}`);
    return this.answer(key, hit);
  }
}

/** A simulated device backed by a recording: every connection gets a fresh session. */
export class RecordingDevice implements SimDevice {
  readonly name: string;
  readonly auth: SimAuth;
  readonly execMode: boolean;
  readonly recording: Recording;
  /** Device state shared by its sessions: answers changed by pushes (restore, later). */
  readonly overrides = new Map<string, string>();
  /** Sessions created, newest last (tests inspect them). */
  readonly sessions: RecordingSession[] = [];

  constructor(recording: Recording, opts: { auth?: SimAuth; execMode?: boolean } = {}) {
    this.recording = recording;
    this.name = recording.name;
    this.auth = opts.auth ?? {};
    this.execMode = opts.execMode ?? false;
  }

  newSession(): RecordingSession {
    const s = new RecordingSession(this.recording, this.overrides);
    this.sessions.push(s);
    return s;
  }
}
