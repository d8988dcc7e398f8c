// `netkeep search` and `netkeep blame`: search the stored configs, and show where each line of a
// device's current config came from.
import { BlobStore } from '../store/blobs.ts';
import { blameDevice } from '../store/blame.ts';
import { LatestConfigs } from '../search/cache.ts';
import { searchConfigs } from '../search/search.ts';
import { withContext } from './context.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_OK, parse, printJson, UsageError } from './io.ts';

const searchSpec = {
  name: 'search',
  usage: 'search PATTERN [--regex] [--case-sensitive] [--all-versions] [--group G] [--context N] [--limit N] [--json]',
  summary:
    'Search the latest stored config of every device (or every stored version) for text or a regular expression, e.g. ' +
    '`netkeep search "snmp-server community public"`. Exits 1 when nothing matches.',
  help: [
    '  --regex               PATTERN is a regular expression (^ and $ match at line ends)',
    '  --case-sensitive      match case exactly (default: ignore case)',
    '  --all-versions        search every distinct stored version, not only the latest (slower)',
    '  --group G             only devices of this group (name or id)',
    '  --context N           lines of context around each match (default 0; 0–20)',
    '  --limit N             devices (or versions) listed at most (default 1000)',
    '  --json                JSON output (the API\'s answer)',
    ...COMMON_HELP,
  ],
  options: {
    ...DB_OPTIONS,
    regex: { type: 'boolean' },
    'case-sensitive': { type: 'boolean' },
    'all-versions': { type: 'boolean' },
    group: { type: 'string' },
    context: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [1, 1],
} as const;

function intOpt(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${v}"`);
  return n;
}

export async function searchCommand(argv: string[]): Promise<number> {
  const args = parse(searchSpec, argv);
  if (!args) return EXIT_OK;
  const v = args.values;
  const context = intOpt(v.context, '--context', 0, 20) ?? 0;
  const limit = intOpt(v.limit, '--limit', 1, 10_000) ?? 1000;
  const r = await withContext(v, 'search', async (ctx) => {
    const store = BlobStore.forContext(ctx);
    const cache = new LatestConfigs(ctx.db, store, { listen: false });
    try {
      return await searchConfigs(
        ctx.db,
        store,
        { q: args.positionals[0]!, regex: !!v.regex, caseSensitive: !!v['case-sensitive'], allVersions: !!v['all-versions'], context, limit, ...(v.group ? { group: v.group } : {}) },
        cache,
      );
    } finally {
      cache.close();
    }
  });
  if (v.json) printJson(r);
  else {
    const out: string[] = [];
    for (const h of r.results) {
      const tag = r.all_versions ? `${h.device_name} @ ${h.created_at} (${h.history_id})` : h.device_name;
      for (const m of h.matches) {
        if (context) {
          m.before.forEach((l, i) => out.push(`${tag}-${m.line_no - m.before.length + i}-${l}`));
          out.push(`${tag}:${m.line_no}:${m.line}`);
          m.after.forEach((l, i) => out.push(`${tag}-${m.line_no + 1 + i}-${l}`));
          out.push('--');
        } else out.push(`${tag}:${m.line_no}:${m.line}`);
      }
      if (h.more_matches) out.push(`${tag}: … more matching lines`);
    }
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    for (const w of r.warnings) process.stderr.write(`netkeep: warning: ${w}\n`);
    process.stderr.write(
      `${r.devices_matched} of ${r.devices_searched} device(s) match${r.all_versions ? ` (${r.versions_searched} versions searched)` : ''}; ${r.elapsed_ms} ms${r.truncated ? '; more results than listed (raise --limit, or narrow the pattern)' : ''}\n`,
    );
  }
  return r.devices_matched ? EXIT_OK : 1;
}

const blameSpec = {
  name: 'blame',
  usage: 'blame DEVICE [--json]',
  summary: "Show each line of a device's current config with the version it first appeared in (since it was last absent).",
  help: ['  --json                JSON output', ...COMMON_HELP],
  options: { ...DB_OPTIONS, json: { type: 'boolean' } },
  positionals: [1, 1],
} as const;

export async function blameCommand(argv: string[]): Promise<number> {
  const args = parse(blameSpec, argv);
  if (!args) return EXIT_OK;
  const r = await withContext(args.values, 'blame', (ctx) => blameDevice(ctx.db, BlobStore.forContext(ctx), args.positionals[0]!));
  if (args.values.json) printJson(r);
  else {
    const width = String(r.lines.length).length;
    const out = r.lines.map((l) => `${l.history_id.slice(0, 8)} ${l.since.toISOString().replace('T', ' ').slice(0, 19)} ${String(l.line_no).padStart(width)}  ${l.text}`);
    process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
    for (const w of r.warnings) process.stderr.write(`netkeep: warning: ${w}\n`);
  }
  return EXIT_OK;
}
