// The git mirror: one repository (DATA_DIR/git by default, bare), one file per device in a folder
// per group, one commit per changed config, written in batches with `git fast-import`, and an
// optional push to a remote. It is a copy for people and tools that want `git log -p`, never the
// source of truth: its failures are reported and retried, and never block or fail a backup.
import { mkdirSync, existsSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './git.ts';

export interface MirrorChange {
  deviceName: string;
  group?: string | null;
  text: string | Buffer;
  at: Date;
  trigger: string;
  historyId?: string;
}

export interface MirrorRemote {
  url: string;
  /** Private key file for SSH remotes. */
  sshKeyPath?: string;
  /** Token for HTTPS remotes (sent as HTTP basic auth; never written to the repository config). */
  token?: string;
  username?: string;
}

export interface GitMirrorOptions {
  dir: string;
  branch?: string;
  remote?: MirrorRemote;
  /** Flush automatically this long after the first queued change (default 2000 ms; 0 = only on flush()). */
  flushDelayMs?: number;
  /** Push retries: attempts and backoff (default 6 attempts from 1 s, doubling, at most 5 min apart). */
  pushAttempts?: number;
  pushBaseDelayMs?: number;
  pushMaxDelayMs?: number;
  /** Told about every flush and push outcome (for logs and metrics). */
  onEvent?: (e: MirrorEvent) => void;
}

export type MirrorEvent =
  | { type: 'commit'; commits: number }
  | { type: 'commit_failed'; error: string; queued: number }
  | { type: 'push'; attempt: number }
  | { type: 'push_failed'; attempt: number; error: string; retryInMs: number | null };

export interface MirrorStatus {
  queued: number;
  commits: number;
  lastCommitAt: Date | null;
  lastError: string | null;
  lastPushAt: Date | null;
  lastPushError: string | null;
  pushFailures: number;
}

/** Folder/file name for a device: group folder (or "default"), file named after the device. */
export function mirrorPath(deviceName: string, group?: string | null): string {
  const clean = (s: string) => s.replace(/[\x00-\x1f\x7f/\\]+/g, '_').replace(/^\.+/, '_').slice(0, 200) || '_';
  return `${clean(group || 'default')}/${clean(deviceName)}`;
}

export class GitMirror {
  readonly dir: string;
  readonly branch: string;
  private readonly o: GitMirrorOptions;
  private queue: MirrorChange[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private pushing: Promise<void> | undefined;
  private pushAgain = false;
  private readonly st: MirrorStatus = { queued: 0, commits: 0, lastCommitAt: null, lastError: null, lastPushAt: null, lastPushError: null, pushFailures: 0 };

  constructor(o: GitMirrorOptions) {
    this.o = o;
    this.dir = o.dir;
    this.branch = o.branch ?? 'main';
  }

  status(): MirrorStatus {
    return { ...this.st, queued: this.queue.length };
  }

  async init(): Promise<void> {
    if (existsSync(join(this.dir, 'HEAD'))) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await git(['init', '--quiet', '--bare', `--initial-branch=${this.branch}`, this.dir]);
    await git(['-C', this.dir, 'config', 'gc.auto', '0']);
  }

  /** Queue a changed config; never throws, never waits for git. */
  enqueue(c: MirrorChange): void {
    this.queue.push(c);
    const delay = this.o.flushDelayMs ?? 2000;
    if (delay > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, delay);
      this.timer.unref();
    }
  }

  /**
   * Commit everything queued in one fast-import run (one commit per change, in time order).
   * On failure the changes stay queued for the next flush. Then push, in the background.
   */
  flush(): Promise<{ commits: number; error?: string }> {
    const run = this.running.then(() => this.doFlush());
    this.running = run.catch(() => {});
    return run;
  }

  private async doFlush(): Promise<{ commits: number; error?: string }> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue.splice(0);
    if (!batch.length) return { commits: 0 };
    batch.sort((a, b) => a.at.getTime() - b.at.getTime());
    try {
      await this.init();
      const ref = `refs/heads/${this.branch}`;
      const exists = (await git(['-C', this.dir, 'rev-parse', '--verify', '-q', ref], { allowFail: true })).code === 0;
      const parts: Buffer[] = [];
      batch.forEach((c, i) => {
        const secs = Math.floor(c.at.getTime() / 1000);
        const msg = Buffer.from(`${c.deviceName}: ${c.trigger} backup at ${c.at.toISOString()}\n${c.historyId ? `\nnetkeep-history: ${c.historyId}\n` : ''}`, 'utf8');
        const data = typeof c.text === 'string' ? Buffer.from(c.text, 'utf8') : c.text;
        parts.push(
          Buffer.from(`commit ${ref}\nauthor netkeep <netkeep@localhost> ${secs} +0000\ncommitter netkeep <netkeep@localhost> ${secs} +0000\ndata ${msg.length}\n`),
          msg,
          Buffer.from(i === 0 && exists ? `from ${ref}^0\n` : ''),
          Buffer.from(`M 100644 inline ${quotePath(mirrorPath(c.deviceName, c.group))}\ndata ${data.length}\n`),
          data,
          Buffer.from('\n'),
        );
      });
      parts.push(Buffer.from('done\n'));
      await git(['-C', this.dir, 'fast-import', '--quiet', '--done'], { input: Buffer.concat(parts) });
      this.st.commits += batch.length;
      this.st.lastCommitAt = new Date();
      this.st.lastError = null;
      this.o.onEvent?.({ type: 'commit', commits: batch.length });
      if (this.o.remote) this.schedulePush();
      return { commits: batch.length };
    } catch (err) {
      this.queue.unshift(...batch);
      const error = `git mirror in ${this.dir}: could not commit ${batch.length} change(s): ${(err as Error).message}; they stay queued and are retried with the next flush. Backups are not affected`;
      this.st.lastError = error;
      this.o.onEvent?.({ type: 'commit_failed', error, queued: this.queue.length });
      return { commits: 0, error };
    }
  }

  private schedulePush(): void {
    if (this.pushing) {
      this.pushAgain = true;
      return;
    }
    this.pushing = this.pushWithRetry().then(() => undefined).finally(() => {
      this.pushing = undefined;
      if (this.pushAgain) {
        this.pushAgain = false;
        this.schedulePush();
      }
    });
  }

  /** Wait for a push in progress (tests, shutdown). */
  async idle(): Promise<void> {
    await this.running;
    while (this.pushing) await this.pushing;
  }

  /** Push the branch, retrying with exponential backoff; never throws. */
  async pushWithRetry(): Promise<{ ok: boolean; attempts: number; error?: string }> {
    const remote = this.o.remote;
    if (!remote) return { ok: true, attempts: 0 };
    const attempts = this.o.pushAttempts ?? 6;
    let delay = this.o.pushBaseDelayMs ?? 1000;
    let last = '';
    for (let i = 1; i <= attempts; i++) {
      this.o.onEvent?.({ type: 'push', attempt: i });
      try {
        await git(['-C', this.dir, ...remoteConfigArgs(remote), 'push', '--quiet', remote.url, `refs/heads/${this.branch}:refs/heads/${this.branch}`], { env: remoteEnv(this.dir, remote) });
        this.st.lastPushAt = new Date();
        this.st.lastPushError = null;
        return { ok: true, attempts: i };
      } catch (err) {
        last = redact((err as Error).message, remote);
        this.st.pushFailures++;
        this.st.lastPushError = `push to ${redact(remote.url, remote)} failed (attempt ${i} of ${attempts}): ${last}; check the remote URL, its credentials and that the branch is not protected`;
        const retryIn = i < attempts ? delay : null;
        this.o.onEvent?.({ type: 'push_failed', attempt: i, error: this.st.lastPushError, retryInMs: retryIn });
        if (retryIn === null) break;
        await new Promise((r) => setTimeout(r, retryIn).unref());
        delay = Math.min(delay * 2, this.o.pushMaxDelayMs ?? 300_000);
      }
    }
    return { ok: false, attempts, error: this.st.lastPushError ?? last };
  }
}

