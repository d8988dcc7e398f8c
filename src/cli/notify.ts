// `netkeep notify channels|add|test|remove|deliveries`: notification channels from the shell (the same as the API's).
import { readFileSync } from 'node:fs';
import { audit } from '../auth/audit.ts';
import type { Db } from '../db/index.ts';
import { channelId, createChannel, deleteChannel, listChannels, listDeliveries, resolveChannel } from '../notify/channels.ts';
import { compose } from '../notify/format.ts';
import { sendMessage, testEvent } from '../notify/send.ts';
import { cliActor, withContext } from './context.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_FAILURE, EXIT_OK, parse, printJson, table, UsageError } from './io.ts';

function help(sub: string | undefined): number {
  if (sub !== undefined && sub !== '--help' && sub !== '-h') throw new UsageError(`unknown subcommand "notify ${sub}" (see netkeep notify --help)`);
  process.stdout.write(
    'Usage: netkeep notify <subcommand> [options]\n\nSubcommands:\n' +
      [
        'channels              list the notification channels',
        'add NAME              add a channel: --kind webhook|slack|teams|email|syslog --config JSON|@FILE',
        'test NAME             send a test message through a channel now',
        'deliveries NAME       the delivery log of a channel, newest first',
        'remove NAME           delete a channel and its delivery log',
      ]
        .map((l) => `  ${l}`)
        .join('\n') +
      '\n\nSee docs/notifications.md for the settings of each kind.\n',
  );
  return sub === undefined ? 2 : EXIT_OK;
}

const one = (name: string, usage: string, summary: string, extra: string[] = []) =>
  ({ name: `notify ${name}`, usage: `notify ${usage}`, summary, help: [...extra, '  --json                JSON output', ...COMMON_HELP], options: { ...DB_OPTIONS, json: { type: 'boolean' } }, positionals: [1, 1] }) as const;

