// Evaluating compliance: the applicable rules over a device's latest config (after a backup), or
// one rule / every rule over the latest configs of many devices (on demand). Results are stored
// per device and rule; each change of state is appended to compliance_changes and announced on
// the bus ('compliance.violation' when a device falls out, 'compliance.restored' when it is back).
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { bus } from '../events/bus.ts';
import type { BlobStore } from '../store/blobs.ts';
import { latestConfigsFor, type CachedConfig } from '../search/cache.ts';
import { resolveGroup } from '../search/search.ts';
import { compileRule, type CompiledRule } from './check.ts';
import { getRule, rulesFor, type RuleView } from './rules.ts';

export interface EvalOutcome {
  deviceId: string;
  deviceName: string;
  ruleId: string;
  ruleName: string;
  compliant: boolean;
  detail: string;
  historyId: string;
}

export interface EvalSummary {
  devices_evaluated: number;
  rules: number;
  results: number;
  compliant: number;
  non_compliant: number;
  violations: number;
  restored: number;
  /** Devices in scope without a readable stored config (not evaluated). */
  without_config: number;
  elapsed_ms: number;
}

// All result writes of this process go one after another: two evaluations of the same device
// (its backup event and an on-demand run) never race on the same rows.
let chain: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const p = chain.then(fn, fn);
  chain = p.catch(() => {});
  return p;
}

/** Store outcomes; returns the transitions (already emitted on the bus). */
export function storeOutcomes(db: Db, outs: EvalOutcome[], at = new Date()): Promise<{ violations: EvalOutcome[]; restored: EvalOutcome[] }> {
  return serialized(async () => {
    const violations: EvalOutcome[] = [];
    const restored: EvalOutcome[] = [];
    for (let i = 0; i < outs.length; i += 500) {
      const chunk = outs.slice(i, i + 500);
      const deviceIds = [...new Set(chunk.map((o) => o.deviceId))];
      const ruleIds = [...new Set(chunk.map((o) => o.ruleId))];
      const v: EvalOutcome[] = [];
      const r: EvalOutcome[] = [];
      await db.transaction().execute(async (trx) => {
        const prev = await trx.selectFrom('compliance_results').select(['device_id', 'rule_id', 'compliant']).where('device_id', 'in', deviceIds).where('rule_id', 'in', ruleIds).execute();
        const before = new Map(prev.map((p) => [`${p.device_id}|${p.rule_id}`, p.compliant]));
        const fresh: EvalOutcome[] = [];
        const flipped: EvalOutcome[] = [];
        const same: EvalOutcome[] = [];
        for (const o of chunk) {
          const b = before.get(`${o.deviceId}|${o.ruleId}`);
          if (b === undefined) fresh.push(o);
          else if (b !== o.compliant) flipped.push(o);
          else same.push(o);
        }
        if (fresh.length) {
          await trx
            .insertInto('compliance_results')
            .values(fresh.map((o) => ({ device_id: o.deviceId, rule_id: o.ruleId, compliant: o.compliant, detail: o.detail, history_id: o.historyId, since: at, evaluated_at: at })))
            .onConflict((oc) => oc.columns(['device_id', 'rule_id']).doUpdateSet((eb) => ({ compliant: eb.ref('excluded.compliant'), detail: eb.ref('excluded.detail'), history_id: eb.ref('excluded.history_id'), evaluated_at: eb.ref('excluded.evaluated_at') })))
            .execute();
        }
        for (const o of flipped) {
          await trx.updateTable('compliance_results').set({ compliant: o.compliant, detail: o.detail, history_id: o.historyId, since: at, evaluated_at: at }).where('device_id', '=', o.deviceId).where('rule_id', '=', o.ruleId).execute();
        }
        if (same.length) {
          const values = sql.join(same.map((o) => sql`(${o.deviceId}, ${o.ruleId}, ${o.historyId}, ${o.detail})`));
          await sql`UPDATE compliance_results AS c SET evaluated_at = ${at}, history_id = v.hid::uuid, detail = v.detail
            FROM (VALUES ${values}) AS v(device_id, rule_id, hid, detail)
            WHERE c.device_id = v.device_id::uuid AND c.rule_id = v.rule_id::uuid`.execute(trx);
        }
        const changes = [...fresh, ...flipped];
        if (changes.length) {
          await trx
            .insertInto('compliance_changes')
            .values(changes.map((o) => ({ device_id: o.deviceId, rule_id: o.ruleId, compliant: o.compliant, detail: o.detail, history_id: o.historyId, at })))
            .execute();
        }
        for (const o of [...fresh, ...flipped]) {
          if (!o.compliant) v.push(o);
          else if (flipped.includes(o)) r.push(o);
        }
      });
      // after the commit: listeners see stored facts
      for (const o of v) bus.emit('compliance.violation', { deviceId: o.deviceId, deviceName: o.deviceName, ruleId: o.ruleId, ruleName: o.ruleName, detail: o.detail, historyId: o.historyId, at });
      for (const o of r) bus.emit('compliance.restored', { deviceId: o.deviceId, deviceName: o.deviceName, ruleId: o.ruleId, ruleName: o.ruleName, detail: o.detail, historyId: o.historyId, at });
      violations.push(...v);
      restored.push(...r);
    }
    return { violations, restored };
  });
}

