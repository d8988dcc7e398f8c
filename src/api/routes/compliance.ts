// Compliance over HTTP: rules (list, create, show, change, delete), evaluation on demand, the
// report per device and one device's results with their history.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { evaluateAll } from '../../compliance/engine.ts';
import { complianceReport, deviceCompliance } from '../../compliance/report.ts';
import { createRule, deleteRule, getRule, listRules, updateRule } from '../../compliance/rules.ts';
import { BlobStore } from '../../store/blobs.ts';
import { DateTime, IdOrNameParams, NoContent, Nullable, responses, setTarget, toJson, created } from '../http.ts';

const Kind = Type.Union([Type.Literal('must_contain'), Type.Literal('must_not_contain')]);
const Match = Type.Union([Type.Literal('line'), Type.Literal('regex'), Type.Literal('block')], {
  description: 'line: one exact line (trailing whitespace ignored); regex: a regular expression, multiline; block: first line a regex for the parent line, further lines regexes for its indented child lines (IOS style)',
});
const RuleSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  group_id: Nullable(Type.String({ description: 'null: every device' })),
  group_name: Nullable(Type.String()),
  kind: Kind,
  match: Match,
  pattern: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  created_at: DateTime(),
  updated_at: DateTime(),
});
const RuleFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  group_id: Nullable(Type.String({ minLength: 1, maxLength: 255, description: 'group id or name; null or absent: every device' })),
  kind: Kind,
  match: Match,
  pattern: Type.String({ maxLength: 10000 }),
  description: Type.String({ maxLength: 4096 }),
  enabled: Type.Boolean(),
};
const RuleCreate = Type.Object(
  {
    name: RuleFields.name,
    group_id: Type.Optional(RuleFields.group_id),
    kind: RuleFields.kind,
    match: RuleFields.match,
    pattern: RuleFields.pattern,
    description: Type.Optional(RuleFields.description),
    enabled: Type.Optional(RuleFields.enabled),
  },
  { additionalProperties: false },
);
const RulePatch = Type.Partial(Type.Object(RuleFields), { additionalProperties: false, minProperties: 1 });
const GroupQuery = Type.Object({ group_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'group id or name' })) }, { additionalProperties: false });
const ReportQuery = Type.Object(
  {
    group_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'group id or name' })),
    only_failing: Type.Boolean({ default: false, description: 'list only non-compliant devices (the summary counts all)' }),
  },
  { additionalProperties: false },
);
const EvaluateBody = Type.Object(
  {
    rule_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'one rule (id or name); absent: every enabled rule' })),
    group_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'only devices of this group (id or name)' })),
  },
  { additionalProperties: false },
);
const Summary = Type.Object({
  devices_evaluated: Type.Integer(),
  rules: Type.Integer(),
  results: Type.Integer(),
  compliant: Type.Integer(),
  non_compliant: Type.Integer(),
  violations: Type.Integer({ description: "results that fell out of compliance (or were first found failing): 'compliance.violation' events" }),
  restored: Type.Integer(),
  without_config: Type.Integer({ description: 'devices in scope without a readable stored config' }),
  elapsed_ms: Type.Integer(),
});
const Report = Type.Object({
  group_id: Nullable(Type.String()),
  devices: Type.Array(
    Type.Object({
      device_id: Type.String(),
      device_name: Type.String(),
      group_id: Nullable(Type.String()),
      compliant: Nullable(Type.Boolean({ description: 'null: not evaluated (no stored config, or no rule applies)' })),
      failing_rules: Type.Array(Type.Object({ rule_id: Type.String(), name: Type.String(), detail: Type.String(), since: DateTime() })),
      rules_evaluated: Type.Integer(),
      evaluated_at: Nullable(DateTime()),
      history_id: Nullable(Type.String()),
    }),
  ),
  summary: Type.Object({ compliant: Type.Integer(), non_compliant: Type.Integer(), unknown: Type.Integer() }),
});
const DeviceResult = Type.Object({
  device_id: Type.String(),
  device_name: Type.String(),
  compliant: Nullable(Type.Boolean()),
  rules: Type.Array(
    Type.Object({
      rule_id: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      match: Type.String(),
      compliant: Type.Boolean(),
      detail: Type.String(),
      since: DateTime(),
      evaluated_at: DateTime(),
      history_id: Nullable(Type.String()),
    }),
  ),
  history: Type.Array(Type.Object({ rule_id: Type.String(), name: Type.String(), compliant: Type.Boolean(), detail: Type.String(), history_id: Nullable(Type.String()), at: DateTime() })),
});
const HistoryLimit = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 5000, default: 200, description: 'changes at most (newest first)' }) }, { additionalProperties: false });

