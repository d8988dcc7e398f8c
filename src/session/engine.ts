// The CLI session engine: runs a driver over a Connection (shell or exec mode) and returns
// the normalised config text plus facts. Transport-agnostic: it only sees bytes.
//
// Shell mode, in order: wait for the first prompt (answering login-time prompts and
// "press any key"), enable mode, setup steps, the driver's commands (pre, main, post),
// teardown, close. Every wait has two deadlines: the idle timeout (silence) and the
// whole-session limit. The prompt is tested against the last line of the receive buffer
// only (cheap and anchored at the end); expect handlers scan only the recent part.

import { isUtf8 } from 'node:buffer';
import { NetkeepError } from '../errors.ts';
import { DEFAULT_TIMEOUTS, type Connection, type Credentials, type ShellChannel, type Timeouts, type CliProtocol } from '../transports/types.ts';
import type { BlockSpec, CommandSpec, Driver, DriverContext, EnableSetting, Facts, OutputProcessor, SessionStep, Step } from '../drivers/types.ts';
import { applyRules, matches } from '../drivers/helpers.ts';


/** Commands whose output is the configuration itself (see CommandSpec.essential). */
const CONFIG_COMMAND = /(running|startup|current)-config|show conf|show run\b|display current|\bexport\b|show configuration|config\.xml|get-config|^show(\s*\|.*)?$|^show full-configuration/i;

/** How most CLIs refuse a command: the error is at the start of the output. */
export const GENERIC_REJECTED =
  /^\s*(% ?(Invalid|Unknown|Unrecognized|Incomplete|Ambiguous)[^\n]*|(Syntax|Parse) error[^\n]*|error: (syntax error|unknown command)[^\n]*|Invalid (command|input)[^\n]*|Unknown (command|action)[^\n]*|Command not found[^\n]*|% ?(Error|Access denied|Authorization failed)[^\n]*)$/im;

export interface SessionOptions {
  driver: Driver;
  credentials?: Credentials;
  /** Driver options (Oxidized vars). */
  vars?: Record<string, unknown>;
  /** Mask secrets (device policy). */
  maskSecrets?: boolean;
  /** The store keeps only significant changes (Oxidized output_store_mode on_significant). */
  significantOnly?: boolean;
  timeouts?: Partial<Timeouts>;
  /** Keep each command's raw output (after CRLF conversion) in the result. */
  keepRaw?: boolean;
  signal?: AbortSignal;
  /** File download (SCP/SFTP) for drivers that need a file besides the CLI (apcaos). */
  fetchFile?: (path: string) => Promise<Buffer>;
}

export interface RawOutput {
  command: string;
  output: string;
}

export interface SessionResult {
  config: string;
  facts: Facts;
  raw?: RawOutput[];
}

const DEFAULT_PASSWORD_PROMPT = /[pP]assword:\s*$/;
const DEFAULT_USERNAME_PROMPT = /(?:[uU]sername|[lL]ogin|User(?: Name)?):\s*$/;
/** A prompt is a line; longer "last lines" are output in progress and are not tested. */
const MAX_PROMPT_LEN = 512;
/** Expect handlers rescan this much already-seen text (from a line start) for matches split over chunks. */
const EXPECT_OVERLAP = 256;
/** Above this size the live (scanned) part of the buffer is compacted. */
const LIVE_MAX = 8192;

interface CompiledHandler {
  re: RegExp;
  all: boolean;
  send?: string;
  action: 'delete' | 'keep' | 'clear';
  replaceWith: string;
  loginOnly: boolean;
  lastEnd: number;
}

type Test = (lastLine: string) => boolean;

interface Waiter {
  test: Test;
  what: string;
  resolve: () => void;
  reject: (e: Error) => void;
  sawData: boolean;
}

function shown(s: string): string {
  const t = s.length > 120 ? s.slice(-120) : s;
  return JSON.stringify(t);
}

