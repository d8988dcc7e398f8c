// The declarative driver format. A driver describes one platform as data: how to log in,
// which prompt it shows, how to get past pagers, which commands to run and how to clean
// their output. Functions appear only where a platform needs code (e.g. IOS rebuilding
// `show version`). A driver never opens a socket; the session engine (src/session/) runs
// it over any transport that implements Connection/ShellChannel.
//
// Conventions (read these before writing a driver):
// * All text handled by a driver is a "byte string": one JS char per received byte
//   (latin1), exactly like Oxidized's binary Ruby strings. The engine decodes the final
//   config as UTF-8 only at the very end (when it is valid UTF-8).
// * Regexes that come from Oxidized are Ruby regexes: port them with `rb()` from
//   ./helpers.ts, which translates Ruby's `^ $ . \h \A \z \Z (?'n') /m /x` exactly
//   (Ruby `^`/`$` are line anchors that ignore CR; Ruby `/m` is JS dotAll).
// * "Lines" are Ruby-style: each line keeps its `\n`; a last line without `\n` is a line.
//
// This file is a stable contract for every driver author. Add optional fields only.

import type { CliProtocol } from '../transports/types.ts';

/** Facts a driver may extract from the device output. */
export interface Facts {
  model?: string;
  osVersion?: string;
  serial?: string;
}

export type FactName = keyof Facts;

/** `enable` as Oxidized knows it: off, on without password, or on with this password. */
export type EnableSetting = false | true | string;

/**
 * What a driver's functions can see and do while a session runs. One context per session.
 */
export interface DriverContext {
  /** Driver options (Oxidized `vars`), e.g. `{ cumulus_use_nvue: true }`. Declared in `Driver.options`. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Enable mode: from `vars.enable`, else the credential's enablePassword, else false. */
  readonly enable: EnableSetting;
  /** Login username/password (some platforms reuse the login password, e.g. vsololt, eatonnetwork). */
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** True when the device policy asks for secrets to be masked (Oxidized `remove_secret`). */
  readonly maskSecrets: boolean;
  /** True when the store keeps only significant changes (Oxidized `output_store_mode: on_significant`). */
  readonly significantOnly: boolean;
  /** Transport protocol in use. */
  readonly protocol: CliProtocol;
  /** How this session runs: interactive shell, or one SSH exec channel per command. */
  readonly mode: 'shell' | 'exec';
  /** Scratch state shared by the commands of one session (flags like "vdom enabled", the major version...). */
  readonly state: Record<string, unknown>;
  /** Facts collected so far; functions may set them. */
  readonly facts: Facts;
  /**
   * Run one more command (shell: send + wait for prompt; exec: own channel) and return its
   * output after the driver's `cleanup` (and secret masking when on), then `process` if given.
   * Used by `run`/`process` blocks that need further commands (asa `more`, junos post, ...).
   */
  cmd(command: string, process?: OutputProcessor): Promise<string>;
  /**
   * Download a file from the device (SCP/SFTP), as a byte string, when the caller provides
   * a file transport (apcaos' config.ini). Undefined when none is available.
   */
  fetchFile?: (path: string) => Promise<string>;
}

/** Per-command processing: gets the cleaned output, returns the text that goes into the backup. */
export type OutputProcessor = (output: string, ctx: DriverContext) => string | Promise<string>;

/** The step every command output goes through first (Oxidized `cmd :all`). `command` is the command sent. */
export type CleanupFn = (output: string, command: string, ctx: DriverContext) => string;

/** A regex rewrite. `replace` follows JS `String.replace` (use `$1`, `$<name>`); the `g` flag decides sub vs gsub. */
export interface RewriteRule {
  pattern: RegExp;
  replace: string | ((match: string, ...groups: any[]) => string);
}

/** A rewrite rule, or a whole-text function (for e.g. JSON configs). */
export type TextRule = RewriteRule | ((text: string) => string);

/**
 * Expect handler (Oxidized `expect`): tried on every received chunk, in order, against the
 * recent part of the receive buffer: the engine scans from a line start about 256 chars
 * before the new chunk, so `^` anchors still work, a match split over two chunks is found,
 * and old output is not rescanned. Keep patterns to one or two lines.
 */
export interface ExpectHandler {
  /** What to look for. Use `g` to rewrite every occurrence (e.g. escape codes), else the first is rewritten. */
  pattern: RegExp;
  /** Keystrokes to send when it matches (sent raw, no line terminator). */
  send?: string;
  /** How to rewrite the buffer: 'delete' the match (default), 'keep' it, or 'clear' the whole buffer. */
  action?: 'delete' | 'keep' | 'clear';
  /** Replacement text when action is 'delete' (default ''). */
  replaceWith?: string;
  /** Only during login (before the first prompt). */
  loginOnly?: boolean;
}

