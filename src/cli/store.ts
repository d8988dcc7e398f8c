// `netkeep keys`, `verify`, `retention`, `import`, `history`: the config store from the shell.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { AppContext } from '../context.ts';
import { cliActor, withContext } from './context.ts';
import { audit } from '../auth/audit.ts';
import { InputError } from '../errors.ts';
import { BlobStore } from '../store/blobs.ts';
import { diffVersions, getVersion, listVersions, readVersion } from '../store/history.ts';
import { importGitHistory, type ImportKind } from '../store/import.ts';
import { keyUsage, rewrapAll, rotateMasterKey } from '../store/keys.ts';
import { applyRetention, planRetention } from '../store/retention.ts';
import { verifyStore } from '../store/verify.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_FAILURE, EXIT_OK, parse, printJson, table, UsageError } from './io.ts';


/** Open the data and the blob store for one command. */
const withStore = <T>(values: { 'data-dir'?: string; 'database-url'?: string }, command: string, fn: (ctx: AppContext, store: BlobStore) => Promise<T>) =>
  withContext(values, command, (ctx) => fn(ctx, BlobStore.forContext(ctx)));
const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

function subcommandHelp(cmd: string, sub: string | undefined, lines: string[]): number {
  if (sub !== undefined && sub !== '--help' && sub !== '-h') throw new UsageError(`unknown subcommand "${cmd} ${sub}" (see netkeep ${cmd} --help)`);
  process.stdout.write(`Usage: netkeep ${cmd} <subcommand> [options]\n\nSubcommands:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  return sub === undefined ? 2 : EXIT_OK;
}

export async function keysCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'rotate': {
      const spec = {
        name: 'keys rotate',
        usage: 'keys rotate [--json]',
        summary:
          'Make a new master key and rewrap every stored config\'s data key and every credential secret under it (config data is not rewritten); ' +
          'the old key is kept in DATA_DIR/keys/ only after everything is rewrapped. Restart running netkeep processes afterwards.',
        help: ['  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, json: { type: 'boolean' } },
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const r = await withStore(args.values, 'keys rotate', async (ctx, store) => {
        const rep = await rotateMasterKey(ctx, store.backend);
        await audit(ctx.db, { ...cliActor(), action: 'keys.rotate', targetType: 'master_key', targetId: rep.newKeyId, result: rep.switched ? 'ok' : 'failed', details: { old: rep.oldKeyId, blobs: rep.blobs, secrets: rep.secrets, failed: rep.failed.length } });
        return rep;
      });
      if (args.values.json) printJson(r);
      else if (r.switched) {
        process.stdout.write(`master key rotated: ${r.oldKeyId} -> ${r.newKeyId}; rewrapped ${r.blobs} config data key(s) and ${r.secrets} credential secret(s); old key kept in keys/${r.oldKeyId}.key\n`);
      }
      if (!r.switched) {
        process.stderr.write(
          `netkeep: storage error: ${r.failed.length} item(s) could not be rewrapped, so key ${r.oldKeyId} stays current (nothing was lost; new key ${r.newKeyId} is kept in keys/): ` +
            `${r.failed.slice(0, 3).map((f) => `${f.what}: ${f.error}`).join('; ')}. Run netkeep verify, fix or restore those, then rotate again\n`,
        );
        return EXIT_FAILURE;
      }
      return EXIT_OK;
    }
    case 'rewrap': {
      const spec = {
        name: 'keys rewrap',
        usage: 'keys rewrap [--json]',
        summary: 'Rewrap everything still under an older master key under the current one (after NETKEEP_MASTER_KEY was changed, or to finish an interrupted rotation).',
        help: ['  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, json: { type: 'boolean' } },
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const r = await withStore(args.values, 'keys rewrap', async (ctx, store) => {
        const rep = await rewrapAll(ctx.db, ctx.keyring, store.backend);
        await audit(ctx.db, { ...cliActor(), action: 'keys.rewrap', targetType: 'master_key', targetId: rep.keyId, result: rep.failed.length ? 'failed' : 'ok', details: { blobs: rep.blobs, secrets: rep.secrets, failed: rep.failed.length } });
        return rep;
      });
      if (args.values.json) printJson(r);
      else process.stdout.write(`rewrapped ${r.blobs} config data key(s) and ${r.secrets} credential secret(s) under key ${r.keyId}\n`);
      if (r.failed.length) {
        process.stderr.write(`netkeep: storage error: ${r.failed.length} item(s) could not be rewrapped: ${r.failed.slice(0, 3).map((f) => `${f.what}: ${f.error}`).join('; ')}\n`);
        return EXIT_FAILURE;
      }
      return EXIT_OK;
    }
    case 'status': {
      const spec = { name: 'keys status', usage: 'keys status [--json]', summary: 'Show the current master key and how many config data keys and secrets each key protects.', help: ['  --json                JSON output', ...COMMON_HELP], options: { ...DB_OPTIONS, json: { type: 'boolean' } } } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const r = await withStore(args.values, 'keys status', async (ctx) => ({ current: ctx.keyring.current.id, source: ctx.keyring.source, usage: await keyUsage(ctx.db) }));
      if (args.values.json) printJson(r);
      else {
        process.stdout.write(`current master key ${r.current} (from ${r.source})\n`);
        process.stdout.write(table(['KEY', 'BLOBS', 'SECRETS', 'CURRENT'], r.usage.map((u) => [u.key_id, u.blobs, u.secrets, u.key_id === r.current ? 'yes' : 'no'])));
      }
      return EXIT_OK;
    }
    default:
      return subcommandHelp('keys', sub, ['rotate           new master key; rewrap everything; retire the old key', 'rewrap           rewrap what is under older keys', 'status           keys in use']);
  }
}

export async function verifyCommand(argv: string[]): Promise<number> {
  const spec = {
    name: 'verify',
    usage: 'verify [--sample P] [--json]',
    summary: 'Re-read stored configs (decrypt, decompress, SHA-256) and report missing, corrupt or tampered ones with the versions they affect. Exits 1 when any is found.',
    help: ['  --sample P            check a random P percent of the blobs (default 100)', '  --json                JSON output', ...COMMON_HELP],
    options: { ...DB_OPTIONS, sample: { type: 'string' }, json: { type: 'boolean' } },
  } as const;
  const args = parse(spec, argv);
  if (!args) return EXIT_OK;
  let sample = 1;
  if (args.values.sample !== undefined) {
    const p = Number(args.values.sample.replace(/%$/, ''));
    if (!Number.isFinite(p) || p <= 0 || p > 100) throw new UsageError(`--sample must be a percentage above 0 and at most 100, not "${args.values.sample}"`);
    sample = p / 100;
  }
  const r = await withStore(args.values, 'verify', (ctx, store) => verifyStore(ctx.db, store, { sample }));
  if (args.values.json) printJson(r);
  else {
    process.stdout.write(`checked ${r.checked} blob(s): ${r.ok} ok, ${r.problems.length} problem(s)${r.unreferencedMissing ? `, ${r.unreferencedMissing} unreferenced and missing (harmless; retention collects them)` : ''}\n`);
    for (const p of r.problems) {
      process.stdout.write(`${p.status.toUpperCase()} ${p.sha256}: ${p.error}\n`);
      for (const v of p.versions.slice(0, 20)) process.stdout.write(`  version ${v.id} of ${v.device_name} at ${iso(v.started_at)}\n`);
      if (p.versions.length > 20) process.stdout.write(`  … and ${p.versions.length - 20} more\n`);
    }
  }
  return r.problems.length ? EXIT_FAILURE : EXIT_OK;
}

export async function retentionCommand(argv: string[]): Promise<number> {
  const spec = {
    name: 'retention',
    usage: 'retention [--dry-run] [--keep-versions N] [--failure-days D] [--json]',
    summary:
      "Delete history older than each backup config's retention_days — never a device's newest version, never its last N versions — and failed runs older than D days; then collect blobs nothing references.",
    help: [
      '  --dry-run             show what would go, change nothing',
      '  --keep-versions N     versions kept whatever their age (default 10; per config: options.keep_versions)',
      '  --failure-days D      keep failed runs this many days (default 30; per config: options.failure_retention_days)',
      '  --json                JSON output',
      ...COMMON_HELP,
    ],
    options: { ...DB_OPTIONS, 'dry-run': { type: 'boolean' }, 'keep-versions': { type: 'string' }, 'failure-days': { type: 'string' }, json: { type: 'boolean' } },
  } as const;
  const args = parse(spec, argv);
  if (!args) return EXIT_OK;
  const int = (v: string | undefined, name: string, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number of at least ${min}, not "${v}"`);
    return n;
  };
  const opts = { keepVersions: int(args.values['keep-versions'], 'keep-versions', 0), failureDays: int(args.values['failure-days'], 'failure-days', 1) };
  const clean = { ...(opts.keepVersions !== undefined ? { keepVersions: opts.keepVersions } : {}), ...(opts.failureDays !== undefined ? { failureDays: opts.failureDays } : {}) };
  const out = await withStore(args.values, 'retention', async (ctx, store) => {
    const plan = await planRetention(ctx.db, clean);
    if (args.values['dry-run']) return { plan, result: undefined };
    const result = await applyRetention(ctx.db, store, plan, clean);
    await audit(ctx.db, { ...cliActor(), action: 'retention.run', targetType: 'backup_history', result: 'ok', details: { ...result } });
    return { plan, result };
  });
  const bytes = out.plan.blobs.reduce((a, b) => a + b.stored_size, 0);
  if (args.values.json) {
    printJson({ dry_run: !!args.values['dry-run'], delete: out.plan.delete, blobs: out.plan.blobs, kept_for_versions: out.plan.keptForVersions, result: out.result ?? null });
    return EXIT_OK;
  }
  if (args.values['dry-run']) {
    if (out.plan.delete.length) process.stdout.write(table(['DEVICE', 'VERSION', 'STARTED', 'STATUS', 'REASON'], out.plan.delete.map((d) => [d.device_name, d.id, iso(d.started_at), d.status, d.reason])));
    process.stdout.write(`dry run: would delete ${out.plan.delete.length} history row(s) and ${out.plan.blobs.length} blob(s) (${bytes} bytes); ${out.plan.keptForVersions} old row(s) kept as one of the last versions\n`);
  } else {
    process.stdout.write(`deleted ${out.result!.deletedRows} history row(s); collected ${out.result!.collectedBlobs} blob(s), ${out.result!.freedBytes} bytes freed\n`);
  }
  return EXIT_OK;
}