function quotePath(p: string): string {
  return /^[^"\\\n\s]+$/.test(p) && !p.startsWith('"') ? p : JSON.stringify(p);
}

function remoteConfigArgs(r: MirrorRemote): string[] {
  if (!r.token) return [];
  const basic = Buffer.from(`${r.username ?? 'x-access-token'}:${r.token}`).toString('base64');
  return ['-c', `http.extraHeader=Authorization: Basic ${basic}`, '-c', 'credential.helper='];
}

function remoteEnv(dir: string, r: MirrorRemote): NodeJS.ProcessEnv {
  if (!r.sshKeyPath) return {};
  const wrapper = join(dir, 'netkeep-ssh.sh');
  if (!existsSync(wrapper)) {
    writeFileSync(wrapper, '#!/bin/sh\nexec ssh -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -i "$NETKEEP_GIT_SSH_KEY" "$@"\n', { mode: 0o700 });
    chmodSync(wrapper, 0o700);
  }
  return { GIT_SSH: wrapper, NETKEEP_GIT_SSH_KEY: r.sshKeyPath };
}

function redact(s: string, r: MirrorRemote): string {
  let out = s;
  if (r.token) out = out.split(r.token).join('***');
  return out.replace(/(https?:\/\/[^:@/\s]+:)[^@/\s]+@/g, '$1***@');
}