/** Reads a ShellChannel: buffer, expect handlers, prompt waits with deadlines. */
class ShellReader {
  /**
   * The receive buffer is `settled.join('') + live`. Only `live` (which always starts at a
   * line start and keeps at least EXPECT_OVERLAP chars of already-seen text) is scanned and
   * rewritten, so a long paged output is not copied or rescanned on every chunk.
   */
  private settled: string[] = [];
  private live = '';
  inLogin = true;
  private waiter: Waiter | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private failure: NetkeepError | undefined;
  private readonly ch: ShellChannel;
  private readonly handlers: CompiledHandler[];
  private readonly idleMs: number;
  private readonly deviceName: string;
  /** Raw bytes received, for diagnostics in errors. */
  received = 0;

  constructor(ch: ShellChannel, driver: Driver, idleMs: number) {
    this.ch = ch;
    this.idleMs = idleMs;
    this.deviceName = driver.id;
    const hs = [...(driver.expect ?? [])];
    for (const p of driver.login?.pressAnyKey ?? []) hs.push({ pattern: p.pattern, send: p.key ?? ' ', action: 'clear' });
    this.handlers = hs.map((h) => ({
      re: new RegExp(h.pattern.source, h.pattern.flags.replace('y', '')),
      all: h.pattern.flags.includes('g'),
      send: h.send,
      action: h.action ?? 'delete',
      replaceWith: h.replaceWith ?? '',
      loginOnly: h.loginOnly ?? false,
      lastEnd: -1,
    }));
    ch.onData((chunk) => this.onChunk(chunk));
    ch.onClose((err) => {
      // A normal logout closes the channel too: build the error only when someone waits or will.
      this.closed = { err };
      if (this.waiter) this.fail(this.closeError());
    });
  }

  private closed: { err?: Error } | undefined;

  /** Why the channel closed: the transport's own classified error, else a reset. */
  private closeError(): NetkeepError {
    const err = this.closed?.err;
    if (err instanceof NetkeepError) return err;
    const why = err ? `: ${err.message}` : '';
    return new NetkeepError('connection_reset', `the device closed the session${why}; check its session limits, ACLs and the driver (${this.deviceName})`, { lastLine: this.lastLine() }, { cause: err });
  }

  /** Empty the buffer. */
  reset(): void {
    this.settled = [];
    this.live = '';
    for (const h of this.handlers) h.lastEnd = -1;
  }

  /** The whole buffer, and empty it. */
  take(): string {
    const out = this.settled.length ? this.settled.join('') + this.live : this.live;
    this.reset();
    return out;
  }

  lastLine(): string {
    return this.live.slice(this.live.lastIndexOf('\n') + 1);
  }

  send(data: string): void {
    if (this.ch.closed) return;
    // UTF-8 on the wire: credentials may hold any character; commands and keys are ASCII
    this.ch.write(Buffer.from(data, 'utf8'));
  }

  private onChunk(chunk: Buffer): void {
    this.received += chunk.length;
    const prevLen = this.live.length;
    this.live += chunk.toString('latin1');
    if (this.handlers.length) this.runExpect(prevLen);
    if (this.live.length > LIVE_MAX) this.compact();
    if (this.waiter) {
      this.waiter.sawData = true;
      this.armIdle();
      this.check();
    }
  }

  /** Move old complete lines out of `live`, keeping EXPECT_OVERLAP chars from a line start. */
  private compact(): void {
    const cut = this.live.lastIndexOf('\n', this.live.length - EXPECT_OVERLAP - 1);
    if (cut <= 0) return;
    this.settled.push(this.live.slice(0, cut + 1));
    this.live = this.live.slice(cut + 1);
    for (const h of this.handlers) h.lastEnd = Math.max(-1, h.lastEnd - (cut + 1));
  }

  private runExpect(prevLen: number): void {
    let from = Math.max(0, prevLen - EXPECT_OVERLAP);
    from = from === 0 ? 0 : this.live.lastIndexOf('\n', from - 1) + 1;
    for (const h of this.handlers) {
      if (h.loginOnly && !this.inLogin) continue;
      const start = Math.min(from, this.live.length);
      const tail = start === 0 ? this.live : this.live.slice(start);
      if (h.all) {
        h.re.lastIndex = 0;
        if (!h.re.test(tail)) continue;
        h.re.lastIndex = 0;
        if (h.action === 'clear') this.reset();
        else if (h.action === 'delete') this.live = this.live.slice(0, start) + tail.replace(h.re, h.replaceWith);
        if (h.send !== undefined) this.send(h.send);
        continue;
      }
      h.re.lastIndex = 0;
      const m = h.re.exec(tail);
      if (!m) continue;
      const at = start + m.index;
      if (h.action === 'keep') {
        if (at + m[0].length <= h.lastEnd) continue;
        h.lastEnd = at + m[0].length;
      } else if (h.action === 'clear') {
        this.reset();
      } else {
        this.live = this.live.slice(0, at) + h.replaceWith + this.live.slice(at + m[0].length);
      }
      if (h.send !== undefined) this.send(h.send);
    }
  }

