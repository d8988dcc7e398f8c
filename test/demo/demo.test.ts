// `netkeep demo` as a new user meets it: a real process, which prints a URL and a login; through
// the API the lab's devices are there with backups (vendors from the recordings too), one device
// fails, and Ctrl-C stops it and removes its temporary data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../setup/postgres.ts';

const BIN = join(import.meta.dirname, '../../bin/netkeep.js');
const CAMPUS = 6;

interface Device {
  id: string;
  name: string;
  driver: string;
  group: string | null;
  last_status: string | null;
  last_error_class: string | null;
}

describe('netkeep demo', () => {
  let child: ChildProcess;
  let out = '';
  let base = '';
  let password = '';
  let dataDir = '';
  let cookie = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    const port = await freePort();
    child = spawn(process.execPath, [BIN, 'demo', '--port', String(port), '--devices', String(CAMPUS), '--change-every', '5', '--schedule', '* * * * *'], {
      env: { ...process.env, NETKEEP_DATA_DIR: '', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 1800 && !/password:\s+\S+/.test(out); i++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /netkeep demo is running:\s+(http:\/\/\S+?)\/?\s/.exec(out);
    const pw = /password:\s+(\S+)/.exec(out);
    const dir = /Data: (\S+) \(deleted on exit\)/.exec(out);
    if (!url || !pw || !dir) throw new Error(`the demo did not print its URL and login:\n${out}`);
    base = url[1]!;
    password = pw[1]!;
    dataDir = dir[1]!;
  }, 200_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });

  const api = async (path: string) => {
    const r = await fetch(`${base}/api/v1${path}`, { headers: { cookie } });
    expect(r.status, `${path}: ${await r.clone().text()}`).toBe(200);
    return r.json() as Promise<any>;
  };

  it('prints the URL and a login that works', async () => {
    expect(out).toMatch(/log in as:\s+admin/);
    const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(r.status).toBe(200);
    cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect((await api('/auth/me')).user.username).toBe('admin');
    // the web UI answers at the printed URL
    expect((await fetch(`${base}/`)).status).toBe(200);
  });

  it("shows the lab's devices with backups: several vendors, one failing device", async () => {
    let devices: Device[] = [];
    for (let i = 0; i < 1200; i++) {
      devices = (await api('/devices?limit=1000')).items;
      if (devices.length >= CAMPUS && devices.every((d) => d.last_status !== null)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const recorded = devices.filter((d) => d.group === 'datacenter');
    expect(devices.filter((d) => d.group === 'campus')).toHaveLength(CAMPUS);
    expect(recorded.length).toBeGreaterThanOrEqual(8);
    expect(new Set(devices.map((d) => d.driver)).size).toBeGreaterThanOrEqual(8);
    const failing = devices.filter((d) => d.last_status === 'failure');
    expect(failing.map((d) => [d.name, d.last_error_class])).toEqual([[`campus-sw${String(CAMPUS).padStart(5, '0')}`, 'auth_failed']]);
    for (const d of devices.filter((x) => x.last_status === 'success')) {
      const latest = await api(`/backups/devices/${d.id}/latest`);
      expect(latest.file_size, d.name).toBeGreaterThan(100);
    }
    expect(devices.filter((d) => d.last_status === 'success')).toHaveLength(devices.length - 1);
    // every device has the schedule given (default every two minutes; this test: every minute)
    const configs = (await api('/backups/configs?limit=1000')).items;
    expect(configs.filter((c: { schedule_cron: string }) => c.schedule_cron === '* * * * *').length).toBe(devices.length);
  }, 330_000);

  it('shows a compliance violation: the campus switch that runs an HTTP server', async () => {
    expect(out).toMatch(/compliance: 2 rules on the campus group/);
    let report: { devices: { device_name: string; compliant: boolean | null; failing_rules: { name: string }[] }[] } = { devices: [] };
    for (let i = 0; i < 600; i++) {
      report = await api('/compliance/report?group_id=campus');
      if (report.devices.filter((d) => d.compliant !== null).length >= CAMPUS - 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const bad = report.devices.filter((d) => d.compliant === false);
    expect(bad.map((d) => [d.device_name, d.failing_rules.map((r) => r.name)])).toEqual([['campus-sw00003', ['No HTTP server']]]);
    expect(report.devices.filter((d) => d.compliant === true)).toHaveLength(CAMPUS - 2); // the failing switch has no config to judge
  }, 200_000);

  it('the schedule runs and records the configs that changed in the lab', async () => {
    const ids = ((await api('/devices?limit=1000')).items as Device[]).filter((d) => d.group === 'campus').map((d) => d.id);
    let found: { trigger: string; changed: boolean | null } | undefined;
    for (let i = 0; i < 200 && !found; i++) {
      for (const id of ids) {
        const h = (await api(`/backups/devices/${id}/history?limit=50`)).items as { trigger: string; changed: boolean | null; status: string }[];
        found = h.find((v) => v.trigger === 'schedule' && v.status === 'success' && v.changed === true);
        if (found) break;
      }
      if (!found) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(found).toMatchObject({ trigger: 'schedule', changed: true });
    expect(out).toMatch(/netkeep demo: configs changed on campus-sw/);
  }, 260_000);

  it('stops on Ctrl-C and removes its data directory', async () => {
    expect(existsSync(dataDir)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
    expect(out).toMatch(/netkeep demo: stopped; removed/);
  }, 60_000);
});

describe('netkeep demo interrupted while it starts', () => {
  it('Ctrl-C during start-up still stops it and removes its data directory', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'demo', '--port', String(port), '--devices', '3'], { env: { ...process.env, NETKEEP_DATA_DIR: '', DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 600 && !/starting a simulated lab and netkeep in (\S+) /.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const dir = /starting a simulated lab and netkeep in (\S+) /.exec(out)?.[1];
    expect(dir, out).toBeDefined();
    child.kill('SIGINT');
    expect(await exited, out).toBe(0);
    expect(existsSync(dir!)).toBe(false);
    expect(out).not.toMatch(/password:/);
  }, 120_000);
});
