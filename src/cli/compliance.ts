// `netkeep compliance rules|add|remove|evaluate|report`: compliance rules and the report from the shell.
import { audit } from '../auth/audit.ts';
import { evaluateAll } from '../compliance/engine.ts';
import { complianceReport, deviceCompliance } from '../compliance/report.ts';
import { createRule, deleteRule, listRules } from '../compliance/rules.ts';
import type { RuleKind, RuleMatch } from '../compliance/check.ts';
import { BlobStore } from '../store/blobs.ts';
import { cliActor, withContext } from './context.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_OK, parse, printJson, table, UsageError } from './io.ts';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) : null);

function help(sub: string | undefined): number {
  if (sub !== undefined && sub !== '--help' && sub !== '-h') throw new UsageError(`unknown subcommand "compliance ${sub}" (see netkeep compliance --help)`);
  process.stdout.write(
    'Usage: netkeep compliance <subcommand> [options]\n\nSubcommands:\n' +
      [
        'rules                 list the rules',
        'add NAME PATTERN      add a rule (--must-not, --match line|regex|block, --group G) and evaluate it',
        'remove NAME           delete a rule with its results and history',
        'evaluate [RULE]       evaluate one rule or every rule over the latest configs now',
        'report [DEVICE]       compliance of every device (or one device, with its history)',
      ]
        .map((l) => `  ${l}`)
        .join('\n') +
      '\n',
  );
  return sub === undefined ? 2 : EXIT_OK;
}

