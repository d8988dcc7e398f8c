// A small TFTP server and client (RFC 1350, with the blksize option of RFC 2347/2348), for
// config copies that devices push to netkeep (CISCO-CONFIG-COPY-MIB) and pull from it (restore).
// The server only accepts file names it was told to expect or to offer, each with a deadline.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { NetkeepError } from '../errors.ts';

const OP_RRQ = 1;
const OP_WRQ = 2;
const OP_DATA = 3;
const OP_ACK = 4;
const OP_ERROR = 5;
const OP_OACK = 6;

/** TFTP error codes (RFC 1350). */
export const TFTP_ERR = { notDefined: 0, fileNotFound: 1, accessViolation: 2, diskFull: 3, illegalOp: 4, unknownTid: 5, exists: 6, noUser: 7, optionRefused: 8 } as const;

const DEFAULT_BLKSIZE = 512;
const MAX_BLKSIZE = 65464;
/** Our ceiling when a peer asks for a bigger block: fits a 1500-byte MTU path without fragments. */
const OUR_MAX_BLKSIZE = 1468;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export interface TftpServerOptions {
  /** Address to bind: the one devices can reach (never 0.0.0.0 unless the operator asks). */
  address: string;
  /** UDP port; 69 is what devices use. 0 picks a free port (tests). */
  port?: number;
  /** Retransmit interval for DATA/ACK, ms. */
  retransmitMs?: number;
  /** Largest file accepted, bytes. */
  maxBytes?: number;
}

interface Expectation {
  kind: 'receive' | 'serve';
  data?: Buffer;
  from?: string;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  deadline: number;
  /** Transfer sockets still open for this name. */
  sockets: Set<Socket>;
  /** Peers ("address:port") with a transfer under way: a repeated request from them is a retransmission. */
  peers: Set<string>;
  done: boolean;
}

export interface TftpServer {
  readonly address: string;
  readonly port: number;
  /**
   * Wait for a device to write `filename` (WRQ). Resolves with the bytes once the transfer is
   * complete; rejects with a classified `timeout` when nothing complete arrived before `deadlineMs`.
   */
  expect(filename: string, o: { deadlineMs: number; from?: string }): Promise<Buffer>;
  /** Offer `data` as `filename` for reads (RRQ) until `deadlineMs` or the first complete read. */
  offer(filename: string, data: Buffer, o: { deadlineMs: number; from?: string }): Promise<void>;
  /** Drop an expectation/offer early (the copy failed on the device). */
  cancel(filename: string, reason?: Error): void;
  close(): Promise<void>;
}

function errorPacket(code: number, msg: string): Buffer {
  return Buffer.concat([Buffer.from([0, OP_ERROR, code >> 8, code & 0xff]), Buffer.from(msg, 'ascii'), Buffer.from([0])]);
}

function ackPacket(block: number): Buffer {
  return Buffer.from([0, OP_ACK, (block >> 8) & 0xff, block & 0xff]);
}

function dataPacket(block: number, chunk: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, OP_DATA, (block >> 8) & 0xff, block & 0xff]), chunk]);
}

function oackPacket(opts: Record<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0, OP_OACK])];
  for (const [k, v] of Object.entries(opts)) parts.push(Buffer.from(`${k}\0${v}\0`, 'ascii'));
  return Buffer.concat(parts);
}

/** Parse RRQ/WRQ: filename, mode, options. Throws on malformed packets. */
function parseRequest(msg: Buffer): { filename: string; mode: string; options: Record<string, string> } {
  const fields = msg.subarray(2).toString('latin1').split('\0');
  if (fields.length < 3 || fields[fields.length - 1] !== '') throw new Error('malformed request');
  fields.pop();
  const [filename, mode, ...rest] = fields;
  if (!filename || !mode) throw new Error('malformed request');
  const options: Record<string, string> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) options[rest[i]!.toLowerCase()] = rest[i + 1]!;
  return { filename, mode: mode.toLowerCase(), options };
}

function negotiateBlksize(options: Record<string, string>): number | undefined {
  if (options.blksize === undefined) return undefined;
  const n = Number(options.blksize);
  if (!Number.isInteger(n) || n < 8) return undefined;
  return Math.min(n, OUR_MAX_BLKSIZE, MAX_BLKSIZE);
}

function normalizeName(name: string): string {
  return name.replace(/^\/+/, '');
}