/**
 * One setup (post-login) or teardown (pre-logout) step.
 * A plain string is a command: sent with the line terminator, then the engine waits for the prompt
 * (setup) or does not wait (teardown). Setup output is thrown away.
 */
export type SessionStep =
  | string
  | {
      /** Text to send; a function can use credentials/vars (e.g. a password). */
      send: string | ((ctx: DriverContext) => string);
      /** Send as is, without the line terminator. */
      raw?: boolean;
      /** What to wait for afterwards: the prompt (default in setup), a regex, or nothing (default in teardown). */
      wait?: 'prompt' | 'none' | RegExp;
      /** Only when this returns true. */
      when?: (ctx: DriverContext) => boolean;
      /** The text sent is a secret: never log or echo it in errors. */
      secret?: boolean;
    };

/**
 * Enable mode. The engine runs it only when `ctx.enable` is not false, or always when
 * `always` is set: sends `command`, then if the device asks for a password (matches
 * `passwordPrompt`) sends the password, then waits for `prompt` (default: the driver prompt).
 */
export interface EnableSpec {
  /** Default 'enable'. */
  command?: string;
  /** Send the command without the line terminator (rare). */
  raw?: boolean;
  /** Default /[pP]assword:\s*$/ . */
  passwordPrompt?: RegExp;
  /** Which password to answer with: the enable password (default), or the login one, or enable-then-login. */
  password?: 'enable' | 'login' | 'enable-or-login';
  /** Wait for the password prompt even when no password is configured and answer an empty line (quantaos, vsololt). */
  alwaysAnswerPassword?: boolean;
  /** Prompt of the privileged mode (default: the driver prompt). */
  prompt?: RegExp;
  /** Run even when enable is not configured (fsos, quantaos, vsololt). */
  always?: boolean;
  /** Run before ('before', default) or after the driver's `setup` steps. */
  order?: 'before' | 'after';
  /** Extra teardown steps when enable was used (e.g. one more `exit`). */
  teardown?: SessionStep[];
  /** Choose the command from the enable setting (cumulus: `sudo su -` vs `su -`). */
  commandFor?: (enable: EnableSetting) => string;
}

/** Telnet/SSH-keyboard login dialogue. */
export interface LoginSpec {
  /** Username prompt (telnet). Default /(?:[uU]sername|[lL]ogin|User):\s*$/ . */
  username?: RegExp;
  /** Password prompt (telnet). Default /[pP]assword:\s*$/ . */
  password?: RegExp;
  /** "Press any key to continue" and similar: the engine sends `key` (default a space) and clears the buffer. */
  pressAnyKey?: { pattern: RegExp; key?: string }[];
}

/** Declarative fact extraction: first capture group of `pattern` in the cleaned output of `command`. */
export interface FactRule {
  fact: FactName;
  /** The command (as sent) whose output holds the fact. */
  command: string;
  /** Ruby-ported regex; group 1 is the value. */
  pattern: RegExp;
}

/** One command of the backup. Its result is appended to the backup text in declaration order. */
export interface CommandSpec {
  /** The command line sent (without terminator). A function may choose it from vars/state. */
  command: string | ((ctx: DriverContext) => string);
  /** Run only when this returns true (Oxidized `if:`, vars, flags set by earlier commands). */
  when?: (ctx: DriverContext) => boolean;
  /**
   * If the cleaned output matches `when`, run `command` instead and use that output
   * (nxos `show inventory all` → `show inventory`, tnsr `show version all` → `show version`).
   */
  fallback?: { when: RegExp; command: string };
  /** Own block (Oxidized `cmd 'x' do ... end`). Without it the cleaned output is kept as it is. */
  process?: OutputProcessor;
  /** The output is only for facts/flags: it contributes "" to the backup. */
  discard?: boolean;
  /** Where the result goes: 'pre' before, 'main' (default), 'post' after all main commands. */
  phase?: 'pre' | 'main' | 'post';
  /**
   * This command's output is the configuration itself: if the device rejects it (the driver's
   * `rejected` pattern, or the generic one), the backup fails with `command_rejected` instead of
   * storing an error message as a config. Default: true for commands that look like a config
   * dump (running-config, startup-config, show configuration, export, ...), false otherwise —
   * informational commands that old firmware lacks stay tolerated, as in Oxidized.
   */
  essential?: boolean;
}

/**
 * A block of code in place of a command (Oxidized `pre`/`post` blocks that run several
 * commands or pick one from earlier results, e.g. junos' model-dependent commands).
 */
export interface BlockSpec {
  run: (ctx: DriverContext) => string | Promise<string>;
  when?: (ctx: DriverContext) => boolean;
  phase?: 'pre' | 'main' | 'post';
  /** For docs/listing only. */
  label?: string;
}

export type Step = CommandSpec | BlockSpec;