export async function importCommand(argv: string[]): Promise<number> {
  const spec = {
    name: 'import',
    usage: 'import oxidized-git|rancid PATH [--json]',
    summary:
      'Import config history from an Oxidized git repository (<device> or <group>/<device> files, or a folder of <group>.git repositories) or a RANCID git layout (<group>/configs/<device>): ' +
      'every commit of every device becomes a version with its date. Devices are matched by name; missing ones are created (disabled, driver from the group or router.db, else "unknown"). Running it again adds nothing.',
    help: ['  --json                JSON output', ...COMMON_HELP],
    options: { ...DB_OPTIONS, json: { type: 'boolean' } },
    positionals: [2, 2] as [number, number],
  } as const;
  const args = parse(spec, argv);
  if (!args) return EXIT_OK;
  const [kind, path] = args.positionals as [string, string];
  if (kind !== 'oxidized-git' && kind !== 'rancid') throw new UsageError(`what to import is "oxidized-git" or "rancid", not "${kind}" (see netkeep import --help)`);
  const r = await withStore(args.values, 'import', async (ctx, store) => {
    const rep = await importGitHistory(ctx, kind as ImportKind, path, {
      store,
      onProgress: (n) => {
        if (!args.values.json && n % 1000 === 0) process.stderr.write(`netkeep: ${n} versions imported…\n`);
      },
    });
    await audit(ctx.db, { ...cliActor(), action: 'history.import', targetType: 'backup_history', result: 'ok', details: { kind, path, versions: rep.versions, devices: rep.devices.length } });
    return rep;
  });
  if (args.values.json) printJson(r);
  else {
    process.stdout.write(table(['DEVICE', 'GROUP', 'DRIVER', 'CREATED', 'VERSIONS'], r.devices.map((d) => [d.name, d.group, d.driver, d.created, d.versions])));
    process.stdout.write(`imported ${r.versions} version(s) of ${r.devices.length} device(s) from ${r.commits} commit(s) in ${r.repositories} repositor${r.repositories === 1 ? 'y' : 'ies'}; ${r.skipped} already present\n`);
  }
  return EXIT_OK;
}