  private check(): void {
    const w = this.waiter;
    if (!w) return;
    const last = this.lastLine();
    if (last.length > MAX_PROMPT_LEN) return;
    let ok: boolean;
    try {
      ok = w.test(last);
    } catch (err) {
      this.waiter = undefined;
      this.clearIdle();
      w.reject(err as Error);
      return;
    }
    if (ok) {
      this.waiter = undefined;
      this.clearIdle();
      w.resolve();
    }
  }

  private armIdle(): void {
    this.clearIdle();
    this.idleTimer = setTimeout(() => this.onIdle(), this.idleMs);
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private onIdle(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    const last = this.lastLine();
    if (w.sawData && last.trim() !== '') {
      w.reject(new NetkeepError('unexpected_prompt', `waited ${this.idleMs} ms for ${w.what} but the device stopped at ${shown(last)}; check the driver (${this.deviceName}) and the device's prompt, or raise the idle timeout if it is slow`, { lastLine: last }));
    } else {
      w.reject(new NetkeepError('timeout', `no answer within ${this.idleMs} ms while waiting for ${w.what}; the device is slow or stuck: raise the idle timeout or check it`, { lastLine: last }));
    }
  }

  fail(err: NetkeepError): void {
    if (this.failure) return;
    this.failure = err;
    this.clearIdle();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  /** Wait until `test(lastLine)` is true. */
  wait(test: Test, what: string): Promise<void> {
    if (!this.failure && this.closed) this.fail(this.closeError());
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.waiter = { test, what, resolve, reject, sawData: false };
      this.armIdle();
      this.check();
    });
  }

  dispose(): void {
    this.clearIdle();
    this.waiter = undefined;
  }
}

function enableSettingOf(opts: SessionOptions): EnableSetting {
  const v = opts.vars?.enable;
  if (v === true || (typeof v === 'string' && v !== '')) return v;
  if (v === false) return false;
  const p = opts.credentials?.enablePassword;
  return p !== undefined && p !== '' ? p : false;
}

function phaseOf(s: Step): 'pre' | 'main' | 'post' {
  return s.phase ?? 'main';
}

function isBlock(s: Step): s is BlockSpec {
  return typeof (s as BlockSpec).run === 'function';
}

/** Decode the final text: UTF-8 when it is valid UTF-8, else keep one char per byte. */
function decodeText(s: string): string {
  if (!/[^\x00-\x7f]/.test(s)) return s;
  const b = Buffer.from(s, 'latin1');
  return isUtf8(b) ? b.toString('utf8') : s;
}

/**
 * Run a backup session over an open Connection. Closes the connection at the end, on
 * success and on failure.
 */
export async function runSession(conn: Connection, opts: SessionOptions): Promise<SessionResult> {
  try {
    const d = opts.driver;
    let mode = d.mode;
    if (mode === 'exec' && d.shellFallback && (!conn.exec || conn.protocol !== 'ssh' || opts.vars?.ssh_no_exec)) mode = 'shell';
    if (mode === 'exec') return await new Runner(opts, conn.protocol, 'exec').runExec(conn);
    const ch = await conn.shell();
    return await new Runner(opts, conn.protocol, 'shell').runShell(ch);
  } finally {
    conn.close();
  }
}

/** Run a shell-mode session on an already open ShellChannel (does not close it). */
export async function runShellSession(ch: ShellChannel, opts: SessionOptions, protocol: CliProtocol = 'ssh'): Promise<SessionResult> {
  return new Runner(opts, protocol, 'shell').runShell(ch);
}