/** A driver option (Oxidized `vars`), with its type, for validation and documentation. */
export interface DriverOption {
  type: 'boolean' | 'string' | 'boolean|string';
  description: string;
  /** Older names accepted too (e.g. fortigate's `fortios_autoupdate`). */
  aliases?: string[];
}

/**
 * How netkeep restores a stored config to this platform (src/restore/). Without the optional
 * hooks below a CLI platform can only be restored by merge: the lines are typed in config mode
 * (`configure terminal` … `end`).
 */
export interface RestoreSpec {
  /** replace: the device replaces the whole config; merge: lines are applied on top. */
  method: 'replace' | 'merge';
  /** What the method does on this platform, in a sentence (shown by the API and the CLI). */
  notes?: string;
  /**
   * Replace: the config is uploaded by SCP to this path, then `replace(path)` makes it the
   * running config. Absent: the platform has no replace netkeep can drive (merge only).
   */
  replaceFile?: string;
  /** The commands that replace the running config with the uploaded file. */
  replace?: (path: string, o: { confirmMinutes: number }) => string[];
  /** Commit-confirm platforms: the commands that confirm a replace after verification passed. */
  confirm?: string[];
  /** Commit-confirm platforms: the commands that roll the replace back at once (else the timer does). */
  rollback?: string[];
  /** Commands that abandon a half-done change before anything was committed (Junos: `rollback 0`). */
  abandon?: string[];
  /** false: the platform cannot be restored by typing its config lines (Junos' braces). Default true. */
  merge?: boolean;
  /** Merge: commands before and after the config lines. Default ['configure terminal'] / ['end']. */
  mergeEnter?: string[];
  mergeExit?: string[];
  /** How the device refuses a config line or a load (default GENERIC_REJECTED of session/engine.ts). */
  rejected?: RegExp;
  /** Lines that are not configuration (comments, `!` separators) and are never compared or sent. Default: lines starting with the comment character. */
  commentLine?: RegExp;
}

/** A platform driver. */
export interface Driver {
  /** Short, stable id (`ios`, `nxos`); the Oxidized model name when Oxidized has the platform. */
  id: string;
  /** Other names that select this driver (Oxidized model names, common names). */
  aliases?: string[];
  vendor: string;
  /** Human name of the platform / OS. */
  platform: string;
  /** Supported CLI protocols, preferred first. */
  protocols: CliProtocol[];
  /** 'shell': interactive pty with prompts. 'exec': each command on its own SSH exec channel. */
  mode: 'shell' | 'exec';
  /**
   * For exec-mode drivers: run in shell mode (prompt, setup, teardown) when exec is not
   * possible (telnet) or the option `ssh_no_exec` is set, like Oxidized's junos/routeros.
   */
  shellFallback?: boolean;
  /**
   * Prompt regex, tested by the engine against the LAST LINE of the receive buffer only
   * (after expect handlers ran). Write it anchored (`^...$`); no `m` flag needed.
   * Oxidized's prompt regexes match anywhere; the engine is stricter on purpose: output that
   * merely contains a prompt-looking line does not end a command.
   */
  prompt: RegExp;
  /** Comment prefix used for informational output (`! `, `# `, `; `). Default '# '. */
  comment?: string;
  /** Line terminator sent after each command. Default '\n'. */
  lineTerminator?: string;
  /** Login dialogue (telnet, keyboard-interactive lookalikes, press-any-key). */
  login?: LoginSpec;
  /** Enable mode. */
  enable?: EnableSpec;
  /** Expect handlers: pagers, banners, escape codes. Run in order on every chunk. */
  expect?: ExpectHandler[];
  /** Steps after login (paging off, terminal width...). Output discarded. */
  setup?: SessionStep[];
  /** Steps before logout (exit...). Sent without waiting; answers are not read. */
  teardown?: SessionStep[];
  /** The backup: commands and blocks in declaration order (`phase` reorders pre/post). */
  commands: Step[];
  /** How this platform says "I refuse that command"; default GENERIC_REJECTED in session/engine.ts. */
  rejected?: RegExp;
  /** Applied to every command output first (Oxidized `cmd :all`). Functions run in order. */
  cleanup?: CleanupFn[];
  /**
   * Secret masking (Oxidized `cmd :secret`), applied to every command output after `cleanup`,
   * only when the device policy asks (`maskSecrets`). Also used by `applySecretMasking`.
   */
  secrets?: TextRule[];
  /** Volatile-content filter (Oxidized `cmd :significant_changes`): what is left is compared to decide "changed". */
  significant?: TextRule[];
  /** Declarative fact extraction; drivers may also set `ctx.facts` from `process`. */
  facts?: FactRule[];
  /** Driver options (Oxidized vars) this driver reads. */
  options?: Record<string, DriverOption>;
  /** Restore: replace or merge, and the commands it takes (src/restore/). */
  restore?: RestoreSpec;
  /** Free text for docs: quirks, what is not supported (e.g. apcaos' SCP part). */
  notes?: string;
}
