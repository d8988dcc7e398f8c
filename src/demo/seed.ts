// Puts the demo lab into a running netkeep through its own REST API, as a user would: groups,
// credential profiles, devices, scheduled backup configurations, compliance rules (when the
// compliance API is there), then a first backup of every device.
import type { Lab } from './lab.ts';

export interface SeedResult {
  devices: number;
  configs: number;
  /** What happened with the compliance rules ("2 rules", or why there are none). */
  compliance: string;
}

export class DemoApi {
  readonly base: string;
  private cookie = '';

  constructor(base: string) {
    this.base = base;
  }

  async login(username: string, password: string): Promise<void> {
    const r = await fetch(`${this.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    if (!r.ok) throw new Error(`demo: could not log in as ${username}: ${r.status} ${await r.text()}`);
    this.cookie = (r.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  }

  /** A JSON request; returns status and body (throws on 5xx and on 4xx unless allowed). */
  async call<T = any>(method: string, path: string, payload?: unknown, allow: number[] = []): Promise<{ status: number; body: T }> {
    const r = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', cookie: this.cookie },
      ...(payload !== undefined ? { body: JSON.stringify(payload) } : method === 'GET' ? {} : { body: '{}' }),
    });
    const text = await r.text();
    const body = (text ? JSON.parse(text) : undefined) as T;
    if (r.status >= 400 && !allow.includes(r.status)) throw new Error(`demo: ${method} ${path} answered ${r.status}: ${text.slice(0, 300)}`);
    return { status: r.status, body };
  }
}

/** Every few minutes: the demo's backup schedule (default). */
export const DEMO_CRON = '*/2 * * * *';

export async function seedLab(api: DemoApi, lab: Lab, cron = DEMO_CRON): Promise<SeedResult> {
  const groups: Record<string, string> = {};
  for (const [name, description] of [
    ['campus', 'access switches of the simulated campus (synthetic IOS-like devices)'],
    ['datacenter', 'recorded sessions of real devices, several vendors'],
  ] as const) {
    groups[name] = (await api.call<{ id: string }>('POST', '/groups', { name, description })).body.id;
  }
  let configs = 0;
  const ids: string[] = [];
  for (const d of lab.devices) {
    const profile = `cp-${d.name}`;
    await api.call('POST', '/credential-profiles', { name: profile, username: d.username, password: d.password, description: `demo credentials of ${d.name}` });
    const dev = await api.call<{ id: string }>('POST', '/devices', {
      name: d.name,
      address: d.address,
      port: d.port,
      driver: d.driver,
      group: d.group,
      site: d.site,
      credential_profile: profile,
      tags: ['demo'],
    });
    ids.push(dev.body.id);
    await api.call('POST', '/backups/configs', { device_id: dev.body.id, backup_type: 'running-config', schedule_cron: cron });
    configs++;
  }
  const compliance = await seedCompliance(api, groups.campus!);
  for (const id of ids) await api.call('POST', `/backups/devices/${id}/backup`);
  return { devices: lab.devices.length, configs, compliance };
}

/**
 * Compliance rules for the campus group (contract: POST /api/v1/compliance/rules). The lab has
 * one switch with `ip http server`, so the first rule has a violation to show.
 * HOOK: when this netkeep has no compliance API yet (404), the demo runs without rules and says so.
 */
async function seedCompliance(api: DemoApi, campusGroup: string): Promise<string> {
  const rules = [
    { name: 'No HTTP server', group_id: campusGroup, kind: 'must_not_contain', match: 'line', pattern: 'ip http server', description: 'the web server of the switch stays off (policy NET-7)', enabled: true },
    { name: 'SSH version 2', group_id: campusGroup, kind: 'must_contain', match: 'line', pattern: 'ip ssh version 2', description: 'SSH v1 is not allowed', enabled: true },
  ];
  let made = 0;
  for (const rule of rules) {
    const r = await api.call('POST', '/compliance/rules', rule, [404, 405]);
    if (r.status === 404 || r.status === 405) return 'none: this netkeep has no compliance API (POST /api/v1/compliance/rules answered 404)';
    made++;
  }
  return `${made} rules on the campus group`;
}