class Runner {
  private readonly opts: SessionOptions;
  private readonly driver: Driver;
  private readonly timeouts: Timeouts;
  private readonly term: string;
  private readonly ctx: DriverContext;
  private readonly raw: RawOutput[] | undefined;
  private lastRaw = '';
  private runRaw: (command: string) => Promise<string> = async () => {
    throw new NetkeepError('internal', 'session not started');
  };
  private sessionTimer: NodeJS.Timeout | undefined;
  private abortListener: (() => void) | undefined;
  private onFatal: (e: NetkeepError) => void = () => {};

  constructor(opts: SessionOptions, protocol: CliProtocol, mode: 'shell' | 'exec') {
    this.opts = opts;
    this.driver = opts.driver;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.term = this.driver.lineTerminator ?? '\n';
    this.raw = opts.keepRaw ? [] : undefined;
    const self = this;
    const vars: Record<string, unknown> = { ...(opts.vars ?? {}) };
    for (const [name, o] of Object.entries(this.driver.options ?? {})) {
      for (const a of o.aliases ?? []) if (vars[name] === undefined && vars[a] !== undefined) vars[name] = vars[a];
    }
    this.ctx = {
      vars,
      enable: enableSettingOf(opts),
      username: opts.credentials?.username,
      password: opts.credentials?.password,
      maskSecrets: opts.maskSecrets ?? false,
      significantOnly: opts.significantOnly ?? false,
      protocol,
      mode,
      state: {},
      facts: {},
      cmd(command: string, process?: OutputProcessor): Promise<string> {
        return self.cmd(command, process);
      },
    };
    const fetchFile = opts.fetchFile;
    if (fetchFile) this.ctx.fetchFile = async (path: string) => (await fetchFile(path)).toString('latin1');
  }

  private startDeadline(): Promise<never> {
    return new Promise<never>((_, reject) => {
      const fatal = (e: NetkeepError) => {
        this.onFatal(e);
        reject(e);
      };
      this.sessionTimer = setTimeout(
        () => fatal(new NetkeepError('timeout', `the whole session took longer than ${this.timeouts.sessionMs} ms; raise the session limit for this device or check why it is slow`)),
        this.timeouts.sessionMs,
      );
      const sig = this.opts.signal;
      if (sig) {
        this.abortListener = () => fatal(new NetkeepError('timeout', 'the session was cancelled', { reason: String(sig.reason) }));
        if (sig.aborted) this.abortListener();
        else sig.addEventListener('abort', this.abortListener, { once: true });
      }
    });
  }

  private stopDeadline(): void {
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    if (this.abortListener) this.opts.signal?.removeEventListener('abort', this.abortListener);
  }

  /** Fail with command_rejected when the last raw output is the device refusing `command`. */
  private checkRejected(command: string): void {
    const out = this.lastRaw;
    const pattern = this.driver.rejected ?? GENERIC_REJECTED;
    // only the head of the output: a config may legitimately contain such words further down
    const head = out.split('\n', 6).join('\n');
    const m = pattern.exec(head);
    if (m) {
      throw new NetkeepError(
        'command_rejected',
        `the device rejected "${command}" (${m[0].trim()}); check that the account's privilege level allows it and that the driver (${this.driver.id}) fits this device`,
        { command, answer: head.slice(0, 500) },
      );
    }
  }

  /** Run a command and apply cleanup, secret masking, facts and `process`. */
  private async cmd(command: string, process?: OutputProcessor): Promise<string> {
    let out = await this.runRaw(command);
    this.lastRaw = out;
    this.raw?.push({ command, output: out });
    for (const f of this.driver.cleanup ?? []) out = f(out, command, this.ctx);
    for (const r of this.driver.facts ?? []) {
      if (r.command !== command || this.ctx.facts[r.fact] !== undefined) continue;
      r.pattern.lastIndex = 0;
      const m = r.pattern.exec(out);
      if (m?.[1] !== undefined) this.ctx.facts[r.fact] = m[1].trim();
    }
    if (this.ctx.maskSecrets) out = applyRules(out, this.driver.secrets);
    return process ? await process(out, this.ctx) : out;
  }