export async function complianceCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'rules': {
      const spec = { name: 'compliance rules', usage: 'compliance rules [--group G] [--json]', summary: 'List the compliance rules (of a group: its rules and those for every device).', help: ['  --group G             rules that apply to this group', '  --json                JSON output', ...COMMON_HELP], options: { ...DB_OPTIONS, group: { type: 'string' }, json: { type: 'boolean' } } } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const rules = await withContext(args.values, 'compliance rules', (ctx) => listRules(ctx.db, args.values.group ? { group: args.values.group } : {}));
      if (args.values.json) printJson(rules);
      else process.stdout.write(table(['NAME', 'GROUP', 'KIND', 'MATCH', 'ENABLED', 'PATTERN'], rules.map((r) => [r.name, r.group_name ?? '(all)', r.kind, r.match, r.enabled ? 'yes' : 'no', r.pattern.replace(/\n/g, '⏎')])));
      return EXIT_OK;
    }
    case 'add': {
      const spec = {
        name: 'compliance add',
        usage: 'compliance add NAME PATTERN [--must-not] [--match line|regex|block] [--group G] [--description TEXT] [--no-evaluate] [--json]',
        summary:
          'Add a compliance rule and evaluate it over the latest configs. PATTERN is a line (exact, trailing spaces ignored), a regular expression (--match regex), ' +
          'or a block (--match block): a regular expression for the parent line and, on the following lines, one for each required child line, e.g. $\'interface Gi.*\\n shutdown\'.',
        help: [
          '  --must-not            the config must NOT contain it (default: must contain)',
          '  --match M             line (default), regex or block',
          '  --group G             only devices of this group (default: every device)',
          '  --description TEXT    why the rule exists',
          '  --no-evaluate         do not evaluate it now (the next backups will)',
          '  --json                JSON output',
          ...COMMON_HELP,
        ],
        options: { ...DB_OPTIONS, 'must-not': { type: 'boolean' }, match: { type: 'string' }, group: { type: 'string' }, description: { type: 'string' }, 'no-evaluate': { type: 'boolean' }, json: { type: 'boolean' } },
        positionals: [2, 2],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const v = args.values;
      const match = (v.match ?? 'line') as RuleMatch;
      if (!['line', 'regex', 'block'].includes(match)) throw new UsageError(`--match must be line, regex or block, not "${v.match}"`);
      const kind: RuleKind = v['must-not'] ? 'must_not_contain' : 'must_contain';
      const r = await withContext(v, 'compliance add', async (ctx) => {
        const rule = await createRule(ctx.db, { name: args.positionals[0]!, pattern: args.positionals[1]!, kind, match, group_id: v.group ?? null, ...(v.description ? { description: v.description } : {}) });
        await audit(ctx.db, { ...cliActor(), action: 'compliance.rule_create', targetType: 'compliance_rule', targetId: rule.id, result: 'ok', details: { name: rule.name } });
        const evaluation = v['no-evaluate'] ? undefined : await evaluateAll(ctx.db, BlobStore.forContext(ctx), { rule: rule.id });
        return { rule, evaluation };
      });
      if (v.json) printJson(r);
      else {
        process.stdout.write(`added rule "${r.rule.name}" (${r.rule.kind} ${r.rule.match}) for ${r.rule.group_name ? `group ${r.rule.group_name}` : 'every device'}\n`);
        if (r.evaluation) process.stdout.write(`evaluated on ${r.evaluation.devices_evaluated} device(s): ${r.evaluation.compliant} compliant, ${r.evaluation.non_compliant} not${r.evaluation.without_config ? `; ${r.evaluation.without_config} without a stored config` : ''}\n`);
      }
      return EXIT_OK;
    }
    case 'remove': {
      const spec = { name: 'compliance remove', usage: 'compliance remove NAME', summary: 'Delete a compliance rule with its results and history.', help: [...COMMON_HELP], options: { ...DB_OPTIONS }, positionals: [1, 1] } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const r = await withContext(args.values, 'compliance remove', async (ctx) => {
        const rule = await deleteRule(ctx.db, args.positionals[0]!);
        await audit(ctx.db, { ...cliActor(), action: 'compliance.rule_delete', targetType: 'compliance_rule', targetId: rule.id, result: 'ok', details: { name: rule.name } });
        return rule;
      });
      process.stdout.write(`removed rule "${r.name}"\n`);
      return EXIT_OK;
    }
    case 'evaluate': {
      const spec = { name: 'compliance evaluate', usage: 'compliance evaluate [RULE] [--group G] [--json]', summary: 'Evaluate one rule (or every enabled rule) over the latest stored configs now.', help: ['  --group G             only devices of this group', '  --json                JSON output', ...COMMON_HELP], options: { ...DB_OPTIONS, group: { type: 'string' }, json: { type: 'boolean' } }, positionals: [0, 1] } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const r = await withContext(args.values, 'compliance evaluate', (ctx) => evaluateAll(ctx.db, BlobStore.forContext(ctx), { ...(args.positionals[0] ? { rule: args.positionals[0] } : {}), ...(args.values.group ? { group: args.values.group } : {}) }));
      if (args.values.json) printJson(r);
      else process.stdout.write(`${r.rules} rule(s) on ${r.devices_evaluated} device(s): ${r.compliant} compliant, ${r.non_compliant} not (${r.violations} newly failing, ${r.restored} restored); ${r.elapsed_ms} ms\n`);
      return EXIT_OK;
    }
    case 'report': {
      const spec = {
        name: 'compliance report',
        usage: 'compliance report [DEVICE] [--group G] [--failing] [--json]',
        summary: 'The compliance of every device (of a group), or of one device with every change over time. Exits 1 when a device listed is not compliant.',
        help: ['  --group G             only devices of this group', '  --failing             only non-compliant devices', '  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, group: { type: 'string' }, failing: { type: 'boolean' }, json: { type: 'boolean' } },
        positionals: [0, 1],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const v = args.values;
      const device = args.positionals[0];
      if (device) {
        const r = await withContext(v, 'compliance report', (ctx) => deviceCompliance(ctx.db, device));
        if (v.json) printJson(r);
        else {
          process.stdout.write(`${r.device_name}: ${r.compliant === null ? 'not evaluated' : r.compliant ? 'compliant' : 'NOT compliant'}\n\n`);
          process.stdout.write(table(['RULE', 'STATE', 'SINCE', 'DETAIL'], r.rules.map((x) => [x.name, x.compliant ? 'ok' : 'FAIL', iso(x.since), x.detail])));
          if (r.history.length) process.stdout.write(`\nchanges:\n${table(['AT', 'RULE', 'STATE', 'DETAIL'], r.history.map((x) => [iso(x.at), x.name, x.compliant ? 'ok' : 'FAIL', x.detail]))}`);
        }
        return r.compliant === false ? 1 : EXIT_OK;
      }
      const r = await withContext(v, 'compliance report', (ctx) => complianceReport(ctx.db, { ...(v.group ? { group: v.group } : {}), onlyFailing: !!v.failing }));
      if (v.json) printJson(r);
      else {
        process.stdout.write(
          table(
            ['DEVICE', 'STATE', 'FAILING RULES', 'EVALUATED'],
            r.devices.map((d) => [d.device_name, d.compliant === null ? 'unknown' : d.compliant ? 'ok' : 'FAIL', d.failing_rules.map((f) => `${f.name}: ${f.detail}`).join('; ') || null, iso(d.evaluated_at)]),
          ),
        );
        process.stdout.write(`\n${r.summary.compliant} compliant, ${r.summary.non_compliant} not compliant, ${r.summary.unknown} not evaluated\n`);
      }
      return r.summary.non_compliant ? 1 : EXIT_OK;
    }
    default:
      return help(sub);
  }
}
