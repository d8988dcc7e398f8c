// SFTP/SCP backups: several named files of one device stored as one document, a manifest
// (path, size, sha256, mtime) then each file in a delimited section; and the way back
// (pushSftp) for restore. Format: docs/protocols/sftp.md.
import { createHash } from 'node:crypto';
import { NetkeepError, classify } from '../errors.ts';
import { openFileTransfer } from '../transports/sftp.ts';
import type { FileMethod, RemoteFile } from '../transports/sftp.ts';
import type { ProtocolFetchOptions, ProtocolFetcher, ProtocolFetchResult } from './protocol-types.ts';

export const MANIFEST_MAGIC = '# netkeep files v1';

export interface SftpOptions {
  paths: string[];
  method: FileMethod;
}

/** Validate the protocol options: `paths` (list, or one path), `method` sftp|scp. */
export function sftpOptions(options: Record<string, unknown>, where: string): SftpOptions {
  const raw = options.paths ?? options.path;
  const paths = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string' && p.trim() !== '' && !/[\0\r\n]/.test(p))) {
    throw new NetkeepError('config_error', `${where}: SFTP backups need option paths, a non-empty list of remote file paths (e.g. ["/etc/hosts", "flash:/startup-config"])`);
  }
  if (new Set(paths).size !== paths.length) throw new NetkeepError('config_error', `${where}: option paths lists the same file twice; list each file once`);
  const method = options.method ?? 'sftp';
  if (method !== 'sftp' && method !== 'scp') throw new NetkeepError('config_error', `${where}: option method must be sftp or scp, got ${JSON.stringify(method)}`);
  return { paths: paths as string[], method };
}

export interface BackupFile {
  path: string;
  data: Buffer;
  mtime?: Date;
}