  private async runStep(step: Step): Promise<string> {
    if (step.when && !step.when(this.ctx)) return '';
    if (isBlock(step)) {
      const r = await step.run(this.ctx);
      return typeof r === 'string' ? r : '';
    }
    const spec = step as CommandSpec;
    const command = typeof spec.command === 'function' ? spec.command(this.ctx) : spec.command;
    let out = await this.cmd(command);
    if (spec.fallback && matches(spec.fallback.when, out)) out = await this.cmd(spec.fallback.command);
    else if (spec.essential ?? CONFIG_COMMAND.test(command)) this.checkRejected(command);
    if (spec.discard) {
      if (spec.process) await spec.process(out, this.ctx);
      return '';
    }
    const r = spec.process ? await spec.process(out, this.ctx) : out;
    return typeof r === 'string' ? r : '';
  }

  private async runCommands(): Promise<string> {
    let config = '';
    for (const phase of ['pre', 'main', 'post'] as const) {
      for (const step of this.driver.commands) if (phaseOf(step) === phase) config += await this.runStep(step);
    }
    return config;
  }

  private result(config: string): SessionResult {
    const r: SessionResult = { config: decodeText(config), facts: { ...this.ctx.facts } };
    if (this.raw) r.raw = this.raw;
    return r;
  }

  async runExec(conn: Connection): Promise<SessionResult> {
    if (!conn.exec) throw new NetkeepError('config_error', `driver ${this.driver.id} runs commands over SSH exec channels, but this connection (${conn.protocol}) has none; use SSH`);
    const exec = conn.exec.bind(conn);
    this.runRaw = async (command) => {
      const r = await exec(command, this.timeouts.idleMs);
      // like net-ssh's exec!: stdout and stderr together, no CRLF conversion
      return r.stdout.toString('latin1') + r.stderr.toString('latin1');
    };
    const deadline = this.startDeadline();
    deadline.catch(() => {});
    try {
      const config = await Promise.race([this.runCommands(), deadline]);
      return this.result(config);
    } finally {
      this.stopDeadline();
    }
  }

  async runShell(ch: ShellChannel): Promise<SessionResult> {
    const d = this.driver;
    const reader = new ShellReader(ch, d, this.timeouts.idleMs);
    this.onFatal = (e) => reader.fail(e);
    const promptRe = new RegExp(d.prompt.source, d.prompt.flags.replace(/[gy]/g, ''));
    const promptTest: Test = (last) => promptRe.test(last);
    const deadline = this.startDeadline();
    deadline.catch(() => {});
    this.runRaw = async (command) => {
      reader.reset();
      reader.send(command + this.term);
      await reader.wait(promptTest, `the prompt after "${command}"`);
      return reader.take().replaceAll('\r\n', '\n');
    };
    const run = async (): Promise<SessionResult> => {
      await this.login(reader);
      reader.inLogin = false;
      const enable = d.enable;
      const enableOn = !!enable && (enable.always || this.ctx.enable !== false);
      if (enableOn && (enable.order ?? 'before') === 'before') await this.doEnable(reader);
      for (const s of d.setup ?? []) await this.setupStep(reader, s);
      if (enableOn && enable.order === 'after') await this.doEnable(reader);
      const config = await this.runCommands();
      const teardown = [...(d.teardown ?? []), ...(enableOn && this.ctx.enable !== false ? (enable.teardown ?? []) : [])];
      for (const s of teardown) this.teardownStep(reader, s);
      return this.result(config);
    };
    try {
      return await Promise.race([run(), deadline]);
    } finally {
      this.stopDeadline();
      reader.dispose();
    }
  }

  private async login(reader: ShellReader): Promise<void> {
    const d = this.driver;
    const promptRe = new RegExp(d.prompt.source, d.prompt.flags.replace(/[gy]/g, ''));
    const userRe = d.login?.username ?? (d.login ? DEFAULT_USERNAME_PROMPT : undefined);
    const passRe = d.login?.password ?? (d.login ? DEFAULT_PASSWORD_PROMPT : undefined);
    let sentUser = 0;
    let sentPass = 0;
    await reader.wait((last) => {
      if (promptRe.test(last)) return true;
      if (userRe && userRe.test(last)) {
        if (sentUser++ > 0 || this.ctx.username === undefined) {
          throw new NetkeepError(sentUser > 1 ? 'auth_failed' : 'config_error', sentUser > 1 ? 'the device asked for the username again: login refused; check the credentials' : 'the device asks for a username but the credential profile has none');
        }
        reader.reset();
        reader.send(this.ctx.username + this.term);
      } else if (passRe && passRe.test(last)) {
        if (sentPass++ > 0 || this.ctx.password === undefined) {
          throw new NetkeepError(sentPass > 1 ? 'auth_failed' : 'config_error', sentPass > 1 ? 'the device asked for the password again: login refused; check the credentials' : 'the device asks for a password but the credential profile has none');
        }
        reader.reset();
        reader.send(this.ctx.password + this.term);
      }
      return false;
    }, `the first prompt (driver ${d.id}, prompt ${d.prompt})`);
    reader.reset();
  }