function readConfig(v: string): Record<string, unknown> {
  let text = v;
  if (v.startsWith('@')) {
    try {
      text = readFileSync(v.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${v.slice(1)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give --config @FILE with a readable JSON file`);
    }
  }
  try {
    const c = JSON.parse(text) as unknown;
    if (c && typeof c === 'object' && !Array.isArray(c)) return c as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new UsageError(`--config must be a JSON object, e.g. '{"host":"syslog.example.net","transport":"tcp"}' (or @FILE holding one)`);
}

async function groupId(db: Db, name: string | undefined): Promise<string | null> {
  if (name === undefined) return null;
  const g = await db.selectFrom('device_groups').select('id').where((eb) => eb.or([eb('name', '=', name), eb(eb.cast('id', 'text'), '=', name)])).executeTakeFirst();
  if (!g) throw new UsageError(`no device group "${name}"; list the groups, or leave out --group for every device`);
  return g.id;
}

const int = (v: string | undefined, flag: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be a whole number, not "${v}"`);
  return n;
};

export async function notifyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'channels': {
      const spec = { name: 'notify channels', usage: 'notify channels [--json]', summary: 'List the notification channels (secrets are never shown).', help: ['  --json                JSON output', ...COMMON_HELP], options: { ...DB_OPTIONS, json: { type: 'boolean' } } } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const list = await withContext(args.values, 'notify channels', (ctx) => listChannels(ctx.db, ctx.keyring));
      if (args.values.json) printJson(list);
      else process.stdout.write(table(['NAME', 'KIND', 'ENABLED', 'GROUP', 'EVENTS', 'THRESHOLD', 'QUIET'], list.map((c) => [c.name, c.kind, c.enabled ? 'yes' : 'no', c.group_id ?? '(all)', c.events.join(','), c.failure_threshold, `${c.quiet_seconds}s`])));
      return EXIT_OK;
    }
    case 'add': {
      const spec = {
        name: 'notify add',
        usage: 'notify add NAME --kind KIND --config JSON|@FILE [--group G] [--events E,E] [--threshold N] [--quiet SECONDS] [--disabled] [--json]',
        summary: 'Add a notification channel. Secrets (webhook secret, Slack/Teams URL, SMTP password) are stored encrypted; put them in a file (--config @FILE) rather than on the command line, where the shell history keeps them.',
        help: [
          '  --kind KIND           webhook, slack, teams, email or syslog',
          '  --config JSON|@FILE   the settings of the kind (docs/notifications.md)',
          '  --group G             only devices of this group (default: every device)',
          '  --events E,E          config.changed, backup.failed, backup.recovered, compliance.violation, compliance.restored, restore.finished (default: all)',
          '  --threshold N         send backup.failed at N consecutive failures (default 1)',
          '  --quiet SECONDS       do not repeat the same event for a device within this time (default 3600)',
          '  --disabled            add it switched off',
          '  --json                JSON output',
          ...COMMON_HELP,
        ],
        options: { ...DB_OPTIONS, kind: { type: 'string' }, config: { type: 'string' }, group: { type: 'string' }, events: { type: 'string' }, threshold: { type: 'string' }, quiet: { type: 'string' }, disabled: { type: 'boolean' }, json: { type: 'boolean' } },
        positionals: [1, 1],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const v = args.values;
      if (!v.kind) throw new UsageError('say which kind of channel: --kind webhook|slack|teams|email|syslog');
      if (!v.config) throw new UsageError(`give the channel's settings: --config '{...}' or --config @FILE (see docs/notifications.md)`);
      const config = readConfig(v.config);
      const threshold = int(v.threshold, '--threshold');
      const quiet = int(v.quiet, '--quiet');
      const c = await withContext(v, 'notify add', async (ctx) => {
        const ch = await createChannel(ctx.db, ctx.keyring, {
          name: args.positionals[0]!,
          kind: v.kind,
          config,
          group_id: await groupId(ctx.db, v.group),
          ...(v.events ? { events: v.events.split(',').map((e) => e.trim()).filter(Boolean) } : {}),
          ...(threshold !== undefined ? { failure_threshold: threshold } : {}),
          ...(quiet !== undefined ? { quiet_seconds: quiet } : {}),
          ...(v.disabled ? { enabled: false } : {}),
        });
        await audit(ctx.db, { ...cliActor(), action: 'notify_channel.create', targetType: 'notify_channel', targetId: ch.id, result: 'ok', details: { name: ch.name, kind: ch.kind } });
        return ch;
      });
      if (v.json) printJson(c);
      else process.stdout.write(`added ${c.kind} channel "${c.name}"${c.secrets_set.length ? ` (secrets stored encrypted: ${c.secrets_set.join(', ')})` : ''}; try it with: netkeep notify test ${JSON.stringify(c.name)}\n`);
      return EXIT_OK;
    }
    case 'test': {
      const args = parse(one('test', 'test NAME [--json]', 'Send a test message through a channel now (one attempt) and say whether it arrived.'), rest);
      if (!args) return EXIT_OK;
      const r = await withContext(args.values, 'notify test', async (ctx) => {
        const ch = await resolveChannel(ctx.db, ctx.keyring, await channelId(ctx.db, args.positionals[0]!));
        const ev = testEvent(ch.name);
        const res = await sendMessage(ch, compose([ev]), [ev], { attempts: 1 });
        await ctx.db.insertInto('notify_deliveries').values({ channel_id: ch.id, event: 'test', dedup_key: 'test', device_id: null, status: res.ok ? 'sent' : 'failed', attempts: res.attempts, error: res.error ?? null }).execute();
        await audit(ctx.db, { ...cliActor(), action: 'notify_channel.test', targetType: 'notify_channel', targetId: ch.id, result: res.ok ? 'ok' : 'failed', details: { ok: res.ok } });
        return { channel: ch.name, ...res };
      });
      if (args.values.json) printJson(r);
      else if (r.ok) process.stdout.write(`sent a test message through "${r.channel}"\n`);
      else process.stderr.write(`netkeep: the test message through "${r.channel}" failed: ${r.error}\n`);
      return r.ok ? EXIT_OK : EXIT_FAILURE;
    }
    case 'deliveries': {
      const args = parse(one('deliveries', 'deliveries NAME [--json]', 'The delivery log of a channel, newest first (sent, failed, held back by the quiet period).'), rest);
      if (!args) return EXIT_OK;
      const rows = await withContext(args.values, 'notify deliveries', async (ctx) => listDeliveries(ctx.db, await channelId(ctx.db, args.positionals[0]!), 100));
      if (args.values.json) printJson(rows);
      else process.stdout.write(table(['AT', 'EVENT', 'STATUS', 'ATTEMPTS', 'KEY', 'ERROR'], rows.map((d) => [d.created_at.toISOString().replace('T', ' ').slice(0, 19), d.event, d.status, d.attempts, d.dedup_key, (d.error ?? '').slice(0, 100)])));
      return EXIT_OK;
    }
    case 'remove': {
      const args = parse(one('remove', 'remove NAME', 'Delete a notification channel and its delivery log.'), rest);
      if (!args) return EXIT_OK;
      const name = args.positionals[0]!;
      await withContext(args.values, 'notify remove', async (ctx) => {
        const id = await channelId(ctx.db, name);
        await deleteChannel(ctx.db, id);
        await audit(ctx.db, { ...cliActor(), action: 'notify_channel.delete', targetType: 'notify_channel', targetId: id, result: 'ok', details: { name } });
      });
      if (!args.values.json) process.stdout.write(`removed channel "${name}"\n`);
      return EXIT_OK;
    }
    default:
      return help(sub);
  }
}
