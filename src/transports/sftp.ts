// File transfer over SSH: SFTP (ssh2's client) or SCP (exec channel), on the SSH transport's
// connection set-up (algorithm profiles, host-key pinning, deadlines). Reads and writes whole
// files; a missing or unreadable file is a command_rejected failure that names the path.
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { NetkeepError } from '../errors.ts';
import { connectSshChannels, resolveTimeouts } from './ssh.ts';
import type { SshChannelHost } from './ssh.ts';
import type { AlgorithmProfile, Connection, Credentials, HostKeyPolicy, Timeouts } from './types.ts';

export type FileMethod = 'sftp' | 'scp';

export interface RemoteFile {
  path: string;
  data: Buffer;
  /** Modification time when the method reports it (SFTP does, SCP here does not). */
  mtime?: Date;
  mode?: number;
}

export interface FileTransfer {
  readonly method: FileMethod;
  readonly hostKey: string | undefined;
  readonly where: string;
  read(path: string): Promise<RemoteFile>;
  /** Write a whole file. SFTP writes a temporary file and renames it over the target when the server can. */
  write(path: string, data: Buffer, mode?: number): Promise<void>;
  close(): void;
}

export interface FileTransferOptions {
  host: string;
  /** Default 22. */
  port?: number;
  credentials: Credentials;
  timeouts?: Partial<Timeouts>;
  algorithms?: AlgorithmProfile;
  hostKey?: HostKeyPolicy;
  signal?: AbortSignal;
  method?: FileMethod;
}

// SFTP status codes (draft-ietf-secsh-filexfer-02)
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

function classifySftp(err: unknown, host: SshChannelHost, what: string, path: string): NetkeepError {
  const lost = host.lostError();
  if (lost) return lost;
  if (err instanceof NetkeepError) return err;
  const e = err as Error & { code?: unknown };
  if (e?.code === NO_SUCH_FILE) {
    return new NetkeepError('command_rejected', `${host.where}: ${path} does not exist on the device (${what}); check the path in the device's sftp paths option`, { path });
  }
  if (e?.code === PERMISSION_DENIED) {
    return new NetkeepError('command_rejected', `${host.where}: permission denied for ${path} (${what}); give the backup account read access or change the path`, { path });
  }
  if (typeof e?.code === 'number') {
    return new NetkeepError('command_rejected', `${host.where}: the SFTP server refused to ${what} ${path} (${e.message}, status ${e.code})`, { path, status: e.code });
  }
  return new NetkeepError('protocol_error', `${host.where}: SFTP ${what} of ${path} failed (${e?.message ?? String(err)})`, { path }, { cause: err });
}

function checkPath(path: unknown, where: string): string {
  if (typeof path !== 'string' || path.trim() === '' || path.includes('\0') || /[\r\n]/.test(path)) {
    throw new NetkeepError('config_error', `${where}: ${JSON.stringify(path)} is not a usable remote path; give absolute paths such as /etc/hosts or flash:/startup-config`);
  }
  return path;
}

class SftpTransfer implements FileTransfer {
  readonly method = 'sftp' as const;
  readonly hostKey: string | undefined;
  readonly where: string;
  private readonly conn: Connection;
  private readonly host: SshChannelHost;
  private readonly sftp: SFTPWrapper;

  constructor(conn: Connection, host: SshChannelHost, sftp: SFTPWrapper) {
    this.conn = conn;
    this.host = host;
    this.sftp = sftp;
    this.where = host.where;
    this.hostKey = conn.hostKey;
  }

  private call<T>(what: string, path: string, fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onClose = () => {
        if (settled) return;
        settled = true;
        reject(this.host.lostError() ?? new NetkeepError('connection_reset', `${this.where}: the SSH connection closed during SFTP ${what} of ${path}`));
      };
      this.host.client.once('close', onClose);
      this.host.touch();
      try {
        fn((err, v) => {
          this.host.client.removeListener('close', onClose);
          if (settled) return;
          settled = true;
          this.host.touch();
          if (err) reject(classifySftp(err, this.host, what, path));
          else resolve(v as T);
        });
      } catch (err) {
        this.host.client.removeListener('close', onClose);
        settled = true;
        reject(classifySftp(err, this.host, what, path));
      }
    });
  }

  async read(path: string): Promise<RemoteFile> {
    checkPath(path, this.where);
    const st = await this.call<Stats>('stat', path, (cb) => this.sftp.stat(path, cb));
    if (st.isDirectory()) throw new NetkeepError('command_rejected', `${this.where}: ${path} is a directory, not a file; list the files to back up one by one`, { path });
    const data = await this.call<Buffer>('read', path, (cb) => this.sftp.readFile(path, cb));
    return { path, data, mtime: new Date(st.mtime * 1000), mode: st.mode & 0o7777 };
  }

  async write(path: string, data: Buffer, mode?: number): Promise<void> {
    checkPath(path, this.where);
    if (mode === undefined) {
      // keep the mode of the file being replaced (the temporary file would otherwise bring its own)
      const st = await this.call<Stats>('stat', path, (cb) => this.sftp.stat(path, cb)).catch(() => undefined);
      mode = st ? st.mode & 0o7777 : 0o644;
    }
    const canRename = (this.sftp as unknown as { _extensions?: Record<string, unknown> })._extensions?.['posix-rename@openssh.com'] !== undefined;
    const target = canRename ? posix.join(posix.dirname(path), `.${posix.basename(path)}.netkeep-${process.pid}-${Date.now()}`) : path;
    await this.call<void>('write', target, (cb) => this.sftp.writeFile(target, data, { mode }, cb as never));
    if (canRename) {
      try {
        await this.call<void>('rename', path, (cb) => this.sftp.ext_openssh_rename(target, path, cb as never));
      } catch (err) {
        await this.call<void>('remove', target, (cb) => this.sftp.unlink(target, cb as never)).catch(() => {});
        throw err;
      }
    }
  }

  close(): void {
    try {
      this.sftp.end();
    } catch {
      /* gone */
    }
    this.conn.close();
  }
}

