// `netkeep restore VERSION` (dry run: live diff, exact payload, a confirmation token) and
// `netkeep restore VERSION --execute --token T` (push, verify, confirm or roll back), and
// `netkeep diff-live VERSION`: the diff between a stored version and the device's config now.
import { startNotifier } from '../notify/dispatcher.ts';
import { audit } from '../auth/audit.ts';
import type { AppContext } from '../context.ts';
import { diffLive, dryRun, execute, type Actor } from '../restore/service.ts';
import { cliActor, withContext } from './context.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_FAILURE, EXIT_OK, parse, printJson, UsageError } from './io.ts';

const actor = (): Actor => ({ id: null, ...cliActor() });

export async function restoreCommand(argv: string[]): Promise<number> {
  const spec = {
    name: 'restore',
    usage: 'restore VERSION [--method auto|replace|merge] [--json]   |   restore VERSION --execute --token TOKEN [--json]',
    summary:
      'Restore a stored version (a history id, see netkeep history list) to its device.\n' +
      'Without --execute it is a dry run: it reads the device\'s config live, prints the diff live → version, the method\n' +
      '(replace where the platform has one, merge otherwise) and the exact commands or payload, and a confirmation token.\n' +
      'Nothing is sent to the device. Then run it again with --execute --token TOKEN: the token works once, for 10 minutes,\n' +
      'for this version and this user, and only while the device\'s config is still the one the dry run saw.\n' +
      'After the push netkeep reads the config back and compares it (comments and volatile lines ignored); commit-confirm\n' +
      'platforms are confirmed only when it matches, otherwise rolled back. Exit 0: restored and verified; 1: failed or rolled back.',
    help: [
      '  --method M            auto (default), replace or merge (dry run only; the execution uses the dry run\'s method)',
      '  --execute             push the version (needs --token from the dry run)',
      '  --token TOKEN         the confirmation token the dry run printed',
      '  --json                JSON output (the API\'s answer)',
      ...COMMON_HELP,
    ],
    options: { ...DB_OPTIONS, method: { type: 'string' }, execute: { type: 'boolean' }, token: { type: 'string' }, json: { type: 'boolean' } },
    positionals: [1, 1],
  } as const;
  const args = parse(spec, argv);
  if (!args) return EXIT_OK;
  const id = args.positionals[0]!;
  const v = args.values;
  const method = v.method ?? 'auto';
  if (method !== 'auto' && method !== 'replace' && method !== 'merge') throw new UsageError(`--method must be auto, replace or merge, not "${method}"`);
  if (v.execute) {
    if (!v.token) throw new UsageError(`--execute needs --token TOKEN: run "netkeep restore ${id}" first, review the diff, then pass the token it prints`);
    if (v.method) throw new UsageError('--method is for the dry run; the execution uses the method the dry run showed');
    const r = await withContext(v, 'restore', async (ctx: AppContext) => {
      const notifier = startNotifier(ctx, { digestMs: 3_600_000 }); // 'restore.finished' goes out from here (docs/notifications.md)
      try {
        return await execute(ctx, id, v.token!, actor());
      } finally {
        await notifier.stop().catch(() => {});
      }
    });
    if (v.json) printJson(r);
    else {
      process.stdout.write(`${r.status === 'success' ? 'restored' : r.status === 'rolled_back' ? 'ROLLED BACK' : 'FAILED'}: ${r.message}\n`);
      if (r.failed_line) process.stdout.write(`refused line: ${r.failed_line}\n`);
      if (r.device_answer) process.stdout.write(`device answer:\n${r.device_answer.replace(/^/gm, '  ')}\n`);
      if (r.verify_diff) process.stdout.write(`what differed after the push (device → version):\n${r.verify_diff}`);
      if (r.history_id_after) process.stdout.write(`recorded as version ${r.history_id_after}\n`);
    }
    return r.status === 'success' ? EXIT_OK : EXIT_FAILURE;
  }
  if (v.token) throw new UsageError('--token is for --execute; add --execute to run the restore');
  const r = await withContext(v, 'restore', (ctx: AppContext) => dryRun(ctx, id, actor(), { method }));
  if (v.json) {
    printJson(r);
    return EXIT_OK;
  }
  const out = process.stdout;
  out.write(`dry run: restore ${r.device_name} to version ${r.history_id}\n`);
  out.write(`method: ${r.method_description}\n`);
  for (const w of r.warnings) out.write(`warning: ${w}\n`);
  out.write(r.identical ? 'diff (live → version): none that matters\n' : `diff (live → version):\n${r.diff.unified}`);
  out.write(`\nwhat netkeep would do:\n${r.payload.steps.map((s) => `  ${s}`).join('\n')}\n`);
  out.write(`\n${r.payload.kind === 'file' ? 'file to upload' : 'payload'}:\n${r.payload.text.endsWith('\n') ? r.payload.text : `${r.payload.text}\n`}`);
  out.write(`\nto run it (once, before ${r.expires_at}):\n  netkeep restore ${r.history_id} --execute --token ${r.confirm_token}\n`);
  return EXIT_OK;
}

export async function diffLiveCommand(argv: string[]): Promise<number> {
  const spec = {
    name: 'diff-live',
    usage: 'diff-live VERSION [--all-lines] [--json]',
    summary: "Diff a stored version (a history id) against the device's config now, read live (nothing is changed on the device). Exit 0: no difference that matters; 1: they differ.",
    help: ['  --all-lines           keep the driver\'s volatile lines (clock, uptime…) in the diff', '  --json                JSON output', ...COMMON_HELP],
    options: { ...DB_OPTIONS, 'all-lines': { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: [1, 1],
  } as const;
  const args = parse(spec, argv);
  if (!args) return EXIT_OK;
  const id = args.positionals[0]!;
  const r = await withContext(args.values, 'diff-live', async (ctx: AppContext) => {
    const d = await diffLive(ctx, id, actor(), { hideVolatile: !args.values['all-lines'] });
    await audit(ctx.db, { ...cliActor(), action: 'backup.diff_live', targetType: 'backup', targetId: id, result: 'ok', details: { device: d.device_name, identical: d.identical } });
    return d;
  });
  if (args.values.json) printJson(r);
  else process.stdout.write(r.identical ? `${r.device_name}: the live config matches version ${r.history_id} (comments and volatile lines ignored)\n` : r.unified);
  return r.identical ? EXIT_OK : EXIT_FAILURE;
}
