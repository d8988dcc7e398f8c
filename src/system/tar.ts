// A small gzip-compressed tar (ustar) writer and reader for system-backup archives: regular
// files only, names up to 100 bytes, each entry held in memory while written or read.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';

const BLOCK = 512;
/** No single entry of a netkeep archive is larger than this (table chunks and blobs are far smaller). */
export const MAX_ENTRY = 1024 * 1024 * 1024;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtime: Date): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new Error(`tar entry name too long (${nameBytes.length} bytes): ${name}`);
  const h = Buffer.alloc(BLOCK);
  nameBytes.copy(h, 0);
  h.write(octal(0o600, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum placeholder
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** Writes entries into FILE as tar + gzip. Call finish() to write the end marker and close. */
export class TarGzWriter {
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  private readonly done: Promise<void>;
  private failed: Error | undefined;
  bytesIn = 0;

  constructor(path: string) {
    this.gzip = createGzip({ level: 6 });
    this.file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.gzip.pipe(this.file);
    this.done = new Promise<void>((resolve, reject) => {
      this.file.on('close', () => (this.failed ? reject(this.failed) : resolve()));
      const fail = (err: Error) => {
        this.failed ??= err;
        this.file.destroy();
      };
      this.file.on('error', fail);
      this.gzip.on('error', fail);
    });
    this.done.catch(() => {});
  }

  private async write(chunk: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    this.bytesIn += chunk.length;
    if (!this.gzip.write(chunk)) {
      await Promise.race([once(this.gzip, 'drain'), this.done]);
      if (this.failed) throw this.failed;
    }
  }

  async add(name: string, data: Buffer, mtime = new Date()): Promise<void> {
    await this.write(header(name, data.length, mtime));
    await this.write(data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) await this.write(Buffer.alloc(pad));
  }

  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    this.gzip.end();
    await this.done;
  }

  /** Stop writing after a failure (the caller removes the partial file). */
  async abort(): Promise<void> {
    this.failed ??= new Error('aborted');
    this.gzip.destroy();
    this.file.destroy();
    await this.done.catch(() => {});
  }
}

export interface TarEntry {
  name: string;
  data: Buffer;
}

/** Thrown when the archive is not a complete gzip-compressed tar written by netkeep. */
export class ArchiveFormatError extends Error {
  override name = 'ArchiveFormatError';
}

function parseOctal(b: Buffer, what: string): number {
  const s = b.toString('ascii').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]*$/.test(s)) throw new ArchiveFormatError(`bad ${what} field in a tar header`);
  return s === '' ? 0 : parseInt(s, 8);
}

/** Read every entry of a tar.gz file in order; throws ArchiveFormatError on damage or truncation. */
export async function* readTarGz(path: string): AsyncGenerator<TarEntry> {
  const input = createReadStream(path);
  const gunzip = createGunzip();
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  let buf: Buffer = Buffer.alloc(0);
  let ended = false;
  let sawEnd = false;
  const it = gunzip[Symbol.asyncIterator]();
  const need = async (n: number): Promise<boolean> => {
    if (buf.length >= n || ended) return buf.length >= n;
    const parts: Buffer[] = [buf];
    let len = buf.length;
    while (len < n && !ended) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw err;
        throw new ArchiveFormatError(`the compressed data is damaged or cut short (${e.message})`);
      }
      if (r.done) ended = true;
      else {
        parts.push(r.value);
        len += r.value.length;
      }
    }
    buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, len);
    return buf.length >= n;
  };
  try {
    for (;;) {
      if (!(await need(BLOCK))) break;
      const h = buf.subarray(0, BLOCK);
      if (h.every((b) => b === 0)) {
        sawEnd = true;
        break;
      }
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      if (sum !== parseOctal(h.subarray(148, 156), 'checksum')) throw new ArchiveFormatError('a tar header checksum does not match: the archive is damaged');
      const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const prefix = h.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
      const size = parseOctal(h.subarray(124, 136), 'size');
      const type = String.fromCharCode(h[156]!);
      if (type !== '0' && type !== '\0') throw new ArchiveFormatError(`entry "${name}" is not a regular file (tar type "${type}"); this is not an archive written by netkeep system-backup`);
      if (size > MAX_ENTRY) throw new ArchiveFormatError(`entry "${name}" claims ${size} bytes, more than netkeep writes`);
      const padded = size + ((BLOCK - (size % BLOCK)) % BLOCK);
      if (!(await need(BLOCK + padded))) throw new ArchiveFormatError(`the archive ends inside "${name}": it is cut short (an interrupted copy?)`);
      const data = Buffer.from(buf.subarray(BLOCK, BLOCK + size));
      buf = buf.subarray(BLOCK + padded);
      yield { name: prefix ? `${prefix}/${name}` : name, data };
    }
    if (!sawEnd) throw new ArchiveFormatError('the archive has no end marker: it is cut short (an interrupted copy?)');
    // drain the rest so that gzip checks its CRC and length trailer
    while (!ended) {
      await need(buf.length + 1);
      buf = Buffer.alloc(0);
    }
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}