class ScpTransfer implements FileTransfer {
  readonly method = 'scp' as const;
  readonly hostKey: string | undefined;
  readonly where: string;
  private readonly conn: Connection;
  private readonly host: SshChannelHost;
  private readonly opMs: number;

  constructor(conn: Connection, host: SshChannelHost, opMs: number) {
    this.conn = conn;
    this.host = host;
    this.where = host.where;
    this.hostKey = conn.hostKey;
    this.opMs = opMs;
  }

  async read(path: string): Promise<RemoteFile> {
    checkPath(path, this.where);
    try {
      const data = await this.conn.download!(path, this.opMs);
      return { path, data };
    } catch (err) {
      const e = err as NetkeepError;
      if (e.failureClass === 'command_rejected' || /no such file|not a regular file|is a directory|permission denied/i.test(e.message)) {
        throw new NetkeepError('command_rejected', `${this.where}: ${path} could not be copied by SCP (${e.message.replace(`${this.where}: `, '')}); check the path in the device's paths option`, { path }, { cause: err });
      }
      throw err;
    }
  }

  /** The source side of SCP (`scp -t PATH`): header, bytes, a zero byte, each acknowledged. */
  write(path: string, data: Buffer, mode = 0o644): Promise<void> {
    checkPath(path, this.where);
    const quoted = `'${path.replace(/'/g, `'\\''`)}'`;
    const name = posix.basename(path);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => finish(new NetkeepError('timeout', `${this.where}: SCP upload of ${path} did not finish within ${this.opMs} ms`, { deadline: 'scp' })), this.opMs);
      const finish = (err?: NetkeepError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      this.host.client.exec(`scp -t ${quoted}`, (err, stream) => {
        if (err) return finish(this.host.lostError() ?? new NetkeepError('command_rejected', `${this.where}: the device refused SCP (${err.message}); enable SCP for this account`));
        let step = 0; // 0: wait ready, 1: header acked, 2: data acked
        let buf = Buffer.alloc(0);
        const stderr: Buffer[] = [];
        stream.on('data', (c: Buffer) => {
          this.host.touch();
          buf = Buffer.concat([buf, c]);
          while (buf.length) {
            if (buf[0] === 0) {
              buf = buf.subarray(1);
              step++;
              if (step === 1) stream.write(`C${(mode & 0o7777).toString(8).padStart(4, '0')} ${data.length} ${name}\n`);
              else if (step === 2) {
                this.host.touch();
                stream.write(data);
                stream.write(Buffer.from([0]));
              } else if (step === 3) {
                stream.end();
                finish();
              }
              continue;
            }
            const nl = buf.indexOf(0x0a);
            if (nl < 0) return;
            const why = buf.subarray(1, nl).toString('utf8').trim();
            buf = buf.subarray(nl + 1);
            finish(new NetkeepError('command_rejected', `${this.where}: the device refused to write ${path} by SCP (${why}); check the path and that this account may write it`, { path }));
            stream.close();
            return;
          }
        });
        stream.stderr.on('data', (c: Buffer) => stderr.push(c));
        stream.on('close', () => {
          const lost = this.host.lostError();
          if (lost) finish(lost);
          else if (step < 3) finish(new NetkeepError('protocol_error', `${this.where}: SCP upload of ${path}: the channel closed early${stderr.length ? ` (${Buffer.concat(stderr).toString('utf8').trim().slice(0, 200)})` : ''}`, { path }));
        });
      });
    });
  }

  close(): void {
    this.conn.close();
  }
}

/** Connect over SSH and open SFTP (or prepare SCP). Rejects with a classified NetkeepError. */
export async function openFileTransfer(opts: FileTransferOptions): Promise<FileTransfer> {
  const method = opts.method ?? 'sftp';
  if (method !== 'sftp' && method !== 'scp') {
    throw new NetkeepError('config_error', `${opts.host}: unknown file transfer method '${String(method)}'; use sftp or scp`);
  }
  const timeouts = resolveTimeouts(opts.timeouts);
  const { conn, host } = await connectSshChannels({
    host: opts.host,
    port: opts.port ?? 22,
    protocol: 'ssh',
    credentials: opts.credentials,
    timeouts,
    ...(opts.algorithms ? { algorithms: opts.algorithms } : {}),
    ...(opts.hostKey ? { hostKey: opts.hostKey } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (method === 'scp') return new ScpTransfer(conn, host, timeouts.idleMs);
  return new Promise<FileTransfer>((resolve, reject) => {
    host.client.sftp((err, sftp) => {
      if (err) {
        conn.close();
        reject(host.lostError() ?? new NetkeepError('protocol_error', `${host.where}: the SSH server refused the SFTP subsystem (${err.message}); enable SFTP on the device or use method scp`, undefined, { cause: err }));
        return;
      }
      resolve(new SftpTransfer(conn, host, sftp));
    });
  });
}