function isText(b: Buffer): boolean {
  if (b.includes(0)) return false;
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/**
 * One document from several files. Each section holds exactly `size` bytes of the file (utf8)
 * or its base64 (binary files), so the files come back byte for byte whatever they contain.
 */
export function formatFileBackup(files: BackupFile[]): string {
  const head = [MANIFEST_MAGIC, `# files: ${files.length}`];
  const body: string[] = [];
  for (const f of files) {
    const text = isText(f.data);
    const sha = createHash('sha256').update(f.data).digest('hex');
    head.push(`# file ${JSON.stringify(f.path)} size=${f.data.length} sha256=${sha} mtime=${f.mtime ? f.mtime.toISOString().replace(/\.000Z$/, 'Z') : '-'} encoding=${text ? 'utf8' : 'base64'}`);
    const content = text ? f.data.toString('utf8') : (f.data.toString('base64').match(/.{1,76}/g) ?? []).join('\n');
    body.push(`===== BEGIN ${JSON.stringify(f.path)} =====\n${content}${content.endsWith('\n') || content === '' ? '' : '\n'}===== END ${JSON.stringify(f.path)} =====`);
  }
  return `${head.join('\n')}\n\n${body.join('\n\n')}\n`;
}

/** The files of a stored SFTP backup, checked against the manifest's sizes and checksums. */
export function parseFileBackup(doc: string): BackupFile[] {
  const bad = (why: string) => new NetkeepError('config_error', `not a netkeep file backup: ${why}`);
  if (!doc.startsWith(MANIFEST_MAGIC)) throw bad(`it does not start with "${MANIFEST_MAGIC}"`);
  const entries: { path: string; size: number; sha: string; mtime?: Date; encoding: string }[] = [];
  const re = /^# file ("(?:[^"\\]|\\.)*") size=(\d+) sha256=([0-9a-f]{64}) mtime=(\S+) encoding=(utf8|base64)$/gm;
  for (let m = re.exec(doc); m; m = re.exec(doc)) {
    const e: (typeof entries)[number] = { path: JSON.parse(m[1]!) as string, size: Number(m[2]), sha: m[3]!, encoding: m[5]! };
    if (m[4] !== '-') e.mtime = new Date(m[4]!);
    entries.push(e);
  }
  if (entries.length === 0) throw bad('the manifest lists no files');
  const out: BackupFile[] = [];
  let at = 0;
  for (const e of entries) {
    const begin = `===== BEGIN ${JSON.stringify(e.path)} =====\n`;
    const b = doc.indexOf(begin, at);
    if (b < 0) throw bad(`no section for ${e.path}`);
    const start = b + begin.length;
    let data: Buffer;
    let end: number;
    if (e.encoding === 'utf8') {
      const bytes = Buffer.from(doc.slice(start), 'utf8');
      data = Buffer.from(bytes.subarray(0, e.size));
      end = start + data.toString('utf8').length;
    } else {
      const endMark = doc.indexOf(`===== END ${JSON.stringify(e.path)} =====`, start);
      if (endMark < 0) throw bad(`section ${e.path} is not closed`);
      data = Buffer.from(doc.slice(start, endMark).replace(/\s+/g, ''), 'base64');
      end = endMark;
    }
    const rest = doc.slice(end);
    if (!/^\n?===== END /.test(rest)) throw bad(`section ${e.path} does not end where its size says`);
    if (data.length !== e.size || createHash('sha256').update(data).digest('hex') !== e.sha) {
      throw bad(`the content of ${e.path} does not match its size and sha256 in the manifest (edited by hand?)`);
    }
    out.push({ path: e.path, data, ...(e.mtime ? { mtime: e.mtime } : {}) });
    at = end;
  }
  return out;
}

function transferOptions(opts: ProtocolFetchOptions, method: FileMethod) {
  return {
    host: opts.host,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    credentials: opts.credentials,
    method,
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    ...(opts.hostKey ? { hostKey: opts.hostKey } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}

/** Fetch every file in options.paths; one missing or unreadable file fails the backup (command_rejected naming the paths). */
export const fetchSftp: ProtocolFetcher = async (opts) => {
  const where = `${opts.host}${opts.port ? `:${opts.port}` : ''}`;
  try {
    const o = sftpOptions(opts.options ?? {}, where);
    const ft = await openFileTransfer(transferOptions(opts, o.method));
    try {
      const files: RemoteFile[] = [];
      const rejected: NetkeepError[] = [];
      for (const p of o.paths) {
        try {
          files.push(await ft.read(p));
        } catch (err) {
          const e = classify(err, where);
          if (e.failureClass !== 'command_rejected') throw e;
          rejected.push(e);
        }
      }
      if (rejected.length) {
        const paths = rejected.map((e) => String(e.details?.path ?? '?'));
        throw new NetkeepError(
          'command_rejected',
          rejected.length === 1 ? rejected[0]!.message : `${where}: ${rejected.length} of ${o.paths.length} files could not be read: ${rejected.map((e) => e.message.replace(`${where}: `, '')).join('; ')}`,
          { paths },
        );
      }
      const result: ProtocolFetchResult = {
        config: formatFileBackup(files.map((f) => ({ path: f.path, data: f.data, ...(f.mtime ? { mtime: f.mtime } : {}) }))),
        facts: {},
        // a touched file with the same bytes is a new version, but not a significant change
        volatile: [/^# file .* mtime=\S+ /],
        ...(ft.hostKey ? { hostKey: ft.hostKey } : {}),
      };
      return result;
    } finally {
      ft.close();
    }
  } catch (err) {
    throw classify(err, where);
  }
};

export interface PushSftpOptions extends Omit<ProtocolFetchOptions, 'options'> {
  options?: Record<string, unknown>;
  /** A stored backup document (formatFileBackup) or the files themselves. */
  backup: string | BackupFile[];
  /** Restore only these paths (default: every file in the backup). */
  only?: string[];
}

export interface PushResult {
  written: { path: string; size: number; sha256: string }[];
  hostKey?: string;
}

/** Write files back (restore). Verifies each by reading it back over the same session. */
export async function pushSftp(opts: PushSftpOptions): Promise<PushResult> {
  const where = `${opts.host}${opts.port ? `:${opts.port}` : ''}`;
  try {
    const methodRaw = opts.options?.method ?? 'sftp';
    if (methodRaw !== 'sftp' && methodRaw !== 'scp') throw new NetkeepError('config_error', `${where}: option method must be sftp or scp, got ${JSON.stringify(methodRaw)}`);
    let files = typeof opts.backup === 'string' ? parseFileBackup(opts.backup) : opts.backup;
    if (opts.only) {
      const missing = opts.only.filter((p) => !files.some((f) => f.path === p));
      if (missing.length) throw new NetkeepError('config_error', `${where}: the backup holds no file ${missing.join(', ')}`);
      files = files.filter((f) => opts.only!.includes(f.path));
    }
    const ft = await openFileTransfer(transferOptions({ ...opts, options: {} }, methodRaw));
    try {
      const written: PushResult['written'] = [];
      for (const f of files) {
        await ft.write(f.path, f.data);
        const back = await ft.read(f.path);
        if (!back.data.equals(f.data)) {
          throw new NetkeepError('protocol_error', `${where}: ${f.path} reads back different from what was written (${back.data.length} bytes, expected ${f.data.length}); the device may rewrite the file`, { path: f.path });
        }
        written.push({ path: f.path, size: f.data.length, sha256: createHash('sha256').update(f.data).digest('hex') });
      }
      return { written, ...(ft.hostKey ? { hostKey: ft.hostKey } : {}) };
    } finally {
      ft.close();
    }
  } catch (err) {
    throw classify(err, where);
  }
}
