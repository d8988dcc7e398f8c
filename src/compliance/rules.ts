// Compliance rules in the database: create, list, get, update, delete; every rule is compiled
// (validated) before it is stored, so a stored rule always runs.
import type { Db } from '../db/index.ts';
import { InputError } from '../errors.ts';
import { isUuid } from '../inventory/common.ts';
import { resolveGroup } from '../search/search.ts';
import { compileRule, type RuleKind, type RuleMatch } from './check.ts';

export interface RuleView {
  id: string;
  name: string;
  group_id: string | null;
  group_name: string | null;
  kind: RuleKind;
  match: RuleMatch;
  pattern: string;
  description: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface RuleInput {
  name?: string;
  /** Group id or name; null = every device. */
  group_id?: string | null;
  kind?: RuleKind;
  match?: RuleMatch;
  pattern?: string;
  description?: string;
  enabled?: boolean;
}

function base(db: Db) {
  return db
    .selectFrom('compliance_rules as r')
    .leftJoin('device_groups as g', 'g.id', 'r.group_id')
    .select(['r.id', 'r.name', 'r.group_id', 'g.name as group_name', 'r.kind', 'r.match', 'r.pattern', 'r.description', 'r.enabled', 'r.created_at', 'r.updated_at']);
}

export async function listRules(db: Db, o: { group?: string } = {}): Promise<RuleView[]> {
  let q = base(db);
  if (o.group) {
    const g = await resolveGroup(db, o.group);
    q = q.where((eb) => eb.or([eb('r.group_id', '=', g.id), eb('r.group_id', 'is', null)]));
  }
  return (await q.orderBy('r.name').execute()) as RuleView[];
}

export async function getRule(db: Db, idOrName: string): Promise<RuleView> {
  let q = base(db);
  q = isUuid(idOrName) ? q.where((eb) => eb.or([eb('r.id', '=', idOrName), eb('r.name', '=', idOrName)])) : q.where('r.name', '=', idOrName);
  const r = await q.executeTakeFirst();
  if (!r) throw new InputError('rule_not_found', `no compliance rule with id or name "${idOrName}"; list them with GET /api/v1/compliance/rules (or netkeep compliance rules)`, 404);
  return r as RuleView;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !name.trim()) throw new InputError('invalid_rule', 'name is required: a short name for the rule, e.g. "ntp server set"', 400);
  if (name.length > 200) throw new InputError('invalid_rule', 'name is longer than 200 characters; shorten it', 400);
  return name.trim();
}

async function groupId(db: Db, g: string | null | undefined): Promise<string | null> {
  return g ? (await resolveGroup(db, g)).id : null;
}

async function uniqueName(db: Db, name: string, except?: string): Promise<void> {
  let q = db.selectFrom('compliance_rules').select('id').where('name', '=', name);
  if (except) q = q.where('id', '<>', except);
  if (await q.executeTakeFirst()) throw new InputError('rule_exists', `a compliance rule named "${name}" exists already; choose another name or change that rule`, 409);
}

export async function createRule(db: Db, input: RuleInput): Promise<RuleView> {
  const name = checkName(input.name);
  const spec = { kind: input.kind ?? 'must_contain', match: input.match ?? 'line', pattern: input.pattern ?? '' } as const;
  compileRule(spec);
  const gid = await groupId(db, input.group_id);
  await uniqueName(db, name);
  const r = await db
    .insertInto('compliance_rules')
    .values({ name, group_id: gid, ...spec, description: input.description ?? '', enabled: input.enabled ?? true, updated_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return getRule(db, r.id);
}

export async function updateRule(db: Db, idOrName: string, input: RuleInput): Promise<RuleView> {
  const cur = await getRule(db, idOrName);
  const name = input.name !== undefined ? checkName(input.name) : cur.name;
  const spec = { kind: input.kind ?? cur.kind, match: input.match ?? cur.match, pattern: input.pattern ?? cur.pattern };
  compileRule(spec);
  const gid = input.group_id !== undefined ? await groupId(db, input.group_id) : cur.group_id;
  if (name !== cur.name) await uniqueName(db, name, cur.id);
  await db
    .updateTable('compliance_rules')
    .set({ name, group_id: gid, ...spec, ...(input.description !== undefined ? { description: input.description } : {}), ...(input.enabled !== undefined ? { enabled: input.enabled } : {}), updated_at: new Date() })
    .where('id', '=', cur.id)
    .execute();
  // results of a changed rule describe the old rule: they go (history stays); re-evaluate to refresh
  if (spec.pattern !== cur.pattern || spec.kind !== cur.kind || spec.match !== cur.match || gid !== cur.group_id || input.enabled === false) {
    await db.deleteFrom('compliance_results').where('rule_id', '=', cur.id).execute();
  }
  return getRule(db, cur.id);
}

export async function deleteRule(db: Db, idOrName: string): Promise<RuleView> {
  const cur = await getRule(db, idOrName);
  await db.deleteFrom('compliance_rules').where('id', '=', cur.id).execute();
  return cur;
}

/** The enabled rules that apply to a device of this group (null: rules for all devices only). */
export async function rulesFor(db: Db, groupId: string | null): Promise<RuleView[]> {
  let q = base(db).where('r.enabled', '=', true);
  q = groupId ? q.where((eb) => eb.or([eb('r.group_id', '=', groupId), eb('r.group_id', 'is', null)])) : q.where('r.group_id', 'is', null);
  return (await q.orderBy('r.name').execute()) as RuleView[];
}