  private async doEnable(reader: ShellReader): Promise<void> {
    const e = this.driver.enable!;
    const setting = this.ctx.enable;
    const command = e.commandFor ? e.commandFor(setting) : (e.command ?? 'enable');
    const pwRe = e.passwordPrompt ?? DEFAULT_PASSWORD_PROMPT;
    const privRe = new RegExp((e.prompt ?? this.driver.prompt).source, (e.prompt ?? this.driver.prompt).flags.replace(/[gy]/g, ''));
    reader.reset();
    reader.send(command + (e.raw ? '' : this.term));
    const seen = { pw: false };
    await reader.wait((last) => {
      if (pwRe.test(last)) return (seen.pw = true);
      return privRe.test(last);
    }, `the enable password prompt or the privileged prompt after "${command}"`);
    if (seen.pw) {
      let pw: string | undefined;
      const which = e.password ?? 'enable';
      if (typeof setting === 'string') pw = setting;
      if (pw === undefined && which !== 'enable') pw = this.ctx.password;
      if (pw === undefined) {
        if (!e.alwaysAnswerPassword) throw new NetkeepError('config_error', `the device asks for a password after "${command}" but no enable password is configured; set enablePassword in the credential profile`);
        pw = '';
      }
      reader.reset();
      reader.send(pw + this.term);
      const again = { pw: false };
      await reader.wait((last) => {
        if (privRe.test(last)) return true;
        if (pwRe.test(last)) return (again.pw = true);
        return false;
      }, 'the privileged prompt after the enable password');
      if (again.pw) throw new NetkeepError('auth_failed', 'the device refused the enable password; check enablePassword in the credential profile');
    }
    reader.reset();
  }

  private async setupStep(reader: ShellReader, s: SessionStep): Promise<void> {
    if (typeof s === 'string') {
      await this.runRaw(s);
      return;
    }
    if (s.when && !s.when(this.ctx)) return;
    const text = typeof s.send === 'function' ? s.send(this.ctx) : s.send;
    reader.reset();
    reader.send(text + (s.raw ? '' : this.term));
    const wait = s.wait ?? 'prompt';
    const what = s.secret ? 'the answer to a secret' : `the answer to "${text}"`;
    if (wait === 'prompt') await reader.wait((l) => matches(this.driver.prompt, l), what);
    else if (wait instanceof RegExp) await reader.wait((l) => matches(wait, l), `${wait} (${what})`);
    reader.reset();
  }

  private teardownStep(reader: ShellReader, s: SessionStep): void {
    if (typeof s === 'string') {
      reader.send(s + this.term);
      return;
    }
    if (s.when && !s.when(this.ctx)) return;
    const text = typeof s.send === 'function' ? s.send(this.ctx) : s.send;
    reader.send(text + (s.raw ? '' : this.term));
  }
}

/** Whether `text` ends in a prompt of this driver, tested exactly as the engine does (last line only). */
export function promptMatches(driver: Driver, text: string): boolean {
  const last = text.slice(text.lastIndexOf('\n') + 1);
  if (last.length > MAX_PROMPT_LEN) return false;
  return matches(driver.prompt, last);
}

/** The driver's expect handlers' buffer rewrites applied once to `text` (no keystrokes are sent). */
export function applyExpectRewrites(driver: Driver, text: string): string {
  for (const h of driver.expect ?? []) {
    const re = new RegExp(h.pattern.source, h.pattern.flags.replace('y', ''));
    if (!matches(re, text)) continue;
    const action = h.action ?? 'delete';
    if (action === 'clear') text = '';
    else if (action === 'delete') text = text.replace(re, h.replaceWith ?? '');
  }
  return text;
}