export async function historyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list': {
      const spec = {
        name: 'history list',
        usage: 'history list DEVICE [--limit N] [--changes] [--cursor C] [--json]',
        summary: "List a device's versions, newest first.",
        help: ['  --limit N             how many (default 50)', '  --changes             only versions whose config changed', '  --cursor C            the next page (printed after a full page)', '  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, limit: { type: 'string' }, changes: { type: 'boolean' }, cursor: { type: 'string' }, json: { type: 'boolean' } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const limit = args.values.limit === undefined ? 50 : Number(args.values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be 1 to 1000, not "${args.values.limit}"`);
      const p = await withStore(args.values, 'history list', (ctx) =>
        listVersions(ctx.db, args.positionals[0]!, { limit, ...(args.values.changes ? { changesOnly: true } : {}), ...(args.values.cursor ? { cursor: args.values.cursor } : {}) }),
      );
      if (args.values.json) printJson(p);
      else {
        const flag = (b: boolean | null) => (b === null ? '-' : b ? 'yes' : 'no');
        process.stdout.write(
          table(
            ['ID', 'STARTED', 'STATUS', 'TRIGGER', 'SIZE', 'CHANGED', 'SIGNIFICANT', 'VERIFIED'],
            p.items.map((v) => [v.id, iso(v.started_at), v.status === 'success' ? 'success' : `failure (${v.error_class ?? '?'})`, v.trigger, v.size, flag(v.changed), flag(v.significant), v.verify_status ?? '-']),
          ),
        );
        if (p.next_cursor) process.stdout.write(`more: --cursor ${p.next_cursor}\n`);
      }
      return EXIT_OK;
    }
    case 'show':
    case 'download': {
      const spec = {
        name: `history ${sub}`,
        usage: `history ${sub} VERSION [--output FILE] [--gzip]${sub === 'show' ? ' [--json]' : ''}`,
        summary: sub === 'show' ? 'Print one version: its config, or with --json its metadata.' : 'Write one version\'s config, byte for byte, to stdout or a file (verified first).',
        help: ['  --output FILE         write to FILE instead of stdout', '  --gzip                gzip it', '  --json                metadata as JSON (no config)', ...COMMON_HELP],
        options: { ...DB_OPTIONS, output: { type: 'string', short: 'o' }, gzip: { type: 'boolean' }, json: { type: 'boolean' } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const id = args.positionals[0]!;
      if (args.values.json) {
        printJson(await withStore(args.values, `history ${sub}`, (ctx) => getVersion(ctx.db, id)));
        return EXIT_OK;
      }
      const r = await withStore(args.values, `history ${sub}`, async (ctx, store) => {
        try {
          const v = await readVersion(ctx.db, store, id);
          await audit(ctx.db, { ...cliActor(), action: 'backup.download', targetType: 'backup', targetId: id, result: 'ok', details: { via: 'cli', sha256: v.version.checksum } });
          return v;
        } catch (err) {
          if (err instanceof InputError && err.code === 'blob_unverifiable') {
            await audit(ctx.db, { ...cliActor(), action: 'backup.download', targetType: 'backup', targetId: id, result: 'error', details: { via: 'cli', code: err.code } });
            return err;
          }
          throw err;
        }
      });
      if (r instanceof InputError) {
        process.stderr.write(`netkeep: storage error: ${r.message}\n`);
        return EXIT_FAILURE;
      }
      const bytes = args.values.gzip ? gzipSync(r.text) : r.text;
      if (args.values.output) writeFileSync(args.values.output, bytes, { mode: 0o600 });
      else process.stdout.write(bytes);
      return EXIT_OK;
    }
    case 'diff': {
      const spec = {
        name: 'history diff',
        usage: 'history diff FROM TO [--hide-volatile] [--ignore REGEX]... [--context N] [--json]',
        summary: 'Unified diff of two versions (by version id).',
        help: ['  --hide-volatile       drop the driver\'s volatile lines (clock, uptime…) first', '  --ignore REGEX        drop lines matching REGEX first (repeatable)', '  --context N           lines of context (default 3)', '  --json                JSON with hunks', ...COMMON_HELP],
        options: { ...DB_OPTIONS, 'hide-volatile': { type: 'boolean' }, ignore: { type: 'string', multiple: true }, context: { type: 'string' }, json: { type: 'boolean' } },
        positionals: [2, 2] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const ignore = (args.values.ignore ?? []).map((s) => {
        try {
          return new RegExp(s);
        } catch (err) {
          throw new UsageError(`--ignore "${s}" is not a valid regular expression: ${(err as Error).message}`);
        }
      });
      const context = args.values.context === undefined ? 3 : Number(args.values.context);
      if (!Number.isInteger(context) || context < 0) throw new UsageError(`--context must be a whole number, not "${args.values.context}"`);
      const [from, to] = args.positionals as [string, string];
      const d = await withStore(args.values, 'history diff', (ctx, store) => diffVersions(ctx.db, store, from, to, { ignore, context, hideVolatile: !!args.values['hide-volatile'] }));
      if (args.values.json) printJson(d);
      else process.stdout.write(d.identical ? `versions ${from} and ${to} are identical${ignore.length || args.values['hide-volatile'] ? ' (after filtering)' : ''}\n` : d.unified);
      return EXIT_OK;
    }
    default:
      return subcommandHelp('history', sub, [
        'list DEVICE              versions of a device, newest first',
        'show VERSION             print a version\'s config (--json: metadata)',
        'download VERSION         write a version\'s config to stdout or --output FILE',
        'diff FROM TO             unified diff of two versions',
      ]);
  }
}
