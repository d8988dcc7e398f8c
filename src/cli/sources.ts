// `netkeep source add|list|show|update|sync|runs|remove` and the router.db formats of
// `netkeep device import --format oxidized|rancid`: inventory sources from the command line.
import { readFileSync } from 'node:fs';
import { audit } from '../auth/audit.ts';
import { InputError } from '../errors.ts';
import { createSource, deleteSource, getSource, listSources, updateSource, type SourceInput } from '../inventory/sources/store.ts';
import { importSourceText, listSyncRuns, syncSource, type SyncReport } from '../inventory/sources/sync.ts';
import { SOURCE_KINDS } from '../inventory/sources/types.ts';
import { cliActor, withContext } from './context.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parse, printJson, readSecret, table, UsageError } from './io.ts';
import { subcommandHelp } from './users.ts';

function jsonOption(name: string, v: string | undefined): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(v);
  } catch (err) {
    throw new UsageError(`--${name} is not valid JSON (${(err as Error).message}); quote it for the shell, e.g. --${name} '{"delimiter":";"}'`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new UsageError(`--${name} is a JSON object, e.g. '{"delimiter":";"}'`);
  return o as Record<string, unknown>;
}

/** Print a sync/import report: changes on stdout, bad lines on stderr as FILE:LINE: message. Returns the exit code. */
function printReport(r: SyncReport, where: string, json: boolean | undefined): number {
  if (json) printJson(r);
  else {
    for (const c of r.changes) process.stdout.write(`${r.dry_run ? 'would ' : ''}${c.action} ${c.device}${c.fields?.length ? ` (${c.fields.join(', ')})` : ''}\n`);
    for (const s of r.skipped) process.stdout.write(`skipped ${s.name} (${where}:${s.line}): ${s.reason}\n`);
    if (r.status === 'ok') process.stdout.write(`${r.dry_run ? 'dry run: nothing saved; ' : ''}${r.message}\n`);
  }
  if (r.status === 'ok') return EXIT_OK;
  for (const e of r.errors) process.stderr.write(`${where}:${e.line}: ${e.message}\n`);
  process.stderr.write(`netkeep: ${r.message}\n`);
  return r.status === 'refused' ? EXIT_USAGE : EXIT_FAILURE;
}

/** `netkeep device import --format oxidized|rancid FILE`: create and update devices, orphan nothing. */
export async function importFileCommand(values: { format?: string; config?: string; 'dry-run'?: boolean; json?: boolean; 'data-dir'?: string; 'database-url'?: string }, file: string): Promise<number> {
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'oxidized' && format !== 'rancid') throw new UsageError(`--format is csv, oxidized or rancid, not "${format}" (NetBox is a source: netkeep source add NAME --kind netbox)`);
  if (format === 'csv' && values.config) throw new UsageError('--config is for --format oxidized or rancid; a CSV file names its columns in its header');
  const config = jsonOption('config', values.config);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError('file_unreadable', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const dryRun = Boolean(values['dry-run']);
  const r = await withContext(values, 'device import', async (ctx) => {
    const rep = await importSourceText(ctx.db, ctx.keyring, format, text, { dryRun, ...(config ? { config } : {}) });
    if (!dryRun && rep.status === 'ok') {
      await audit(ctx.db, { ...cliActor(), action: 'device.import', targetType: 'device', targetId: file, result: 'ok', details: { format, created: rep.created, updated: rep.updated, unchanged: rep.unchanged } });
    }
    return rep;
  });
  if (r.status !== 'ok' && !values.json) r.message = r.message.replace('in the source', `in ${file}`);
  return printReport(r, file, values.json);
}

const SOURCE_OPTIONS = {
  ...DB_OPTIONS,
  path: { type: 'string' },
  url: { type: 'string' },
  config: { type: 'string' },
  'token-stdin': { type: 'boolean' },
  schedule: { type: 'string' },
  timezone: { type: 'string' },
  credentials: { type: 'string' },
  disabled: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const SOURCE_HELP = [
  '  --path FILE           csv/oxidized/rancid: absolute path of the file on this host',
  '  --url URL             netbox: NetBox\'s base URL, e.g. https://netbox.example.net',
  '  --token-stdin         netbox: read the API token from stdin (or a prompt)',
  '  --config JSON         the other settings, e.g. \'{"delimiter":":","map":{"name":0,"model":1}}\' or \'{"platform_map":{"ios-xe":"ios"}}\'',
  '  --schedule CRON       sync on a schedule (5-field cron or hourly/daily); "none" to stop',
  '  --timezone TZ         time zone of the schedule (default UTC)',
  '  --credentials NAME    credential profile for devices that bring no credentials',
  '  --disabled            do not sync on the schedule',
  '  --json                JSON output',
  ...COMMON_HELP,
];

export async function sourceCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'add':
    case 'update': {
      const spec = {
        name: `source ${sub}`,
        usage: sub === 'add' ? `source add NAME --kind ${SOURCE_KINDS.join('|')} (--path FILE | --url URL [--token-stdin]) [--config JSON] [--schedule CRON]` : 'source update NAME [--path FILE | --url URL] [--token-stdin] [--config JSON] [--schedule CRON|none] [--disabled]',
        summary: sub === 'add' ? 'Add an inventory source: a CSV file, an Oxidized or RANCID router.db, or NetBox.' : 'Change an inventory source (--config replaces its settings).',
        help: [...(sub === 'add' ? [`  --kind K              ${SOURCE_KINDS.join(', ')}`] : ['  --enabled             sync on the schedule again']), ...SOURCE_HELP],
        options: { ...SOURCE_OPTIONS, kind: { type: 'string' as const }, enabled: { type: 'boolean' as const } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const v = args.values as Record<string, string | boolean | undefined>;
      const name = args.positionals[0]!;
      if (sub === 'add' && !v.kind) throw new UsageError(`--kind is required: ${SOURCE_KINDS.join(', ')}`);
      if (sub === 'update' && v.kind) throw new UsageError('the kind of a source cannot change; add a new source instead');
      if (sub === 'add' && v.enabled) throw new UsageError('a new source is enabled unless --disabled is given');
      const given = jsonOption('config', v.config as string | undefined);
      let config: Record<string, unknown> | undefined = given ? { ...given } : undefined;
      for (const k of ['path', 'url'] as const) if (v[k] !== undefined) config = { ...config, [k]: v[k] };
      if (v.credentials !== undefined) config = { ...config, credential_profile: v.credentials };
      const token = v['token-stdin'] ? await readSecret('NetBox API token: ') : undefined;
      const schedule = v.schedule === undefined ? undefined : v.schedule === 'none' ? null : String(v.schedule);
      const s = await withContext(v as { 'data-dir'?: string }, `source ${sub}`, async (ctx) => {
        if (sub === 'add') {
          const input: SourceInput = { name, kind: String(v.kind), config: config ?? {}, ...(token !== undefined ? { token } : {}), enabled: !v.disabled };
          if (schedule !== undefined) input.schedule_cron = schedule;
          if (v.timezone) input.schedule_timezone = String(v.timezone);
          const created = await createSource(ctx.db, ctx.keyring, input);
          await audit(ctx.db, { ...cliActor(), action: 'source.create', targetType: 'source', targetId: created.id, result: 'ok', details: { name, kind: created.kind } });
          return created;
        }
        const before = await getSource(ctx.db, name);
        const patch: Partial<SourceInput> = {};
        if (config) patch.config = given ? config : { ...before.config, ...config };
        if (token !== undefined) patch.token = token;
        if (schedule !== undefined) patch.schedule_cron = schedule;
        if (v.timezone) patch.schedule_timezone = String(v.timezone);
        if (v.disabled) patch.enabled = false;
        if (v.enabled) patch.enabled = true;
        const updated = await updateSource(ctx.db, ctx.keyring, name, patch);
        await audit(ctx.db, { ...cliActor(), action: 'source.update', targetType: 'source', targetId: updated.id, result: 'ok', details: { fields: Object.keys(patch) } });
        return updated;
      });
      if (v.json) printJson(s);
      else process.stdout.write(`${sub === 'add' ? 'added' : 'updated'} ${s.kind} source ${s.name} (${s.id})${s.schedule_cron ? `, synced ${s.schedule_cron} ${s.schedule_timezone}` : ''}; preview it with: netkeep source sync ${s.name} --dry-run\n`);
      return EXIT_OK;
    }
    case 'list': {
      const spec = { name: 'source list', usage: 'source list [--json]', summary: 'List the inventory sources.', help: ['  --json                JSON output', ...COMMON_HELP], options: { ...DB_OPTIONS, json: { type: 'boolean' } } } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const page = await withContext(args.values, 'source list', (ctx) => listSources(ctx.db, { limit: 1000 }));
      if (args.values.json) printJson(page);
      else
        process.stdout.write(
          table(
            ['NAME', 'KIND', 'WHERE', 'SCHEDULE', 'DEVICES', 'ORPHANED', 'LAST RUN', 'STATUS'],
            page.items.map((s) => [s.name, s.kind, String(s.config.path ?? s.config.url ?? ''), s.schedule_cron && s.enabled ? s.schedule_cron : '-', s.device_count, s.orphaned_count, s.last_run_at ? new Date(s.last_run_at).toISOString() : 'never', s.last_status]),
          ),
        );
      return EXIT_OK;
    }
    case 'sync': {
      const spec = {
        name: 'source sync',
        usage: 'source sync NAME [--dry-run] [--json]',
        summary: 'Sync a source now: create and update its devices, mark the ones gone from it orphaned (never deleted). Any bad line refuses the whole sync.',
        help: ['  --dry-run             preview: list what would change, save nothing', '  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const name = args.positionals[0]!;
      const dryRun = Boolean(args.values['dry-run']);
      const { r, where } = await withContext(args.values, 'source sync', async (ctx) => {
        const src = await getSource(ctx.db, name);
        const rep = await syncSource(ctx, src.id, { dryRun, trigger: 'cli' });
        if (!dryRun) {
          await audit(ctx.db, { ...cliActor(), action: 'source.sync', targetType: 'source', targetId: src.id, result: rep.status === 'ok' ? 'ok' : 'failed', details: { status: rep.status, created: rep.created, updated: rep.updated, orphaned: rep.orphaned, restored: rep.restored, errors: rep.errors.length } });
        }
        return { r: rep, where: String(src.config.path ?? src.name) };
      });
      return printReport(r, where, args.values.json);
    }
    case 'runs': {
      const spec = {
        name: 'source runs',
        usage: 'source runs NAME [--limit N] [--json]',
        summary: 'The sync runs of a source, newest first.',
        help: ['  --limit N             at most N runs (default 20)', '  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, limit: { type: 'string' }, json: { type: 'boolean' } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const limit = Number(args.values.limit ?? 20);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive number');
      const page = await withContext(args.values, 'source runs', (ctx) => listSyncRuns(ctx.db, args.positionals[0]!, { limit }));
      if (args.values.json) printJson(page);
      else
        process.stdout.write(
          table(
            ['STARTED', 'TRIGGER', 'DRY RUN', 'STATUS', 'CREATED', 'UPDATED', 'ORPHANED', 'RESTORED', 'ERRORS', 'MESSAGE'],
            page.items.map((x) => [new Date(x.started_at).toISOString(), x.trigger, x.dry_run, x.status, x.created, x.updated, x.orphaned, x.restored, x.errors.length, x.message]),
          ),
        );
      return EXIT_OK;
    }
    case 'remove': {
      const spec = {
        name: 'source remove',
        usage: 'source remove NAME',
        summary: 'Remove an inventory source. Its devices and their history stay; they are no longer synced.',
        help: [...COMMON_HELP],
        options: { ...DB_OPTIONS },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const s = await withContext(args.values, 'source remove', async (ctx) => {
        const d = await deleteSource(ctx.db, args.positionals[0]!);
        await audit(ctx.db, { ...cliActor(), action: 'source.delete', targetType: 'source', targetId: d.id, result: 'ok', details: { name: d.name } });
        return d;
      });
      process.stdout.write(`removed source ${s.name}; its ${s.device_count} device${s.device_count === 1 ? '' : 's'} stay in the inventory\n`);
      return EXIT_OK;
    }
    default:
      return subcommandHelp('source', sub, [
        'add NAME --kind K ...              add a CSV, Oxidized/RANCID router.db or NetBox source',
        'list [--json]                      list sources',
        'update NAME ...                    change a source',
        'sync NAME [--dry-run]              sync now (or preview)',
        'runs NAME                          the sync runs of a source',
        'remove NAME                        remove a source (its devices stay)',
      ]);
  }
}
