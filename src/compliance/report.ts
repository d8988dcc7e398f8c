// Compliance reports: every device (of a group) with its state and failing rules, and one
// device's current result per rule with the history of changes over time.
import type { Db } from '../db/index.ts';
import { resolveDeviceId } from '../store/history.ts';
import { resolveGroup } from '../search/search.ts';

export interface DeviceReport {
  device_id: string;
  device_name: string;
  group_id: string | null;
  /** null: not evaluated (no stored config, or no rule applies). */
  compliant: boolean | null;
  failing_rules: { rule_id: string; name: string; detail: string; since: Date }[];
  rules_evaluated: number;
  evaluated_at: Date | null;
  history_id: string | null;
}

export interface Report {
  group_id: string | null;
  devices: DeviceReport[];
  summary: { compliant: number; non_compliant: number; unknown: number };
}

export async function complianceReport(db: Db, o: { group?: string; onlyFailing?: boolean } = {}): Promise<Report> {
  const group = o.group ? await resolveGroup(db, o.group) : undefined;
  let dq = db.selectFrom('devices').select(['id', 'name', 'group_id']).orderBy('name');
  if (group) dq = dq.where('group_id', '=', group.id);
  const devices = await dq.execute();
  let rq = db
    .selectFrom('compliance_results as c')
    .innerJoin('compliance_rules as r', 'r.id', 'c.rule_id')
    .innerJoin('devices as d', 'd.id', 'c.device_id')
    .select(['c.device_id', 'c.rule_id', 'r.name', 'c.compliant', 'c.detail', 'c.since', 'c.evaluated_at', 'c.history_id'])
    .where('r.enabled', '=', true);
  if (group) rq = rq.where('d.group_id', '=', group.id);
  const results = await rq.orderBy('r.name').execute();
  const by = new Map<string, typeof results>();
  for (const r of results) {
    const l = by.get(r.device_id);
    if (l) l.push(r);
    else by.set(r.device_id, [r]);
  }
  const out: DeviceReport[] = [];
  const summary = { compliant: 0, non_compliant: 0, unknown: 0 };
  for (const d of devices) {
    const rs = by.get(d.id) ?? [];
    const failing = rs.filter((r) => !r.compliant);
    const compliant = rs.length ? failing.length === 0 : null;
    if (compliant === null) summary.unknown++;
    else if (compliant) summary.compliant++;
    else summary.non_compliant++;
    if (o.onlyFailing && compliant !== false) continue;
    let last: (typeof rs)[number] | undefined;
    for (const r of rs) if (!last || r.evaluated_at > last.evaluated_at) last = r;
    out.push({
      device_id: d.id,
      device_name: d.name,
      group_id: d.group_id,
      compliant,
      failing_rules: failing.map((r) => ({ rule_id: r.rule_id, name: r.name, detail: r.detail, since: r.since })),
      rules_evaluated: rs.length,
      evaluated_at: last?.evaluated_at ?? null,
      history_id: last?.history_id ?? null,
    });
  }
  return { group_id: group?.id ?? null, devices: out, summary };
}

export interface DeviceCompliance {
  device_id: string;
  device_name: string;
  compliant: boolean | null;
  rules: { rule_id: string; name: string; kind: string; match: string; compliant: boolean; detail: string; since: Date; evaluated_at: Date; history_id: string | null }[];
  history: { rule_id: string; name: string; compliant: boolean; detail: string; history_id: string | null; at: Date }[];
}

/** One device: the current result of each rule, and every change (newest first, at most `limit`). */
export async function deviceCompliance(db: Db, idOrName: string, o: { limit?: number } = {}): Promise<DeviceCompliance> {
  const d = await resolveDeviceId(db, idOrName);
  const rules = await db
    .selectFrom('compliance_results as c')
    .innerJoin('compliance_rules as r', 'r.id', 'c.rule_id')
    .select(['c.rule_id', 'r.name', 'r.kind', 'r.match', 'c.compliant', 'c.detail', 'c.since', 'c.evaluated_at', 'c.history_id'])
    .where('c.device_id', '=', d.id)
    .where('r.enabled', '=', true)
    .orderBy('r.name')
    .execute();
  const history = await db
    .selectFrom('compliance_changes as c')
    .innerJoin('compliance_rules as r', 'r.id', 'c.rule_id')
    .select(['c.rule_id', 'r.name', 'c.compliant', 'c.detail', 'c.history_id', 'c.at'])
    .where('c.device_id', '=', d.id)
    .orderBy('c.at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(Math.min(Math.max(o.limit ?? 200, 1), 5000))
    .execute();
  return { device_id: d.id, device_name: d.name, compliant: rules.length ? rules.every((r) => r.compliant) : null, rules, history };
}
