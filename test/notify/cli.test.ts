// `netkeep notify` as a user meets it: real processes on an embedded data directory and on
// PostgreSQL — add a channel with its secret from a file, list it (no secret shown), send a
// test message to a real receiver, read the delivery log, remove it; bad input is one line.
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { httpReceiver } from './receivers.ts';

const BIN = join(import.meta.dirname, '../../bin/netkeep.js');
const SECRET = 'cli-webhook-secret-98765';

function netkeep(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NETKEEP_DATA_DIR: '', DATABASE_URL: '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.each(backends())('netkeep notify on %s', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-notify-cli-'));
  let t: TestDb | undefined;
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, lists, tests, shows deliveries and removes a channel', async () => {
    const env: Record<string, string> = { NETKEEP_MASTER_KEY: 'b'.repeat(64) };
    let db = ['--data-dir', join(dir, 'data')];
    if (backend === 'postgres') {
      t = await freshDb('postgres');
      db = ['--database-url', t.databaseUrl!];
    }
    const rx = await httpReceiver();
    try {
      const cfg = join(dir, 'hook.json');
      writeFileSync(cfg, JSON.stringify({ url: rx.url('/cli'), secret: SECRET }));
      let r = await netkeep(['notify', 'add', 'ops hook', '--kind', 'webhook', '--config', `@${cfg}`, '--events', 'backup.failed,config.changed', '--threshold', '3', ...db], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('added webhook channel "ops hook" (secrets stored encrypted: secret)');

      r = await netkeep(['notify', 'channels', '--json', ...db], env);
      expect(r.code, r.stderr).toBe(0);
      const list = JSON.parse(r.stdout);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ name: 'ops hook', kind: 'webhook', events: ['backup.failed', 'config.changed'], failure_threshold: 3, secrets_set: ['secret'] });
      expect(r.stdout).not.toContain(SECRET);

      r = await netkeep(['notify', 'test', 'ops hook', ...db], env);
      expect(r.code, r.stderr).toBe(0);
      expect(rx.hits).toHaveLength(1);
      const h = rx.hits[0]!;
      expect(h.url).toBe('/cli');
      expect(h.headers['x-netkeep-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${h.headers['x-netkeep-timestamp']}.${h.body}`).digest('hex')}`);

      rx.answers.push(502);
      r = await netkeep(['notify', 'test', 'ops hook', ...db], env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^netkeep: the test message through "ops hook" failed: HTTP 502/);

      r = await netkeep(['notify', 'deliveries', 'ops hook', ...db], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/test\s+failed/);
      expect(r.stdout).toMatch(/test\s+sent/);

      r = await netkeep(['notify', 'add', 'bad', '--kind', 'syslog', '--config', '{"host":"127.0.0.1","transport":"quic"}', ...db], env);
      expect(r.code).toBe(2); // bad input
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('syslog "transport" is udp (default) or tcp');

      r = await netkeep(['notify', 'remove', 'ops hook', ...db], env);
      expect(r.code, r.stderr).toBe(0);
      r = await netkeep(['notify', 'test', 'ops hook', ...db], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('no notification channel "ops hook"');
    } finally {
      await rx.close();
    }
  }, 300_000); // nine netkeep processes, each opening the embedded database
});