function sameHost(a: string, b: string): boolean {
  return a.replace(/^::ffff:/, '') === b.replace(/^::ffff:/, '');
}

export async function startTftpServer(o: TftpServerOptions): Promise<TftpServer> {
  const type = isIPv6(o.address) ? 'udp6' : 'udp4';
  const retransmitMs = o.retransmitMs ?? 1000;
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const main = createSocket({ type, reuseAddr: false });
  const expectations = new Map<string, Expectation>();
  const allSockets = new Set<Socket>();

  await new Promise<void>((resolve, reject) => {
    main.once('error', reject);
    main.bind(o.port ?? 69, o.address, () => {
      main.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    main.close();
    const what = err.code === 'EADDRINUSE' ? 'the port is in use (another TFTP server?)' : err.code === 'EADDRNOTAVAIL' ? 'this host has no such address' : err.code === 'EACCES' ? 'binding a port below 1024 needs CAP_NET_BIND_SERVICE' : err.message;
    throw new NetkeepError('config_error', `cannot start the TFTP server on ${o.address}:${o.port ?? 69}: ${what}; fix configCopy.bindAddress/port`, undefined, { cause: err });
  });
  main.on('error', () => {});
  const port = main.address().port;

  const finish = (name: string, e: Expectation, result: Buffer | Error) => {
    if (e.done) return;
    e.done = true;
    clearTimeout(e.timer);
    expectations.delete(name);
    for (const s of e.sockets) closeSocket(s);
    if (result instanceof Error) e.reject(result);
    else e.resolve(result);
  };

  const closeSocket = (s: Socket) => {
    if (!allSockets.delete(s)) return;
    try {
      s.close();
    } catch {
      /* already closed */
    }
  };

  const register = (filename: string, e: Omit<Expectation, 'timer' | 'sockets' | 'peers' | 'done' | 'deadline'>, deadlineMs: number) => {
    const name = normalizeName(filename);
    if (expectations.has(name)) throw new NetkeepError('internal', `TFTP file name ${name} is already in use by another transfer`);
    const exp: Expectation = {
      ...e,
      sockets: new Set(),
      peers: new Set(),
      done: false,
      deadline: Date.now() + deadlineMs,
      timer: setTimeout(() => {
        finish(
          name,
          exp,
          new NetkeepError(
            'timeout',
            exp.kind === 'receive'
              ? `the device did not send ${name} to netkeep's TFTP server ${o.address}:${port} within ${deadlineMs} ms; check that the device can reach that address (routing, ACLs, its tftp source-interface)`
              : `the device did not read ${name} from netkeep's TFTP server ${o.address}:${port} within ${deadlineMs} ms; check that the device can reach that address`,
          ),
        );
      }, deadlineMs),
    };
    expectations.set(name, exp);
    return exp;
  };

  const newTransferSocket = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = createSocket(type);
      allSockets.add(s);
      s.once('error', reject);
      s.bind(0, o.address, () => {
        s.off('error', reject);
        s.on('error', () => closeSocket(s));
        resolve(s);
      });
    });

  /**
   * One transfer on its own socket: lock-step retransmission of the last packet (given up after
   * five tries; the overall deadline then reports the failure), the transfer-ID check and the
   * device's ERROR packet. `onPacket` sees every other packet from the peer.
   */
  interface Transfer {
    s: Socket;
    last: Buffer;
    tries: number;
    send(b: Buffer): void;
    stop(): void;
  }
  const openTransfer = async (exp: Expectation, name: string, peer: RemoteInfo, first: Buffer, what: string, onPacket: (t: Transfer, op: number, msg: Buffer) => void): Promise<Transfer> => {
    const s = await newTransferSocket();
    exp.sockets.add(s);
    const t: Transfer = {
      s,
      last: first,
      tries: 0,
      send: (b) => s.send(b, peer.port, peer.address),
      stop: () => clearInterval(timer),
    };
    const timer = setInterval(() => {
      if (++t.tries > 5) {
        clearInterval(timer);
        closeSocket(s);
        exp.sockets.delete(s);
        exp.peers.delete(`${peer.address}:${peer.port}`);
        return; // the overall deadline reports the failure
      }
      t.send(t.last);
    }, retransmitMs);
    s.on('close', () => clearInterval(timer));
    t.send(t.last);
    s.on('message', (msg, from) => {
      if (from.port !== peer.port || !sameHost(from.address, peer.address)) {
        s.send(errorPacket(TFTP_ERR.unknownTid, 'unknown transfer ID'), from.port, from.address);
        return;
      }
      const op = msg.readUInt16BE(0);
      if (op === OP_ERROR) {
        const text = msg.subarray(4).toString('latin1').replace(/\0.*$/s, '');
        finish(name, exp, new NetkeepError('command_rejected', `the device aborted the TFTP ${what} of ${name}: ${text || `error ${msg.readUInt16BE(2)}`}; check the device's log`));
        return;
      }
      onPacket(t, op, msg);
    });
    return t;
  };

  const handleWrite = async (exp: Expectation, name: string, peer: RemoteInfo, options: Record<string, string>) => {
    const blksize = negotiateBlksize(options) ?? DEFAULT_BLKSIZE;
    const chunks: Buffer[] = [];
    let total = 0;
    let expected = 1; // next block number (mod 65536)
    const first = negotiateBlksize(options) ? oackPacket({ blksize: String(blksize) }) : ackPacket(0);
    await openTransfer(exp, name, peer, first, 'transfer', (t, op, msg) => {
      if (op !== OP_DATA || msg.length < 4) {
        t.send(errorPacket(TFTP_ERR.illegalOp, 'expected DATA'));
        return;
      }
      const block = msg.readUInt16BE(2);
      if (block !== expected) {
        // a retransmitted block we already have: acknowledge it again
        if (block === ((expected + 65535) & 0xffff)) t.send(ackPacket(block));
        return;
      }
      t.tries = 0;
      const chunk = msg.subarray(4);
      if (chunk.length > blksize) {
        t.send(errorPacket(TFTP_ERR.illegalOp, 'block larger than negotiated'));
        finish(name, exp, new NetkeepError('protocol_error', `the device sent TFTP blocks larger than the negotiated ${blksize} bytes; check its TFTP implementation`));
        return;
      }
      total += chunk.length;
      if (total > maxBytes) {
        t.send(errorPacket(TFTP_ERR.diskFull, 'file too large'));
        finish(name, exp, new NetkeepError('protocol_error', `the device sent more than ${maxBytes} bytes for ${name}; that is not a configuration`));
        return;
      }
      chunks.push(Buffer.from(chunk));
      t.last = ackPacket(block);
      t.send(t.last);
      expected = (expected + 1) & 0xffff;
      if (chunk.length < blksize) {
        t.stop();
        // keep the socket a moment for a retransmitted last block (dallying), then finish
        const data = Buffer.concat(chunks);
        setTimeout(() => finish(name, exp, data), Math.min(200, retransmitMs));
        exp.sockets.delete(t.s);
        t.s.removeAllListeners('message');
        t.s.on('message', () => t.send(t.last));
        setTimeout(() => closeSocket(t.s), Math.min(200, retransmitMs));
      }
    });
  };

  const handleRead = async (exp: Expectation, name: string, peer: RemoteInfo, options: Record<string, string>) => {
    const data = exp.data ?? Buffer.alloc(0);
    const negotiated = negotiateBlksize(options);
    const blksize = negotiated ?? DEFAULT_BLKSIZE;
    const blocks = Math.floor(data.length / blksize) + 1; // the last one is short (maybe empty)
    let waitingFor = negotiated ? 0 : 1; // the ACK we wait for (0: for the OACK)
    const packetFor = (n: number) => dataPacket(n & 0xffff, data.subarray((n - 1) * blksize, Math.min(n * blksize, data.length)));
    const first = negotiated ? oackPacket({ blksize: String(blksize) }) : packetFor(1);
    await openTransfer(exp, name, peer, first, 'read', (t, op, msg) => {
      if (op !== OP_ACK || msg.length < 4) return;
      const block = msg.readUInt16BE(2);
      if (block !== (waitingFor & 0xffff)) return; // duplicate ACK: ignore (no Sorcerer's Apprentice)
      t.tries = 0;
      const sent = waitingFor; // blocks acknowledged
      if (sent >= blocks) {
        t.stop();
        finish(name, exp, Buffer.alloc(0));
        return;
      }
      waitingFor = sent + 1;
      t.last = packetFor(waitingFor);
      t.send(t.last);
    });
  };

  main.on('message', (msg, peer) => {
    if (msg.length < 4) return;
    const op = msg.readUInt16BE(0);
    if (op !== OP_RRQ && op !== OP_WRQ) {
      main.send(errorPacket(TFTP_ERR.illegalOp, 'illegal TFTP operation'), peer.port, peer.address);
      return;
    }
    let req;
    try {
      req = parseRequest(msg);
    } catch {
      main.send(errorPacket(TFTP_ERR.illegalOp, 'malformed request'), peer.port, peer.address);
      return;
    }
    const name = normalizeName(req.filename);
    const exp = expectations.get(name);
    const wantKind = op === OP_WRQ ? 'receive' : 'serve';
    if (!exp || exp.done || exp.kind !== wantKind || (exp.from && !sameHost(exp.from, peer.address))) {
      main.send(errorPacket(op === OP_RRQ ? TFTP_ERR.fileNotFound : TFTP_ERR.accessViolation, op === OP_RRQ ? 'file not found' : 'access violation'), peer.port, peer.address);
      return;
    }
    if (req.mode !== 'octet' && req.mode !== 'netascii') {
      main.send(errorPacket(TFTP_ERR.illegalOp, 'unsupported mode'), peer.port, peer.address);
      return;
    }
    const peerKey = `${peer.address}:${peer.port}`;
    if (exp.peers.has(peerKey)) return; // a retransmitted request: the transfer already answers it
    exp.peers.add(peerKey);
    const run = op === OP_WRQ ? handleWrite : handleRead;
    run(exp, name, peer, req.options).catch((err) => finish(name, exp, new NetkeepError('internal', `TFTP transfer socket: ${(err as Error).message}`)));
  });

  return {
    address: o.address,
    port,
    expect(filename, eo) {
      return new Promise<Buffer>((resolve, reject) => {
        register(filename, { kind: 'receive', resolve, reject, ...(eo.from ? { from: eo.from } : {}) }, eo.deadlineMs);
      });
    },
    offer(filename, data, eo) {
      return new Promise<void>((resolve, reject) => {
        register(filename, { kind: 'serve', data, resolve: () => resolve(), reject, ...(eo.from ? { from: eo.from } : {}) }, eo.deadlineMs);
      });
    },
    cancel(filename, reason) {
      const name = normalizeName(filename);
      const e = expectations.get(name);
      if (e) finish(name, e, reason ?? new NetkeepError('internal', `TFTP transfer of ${name} cancelled`));
    },
    close() {
      for (const [name, e] of [...expectations]) finish(name, e, new NetkeepError('internal', `TFTP server closed before ${name} was transferred`));
      for (const s of [...allSockets]) closeSocket(s);
      return new Promise<void>((resolve) => main.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Shared servers: concurrent backups that name the same bind address and port share one server.

const shared = new Map<string, { server: Promise<TftpServer>; refs: number }>();

/** Get (or start) the TFTP server for address:port; call `release()` when done with it. */
export async function acquireTftpServer(o: TftpServerOptions): Promise<{ server: TftpServer; release: () => Promise<void> }> {
  const key = `${o.address}|${o.port ?? 69}`;
  // port 0 means "any free port": never shared, each caller gets its own
  if ((o.port ?? 69) === 0) {
    const server = await startTftpServer(o);
    return { server, release: () => server.close() };
  }
  let entry = shared.get(key);
  if (!entry) {
    entry = { server: startTftpServer(o), refs: 0 };
    shared.set(key, entry);
    entry.server.catch(() => shared.delete(key));
  }
  entry.refs++;
  const e = entry;
  let server: TftpServer;
  try {
    server = await e.server;
  } catch (err) {
    e.refs--;
    throw err;
  }
  let released = false;
  return {
    server,
    release: async () => {
      if (released) return;
      released = true;
      if (--e.refs === 0) {
        shared.delete(key);
        await server.close();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Client: what a device does (used by the simulated Cisco agent and by tests).

export interface TftpClientOptions {
  host: string;
  port?: number;
  filename: string;
  blksize?: number;
  timeoutMs?: number;
  retransmitMs?: number;
}

function clientSocket(host: string): Socket {
  return createSocket(isIPv6(host) ? 'udp6' : 'udp4');
}

function tftpError(msg: Buffer): Error {
  const code = msg.readUInt16BE(2);
  const text = msg.subarray(4).toString('latin1').replace(/\0.*$/s, '');
  return Object.assign(new Error(`TFTP error ${code}: ${text}`), { tftpCode: code });
}

function request(op: number, filename: string, blksize?: number): Buffer {
  return Buffer.from(`\0${String.fromCharCode(op)}${filename}\0octet\0${blksize ? `blksize\0${blksize}\0` : ''}`, 'latin1');
}

/** Write `data` as `filename` to a TFTP server (WRQ). */
export function tftpPut(o: TftpClientOptions, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = clientSocket(o.host);
    let peerPort: number | undefined;
    let blksize = DEFAULT_BLKSIZE;
    let block = 0; // last block sent (0: the request)
    const blocks = () => Math.floor(data.length / blksize) + 1;
    let last = request(OP_WRQ, o.filename, o.blksize);
    const retransmit = setInterval(() => s.send(last, peerPort ?? o.port ?? 69, o.host), o.retransmitMs ?? 1000);
    const deadline = setTimeout(() => end(new Error(`TFTP put ${o.filename} timed out`)), o.timeoutMs ?? 10_000);
    const end = (err?: Error) => {
      clearInterval(retransmit);
      clearTimeout(deadline);
      s.close();
      if (err) reject(err);
      else resolve();
    };
    const sendBlock = (n: number) => {
      block = n;
      last = dataPacket(n & 0xffff, data.subarray((n - 1) * blksize, Math.min(n * blksize, data.length)));
      s.send(last, peerPort!, o.host);
    };
    s.on('error', (e) => end(e));
    s.on('message', (msg, from) => {
      if (peerPort === undefined) peerPort = from.port;
      else if (from.port !== peerPort) return;
      const op = msg.readUInt16BE(0);
      if (op === OP_ERROR) return end(tftpError(msg));
      if (op === OP_OACK && block === 0) {
        const fields = msg.subarray(2).toString('latin1').split('\0');
        const i = fields.findIndex((f) => f.toLowerCase() === 'blksize');
        if (i >= 0) blksize = Number(fields[i + 1]);
        return sendBlock(1);
      }
      if (op !== OP_ACK) return;
      const n = msg.readUInt16BE(2);
      if (n !== (block & 0xffff)) return;
      if (block >= blocks()) return end();
      sendBlock(block + 1);
    });
    s.send(last, o.port ?? 69, o.host);
  });
}

/** Read `filename` from a TFTP server (RRQ). */
export function tftpGet(o: TftpClientOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = clientSocket(o.host);
    let peerPort: number | undefined;
    let blksize = DEFAULT_BLKSIZE;
    let expected = 1;
    const chunks: Buffer[] = [];
    let last = request(OP_RRQ, o.filename, o.blksize);
    const retransmit = setInterval(() => s.send(last, peerPort ?? o.port ?? 69, o.host), o.retransmitMs ?? 1000);
    const deadline = setTimeout(() => end(new Error(`TFTP get ${o.filename} timed out`)), o.timeoutMs ?? 10_000);
    const end = (err?: Error) => {
      clearInterval(retransmit);
      clearTimeout(deadline);
      s.close();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    s.on('error', (e) => end(e));
    s.on('message', (msg, from) => {
      if (peerPort === undefined) peerPort = from.port;
      else if (from.port !== peerPort) return;
      const op = msg.readUInt16BE(0);
      if (op === OP_ERROR) return end(tftpError(msg));
      if (op === OP_OACK) {
        const fields = msg.subarray(2).toString('latin1').split('\0');
        const i = fields.findIndex((f) => f.toLowerCase() === 'blksize');
        if (i >= 0) blksize = Number(fields[i + 1]);
        last = ackPacket(0);
        s.send(last, peerPort, o.host);
        return;
      }
      if (op !== OP_DATA) return;
      const n = msg.readUInt16BE(2);
      if (n !== (expected & 0xffff)) {
        s.send(ackPacket(n), peerPort, o.host);
        return;
      }
      const chunk = msg.subarray(4);
      chunks.push(Buffer.from(chunk));
      last = ackPacket(n);
      expected++;
      // close only once the final ACK has left, or the server never hears it
      if (chunk.length < blksize) s.send(last, peerPort, o.host, () => end());
      else s.send(last, peerPort, o.host);
    });
    s.send(last, o.port ?? 69, o.host);
  });
}