export function complianceRoutes(app: FastifyInstance, ctx: AppContext, store: BlobStore = BlobStore.forContext(ctx)): void {
  const { db } = ctx;

  app.get('/compliance/rules', {
    schema: { tags: ['compliance'], summary: 'Compliance rules (of a group: its rules and the rules for every device)', querystring: GroupQuery, response: responses({ 200: Type.Object({ items: Type.Array(RuleSchema) }) }) },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof GroupQuery>;
      return toJson({ items: await listRules(db, q.group_id ? { group: q.group_id } : {}) });
    },
  });

  app.post('/compliance/rules', {
    schema: { tags: ['compliance'], summary: 'Create a rule (validated; evaluate it with POST /compliance/evaluate)', body: RuleCreate, response: responses({ 201: RuleSchema }) },
    config: { access: 'backups:write', action: 'compliance.rule_create', target: 'compliance_rule' },
    handler: async (req, reply) => {
      const b = req.body as Static<typeof RuleCreate>;
      const r = await createRule(db, b);
      setTarget(req, 'compliance_rule', r.id, { name: r.name });
      return created(reply, r);
    },
  });

  app.get('/compliance/rules/:id', {
    schema: { tags: ['compliance'], summary: 'One rule', params: IdOrNameParams, response: responses({ 200: RuleSchema }) },
    config: { access: 'backups:read' },
    handler: async (req) => toJson(await getRule(db, (req.params as { id: string }).id)),
  });

  app.patch('/compliance/rules/:id', {
    schema: { tags: ['compliance'], summary: 'Change a rule (its current results are cleared when what it checks changes; evaluate again)', params: IdOrNameParams, body: RulePatch, response: responses({ 200: RuleSchema }) },
    config: { access: 'backups:write', action: 'compliance.rule_update', target: 'compliance_rule' },
    handler: async (req) => {
      const r = await updateRule(db, (req.params as { id: string }).id, req.body as Static<typeof RulePatch>);
      setTarget(req, 'compliance_rule', r.id, { name: r.name });
      return toJson(r);
    },
  });

  app.delete('/compliance/rules/:id', {
    schema: { tags: ['compliance'], summary: 'Delete a rule with its results and history', params: IdOrNameParams, response: responses({ 204: NoContent }) },
    config: { access: 'backups:write', action: 'compliance.rule_delete', target: 'compliance_rule' },
    handler: async (req, reply) => {
      const r = await deleteRule(db, (req.params as { id: string }).id);
      setTarget(req, 'compliance_rule', r.id, { name: r.name });
      return reply.code(204).send();
    },
  });

  app.post('/compliance/evaluate', {
    schema: { tags: ['compliance'], summary: 'Evaluate one rule or every rule over the latest configs now', body: EvaluateBody, response: responses({ 200: Summary }) },
    config: { access: 'backups:write', action: 'compliance.evaluate', target: 'compliance_rule' },
    handler: async (req) => {
      const b = (req.body ?? {}) as Static<typeof EvaluateBody>;
      if (b.rule_id) setTarget(req, 'compliance_rule', b.rule_id);
      const r = await evaluateAll(db, store, { ...(b.rule_id ? { rule: b.rule_id } : {}), ...(b.group_id ? { group: b.group_id } : {}) });
      req.auditDetails = { ...req.auditDetails, ...r };
      return r;
    },
  });

  app.get('/compliance/report', {
    schema: { tags: ['compliance'], summary: 'Every device (of a group) with its compliance state and failing rules', querystring: ReportQuery, response: responses({ 200: Report }) },
    config: { access: 'backups:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof ReportQuery>;
      return toJson(await complianceReport(db, { ...(q.group_id ? { group: q.group_id } : {}), onlyFailing: q.only_failing }));
    },
  });

  app.get('/compliance/devices/:id', {
    schema: { tags: ['compliance'], summary: "A device's current result per rule and its changes over time", params: IdOrNameParams, querystring: HistoryLimit, response: responses({ 200: DeviceResult }) },
    config: { access: 'backups:read' },
    handler: async (req) => toJson(await deviceCompliance(db, (req.params as { id: string }).id, { limit: (req.query as Static<typeof HistoryLimit>).limit })),
  });
}
