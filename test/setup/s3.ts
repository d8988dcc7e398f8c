// A real S3-compatible server for the tests: @20minutes/s3rver (the maintained fork of s3rver, a
// devDependency) on a free loopback port over a temporary directory, in a child process. It
// verifies AWS Signature V4 (header form) against the key pair registered here, so a wrong
// secret is refused as AWS or MinIO would refuse it (docs/decisions/0011-s3-backend.md).
//
// Why a child process: (1) stop() kills it, which is what "the server went away" looks like to a
// client; (2) s3rver makes its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only
// has in its legacy provider, so the child runs with --openssl-legacy-provider (the test
// processes themselves do not need it).
//
// This file is both the helper (startS3Server) and, run as a script, the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestS3 {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Kill the server at once (listening socket and open connections go with it). */
  stop(): Promise<void>;
  /** stop() and remove its files. */
  close(): Promise<void>;
}

let seq = 0;

/** Start an S3 server with one bucket (created by the server's own bucket set-up). */
export async function startS3Server(o: { bucket?: string; timeoutMs?: number } = {}): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-s3-'));
  const accessKeyId = `NETKEEPTEST${process.pid}X${++seq}`;
  const secretAccessKey = randomBytes(24).toString('base64');
  const bucket = o.bucket ?? 'netkeep-test';
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', fileURLToPath(import.meta.url)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, S3_TEST_DIR: dir, S3_TEST_BUCKET: bucket, S3_TEST_KEY_ID: accessKeyId, S3_TEST_SECRET: secretAccessKey },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the test S3 server did not start within the deadline')), o.timeoutMs ?? 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^listening (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the test S3 server exited (${code}) before listening: ${out}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    bucket,
    accessKeyId,
    secretAccessKey,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
}
type S3rverCtor = new (o: Record<string, unknown>) => S3rverInstance;
interface AccountCtor {
  new (id: number, name: string): { createKeyPair(id: string, secret: string): void };
}

/** The child: register the key pair, create the bucket, listen, report the port; die with the parent. */
async function serve(): Promise<void> {
  const require = createRequire(import.meta.url);
  const S3rver = require('@20minutes/s3rver') as S3rverCtor;
  const Account = require('@20minutes/s3rver/lib/models/account') as AccountCtor;
  const env = process.env;
  new Account(900000000000, 'netkeep-test').createKeyPair(env.S3_TEST_KEY_ID!, env.S3_TEST_SECRET!);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: env.S3_TEST_DIR,
    configureBuckets: [{ name: env.S3_TEST_BUCKET, configs: [] }],
    vhostBuckets: false,
  });
  const addr = await server.run();
  process.stdout.write(`listening ${addr.port}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
