// The real CLI in a child process: `netkeep fetch` and `netkeep drivers`. Uses bin/netkeep.js
// when the lead's dispatcher exists, else imports our main() directly in `node -e`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet } from '../../src/sim/fleet.ts';
import type { Fleet } from '../../src/sim/fleet.ts';
import { fetchConfig } from '../../src/backup/fetch.ts';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/netkeep.js');

function runCli(command: 'fetch' | 'drivers', args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = existsSync(BIN)
    ? [BIN, command, ...args]
    : ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(ROOT, `src/cli/${command}.ts`))}); process.exitCode = await m.main(process.argv.slice(1));`, '--', ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ count: 2, protocols: ['ssh', 'telnet'], misbehave: { hang: 1 } });
});
afterAll(async () => {
  await fleet?.close();
});

describe('netkeep fetch', () => {
  it('prints the cleaned config and exits 0 (same text as fetchConfig)', async () => {
    const d = fleet.info[0];
    const expected = (await fetchConfig({ host: d.host, port: d.sshPort!, driver: 'ios', credentials: { username: d.username, password: d.password }, hostKey: { pinned: d.pinnedHostKey } })).config;
    const r = await runCli('fetch', [d.host, '--model', 'ios', '--port', String(d.sshPort), '--username', d.username, '--host-key', d.pinnedHostKey], { NETKEEP_PASSWORD: d.password });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
    expect(r.stdout).toContain(`hostname ${d.name}\n`);
  });

  it('over telnet too', async () => {
    const d = fleet.info[0];
    const r = await runCli('fetch', [d.host, '-m', 'ios', '-p', String(d.telnetPort), '--protocol', 'telnet', '-u', d.username, '--password', d.password]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`hostname ${d.name}\n`);
  });

  it('auth failure: exit 1, one line on stderr naming the class, no stack trace', async () => {
    const d = fleet.info[0];
    const r = await runCli('fetch', [d.host, '--model', 'ios', '--port', String(d.sshPort), '--username', d.username, '--password', 'wrong']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2); // one line + final newline
    expect(r.stderr).toMatch(/^auth failed: .*credential profile \(netkeep fetch: --username, --password, --key\)\n$/);
  });

  it('changed host key, connection refused, timeout, unknown driver, usage errors: one line each', async () => {
    const d = fleet.info[0];
    const srv = net.createServer();
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', () => res()));
    const closedPort = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((res) => srv.close(() => res()));
    const hang = fleet.info[1];
    const cases: [string[], RegExp][] = [
      [[d.host, '-m', 'ios', '-p', String(d.sshPort), '-u', d.username, '--password', d.password, '--host-key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0aGlzIGlzIG5vdCB0aGUga2V5IGF0IGFsbCEhIQ=='], /^host key changed: /],
      [[d.host, '-m', 'ios', '-p', String(closedPort), '-u', 'x', '--password', 'y'], /^connect refused: /],
      [[hang.host, '-m', 'ios', '-p', String(hang.sshPort), '-u', hang.username, '--password', hang.password, '--timeout', '0.5'], /^timeout: /],
      [[d.host, '-m', 'nonesuch', '-p', String(d.sshPort)], /^unknown driver: /],
      [[d.host], /^configuration error: missing --model/],
      [[d.host, '-m', 'ios', '--bogus'], /^configuration error: .*bogus/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli('fetch', args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('--help', async () => {
    const r = await runCli('fetch', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: netkeep fetch HOST --model ID/);
  });
});

describe('netkeep drivers', () => {
  it('lists ids, aliases, vendor and protocols, as a table and as JSON', async () => {
    const t = await runCli('drivers', []);
    expect(t.code).toBe(0);
    expect(t.stdout.split('\n')[0]).toMatch(/^ID\s+ALIASES\s+VENDOR\s+PLATFORM\s+PROTOCOLS\s+MODE$/);
    expect(t.stdout).toMatch(/^ios\s+\S*cisco-ios\S*\s+Cisco\s+.*ssh,telnet\s+shell$/m);
    const j = await runCli('drivers', ['--json']);
    const list = JSON.parse(j.stdout) as { id: string; aliases: string[]; vendor: string; protocols: string[] }[];
    const ios = list.find((x) => x.id === 'ios')!;
    expect(ios.vendor).toBe('Cisco');
    expect(ios.protocols).toEqual(['ssh', 'telnet']);
    expect(list.length).toBeGreaterThan(15);
  });
});