function run(rule: CompiledRule & { id: string; name: string }, c: CachedConfig): EvalOutcome {
  const o = rule.run(c.text);
  return { deviceId: c.deviceId, deviceName: c.deviceName, ruleId: rule.id, ruleName: rule.name, compliant: o.compliant, detail: o.detail, historyId: c.historyId };
}

const compiled = (r: RuleView) => ({ ...compileRule(r), id: r.id, name: r.name });

/**
 * The applicable rules over one device's latest config (what runs after every backup). Results
 * of rules that no longer apply to it (disabled, other group) are removed; their history stays.
 */
export async function evaluateDevice(db: Db, store: BlobStore, deviceId: string): Promise<EvalOutcome[]> {
  const c = await latestConfigsFor(db, store).get(deviceId);
  if (!c) return [];
  const rules = await rulesFor(db, c.groupId);
  const outs = rules.map((r) => run(compiled(r), c));
  await storeOutcomes(db, outs);
  let del = db.deleteFrom('compliance_results').where('device_id', '=', deviceId);
  if (rules.length) del = del.where('rule_id', 'not in', rules.map((r) => r.id));
  await del.execute();
  return outs;
}

/** One rule (rule given) or every enabled rule over the latest configs of their devices (optionally one group's). */
export async function evaluateAll(db: Db, store: BlobStore, o: { rule?: string; group?: string } = {}): Promise<EvalSummary> {
  const t0 = performance.now();
  const group = o.group ? await resolveGroup(db, o.group) : undefined;
  let rules: RuleView[];
  if (o.rule) {
    const r = await getRule(db, o.rule);
    rules = r.enabled ? [r] : [];
  } else {
    rules = await allEnabled(db);
  }
  const snap = await latestConfigsFor(db, store).snapshot();
  const inScope = new Map<string, number>();
  const outs: EvalOutcome[] = [];
  const withConfig = new Set<string>();
  const all = rules.map((r) => ({ c: compiled(r), groupId: r.group_id }));
  for (const c of snap.configs) {
    if (group && c.groupId !== group.id) continue;
    withConfig.add(c.deviceId);
    for (const { c: r, groupId } of all) {
      if (groupId && groupId !== c.groupId) continue;
      outs.push(run(r, c));
      inScope.set(c.deviceId, 1);
    }
  }
  const devices = await db.selectFrom('devices').select(['id', 'group_id']).execute();
  const without = devices.filter((d) => (!group || d.group_id === group.id) && !withConfig.has(d.id)).length;
  const { violations, restored } = await storeOutcomes(db, outs);
  return {
    devices_evaluated: inScope.size,
    rules: rules.length,
    results: outs.length,
    compliant: outs.filter((x) => x.compliant).length,
    non_compliant: outs.filter((x) => !x.compliant).length,
    violations: violations.length,
    restored: restored.length,
    without_config: without,
    elapsed_ms: Math.round(performance.now() - t0),
  };
}

async function allEnabled(db: Db): Promise<RuleView[]> {
  const ids = await db.selectFrom('compliance_rules').select('id').where('enabled', '=', true).orderBy('name').execute();
  return Promise.all(ids.map((r) => getRule(db, r.id)));
}
