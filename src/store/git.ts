// Running the system `git`: whole output as bytes, a clear error when it fails, and a
// `cat-file --batch` reader for many blobs through one process.
import { spawn } from 'node:child_process';
import { NetkeepError } from '../errors.ts';

export interface GitResult {
  stdout: Buffer;
  stderr: string;
}

export function git(args: string[], o: { cwd?: string; input?: Buffer | string; env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}): Promise<GitResult & { code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: o.cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) =>
      reject(new NetkeepError('config_error', `cannot run git (${(e as Error).message}); install git (apt-get install git) and make sure it is on PATH`, undefined, { cause: e })),
    );
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const r = { stdout: Buffer.concat(out), stderr, code: code ?? -1 };
      if (code !== 0 && !o.allowFail) {
        reject(new NetkeepError('internal', `git ${args[0]} failed (exit ${code}): ${stderr.split('\n').slice(-3).join(' / ') || 'no message'}`, { args, stderr }));
        return;
      }
      resolve(r);
    });
    child.stdin.on('error', () => {}); // a git that exits early closes its stdin
    if (o.input !== undefined) child.stdin.end(o.input);
    else child.stdin.end();
  });
}

/** Reads many objects through one `git cat-file --batch`. */
export class CatFile {
  private readonly child;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (b: Buffer | undefined) => void; reject: (e: Error) => void }[] = [];
  private closed = false;

  constructor(repo: string) {
    this.child = spawn('git', ['-C', repo, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.drain();
    });
    this.child.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error('git cat-file ended early'));
    });
  }

  private drain(): void {
    while (this.waiting.length) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) return;
      const header = this.buf.subarray(0, nl).toString('utf8');
      if (header.endsWith(' missing')) {
        this.buf = this.buf.subarray(nl + 1);
        this.waiting.shift()!.resolve(undefined);
        continue;
      }
      const size = Number(header.split(' ')[2]);
      if (this.buf.length < nl + 1 + size + 1) return;
      const body = Buffer.from(this.buf.subarray(nl + 1, nl + 1 + size));
      this.buf = this.buf.subarray(nl + 1 + size + 1);
      this.waiting.shift()!.resolve(body);
    }
  }

  /** The object's bytes ("<commit>:<path>" or a sha), or undefined when missing. */
  read(spec: string): Promise<Buffer | undefined> {
    if (this.closed) return Promise.reject(new Error('git cat-file is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${spec}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
