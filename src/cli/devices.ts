// `netkeep device add|list|import`: the inventory from the command line.
import { readFileSync } from 'node:fs';
import { cliActor, withContext } from './context.ts';
import { acceptHostKey, createDevice, forgetHostKey, hostKeys, listDevices } from '../inventory/devices.ts';
import { createGroup, findGroup } from '../inventory/groups.ts';
import { importDevices, parseDeviceCsv } from '../inventory/csv.ts';
import { audit } from '../auth/audit.ts';
import { InputError } from '../errors.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_OK, EXIT_USAGE, parse, printJson, table, UsageError } from './io.ts';
import { subcommandHelp } from './users.ts';



export async function deviceCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'add': {
      const spec = {
        name: 'device add',
        usage: 'device add NAME --address ADDR --driver ID [--port N] [--protocol P] [--group G] [--site S] [--tag T]... [--credentials PROFILE] [--disabled]',
        summary: 'Add a device to the inventory.',
        help: [
          '  --address ADDR        IP address or DNS name',
          '  --driver ID           platform driver (see netkeep drivers), e.g. ios, junos, eos',
          '  --port N              port (default: the protocol\'s)',
          '  --protocol P          ssh (default), telnet, snmp, netconf, rest, sftp',
          '  --group G             device group (created if missing)',
          '  --site S              site name',
          '  --tag T               a tag (repeatable)',
          '  --credentials NAME    credential profile',
          '  --disabled            add it disabled (not backed up)',
          '  --json                print the device as JSON',
          ...COMMON_HELP,
        ],
        options: {
          ...DB_OPTIONS,
          address: { type: 'string' },
          driver: { type: 'string' },
          port: { type: 'string' },
          protocol: { type: 'string' },
          group: { type: 'string' },
          site: { type: 'string' },
          tag: { type: 'string', multiple: true },
          credentials: { type: 'string' },
          disabled: { type: 'boolean' },
          json: { type: 'boolean' },
        },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const v = args.values;
      if (!v.address) throw new UsageError('--address is required (see netkeep device add --help)');
      if (!v.driver) throw new UsageError('--driver is required; list the drivers with: netkeep drivers');
      let port: number | undefined;
      if (v.port !== undefined) {
        port = Number(v.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a number from 1 to 65535, not "${v.port}"`);
      }
      const device = await withContext(v, 'device add', async (ctx) => {
        if (v.group && !(await findGroup(ctx.db, v.group))) {
          const g = await createGroup(ctx.db, { name: v.group });
          await audit(ctx.db, { ...cliActor(), action: 'group.create', targetType: 'group', targetId: g.id, result: 'ok', details: { name: g.name } });
        }
        const d = await createDevice(ctx.db, {
          name: args.positionals[0]!,
          address: v.address!,
          driver: v.driver!,
          port,
          protocol: v.protocol,
          group: v.group,
          site: v.site,
          tags: v.tag ?? [],
          enabled: !v.disabled,
          credential_profile: v.credentials,
        });
        await audit(ctx.db, { ...cliActor(), action: 'device.create', targetType: 'device', targetId: d.id, result: 'ok', details: { name: d.name } });
        return d;
      });
      if (v.json) printJson(device);
      else process.stdout.write(`added device ${device.name} (${device.id})\n`);
      return EXIT_OK;
    }
    case 'list': {
      const spec = {
        name: 'device list',
        usage: 'device list [--search TEXT] [--group G] [--limit N] [--json]',
        summary: 'List devices with their last backup status.',
        help: ['  --search TEXT         filter by name or address', '  --group G             only this group', '  --limit N             at most N devices (default 1000)', '  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, search: { type: 'string' }, group: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const limit = Number(args.values.limit ?? 1000);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive number`);
      const page = await withContext(args.values, 'device list', (ctx) => listDevices(ctx.db, { limit, offset: 0, q: args.values.search, group: args.values.group }));
      if (args.values.json) printJson(page);
      else {
        process.stdout.write(
          table(
            ['NAME', 'ADDRESS', 'DRIVER', 'GROUP', 'ENABLED', 'STATUS', 'LAST SUCCESS'],
            page.items.map((d) => [d.name, d.port ? `${d.address}:${d.port}` : d.address, d.driver, d.group, d.orphaned_at ? 'orphaned' : d.enabled, d.last_status ?? 'never', d.last_success_at ? new Date(d.last_success_at).toISOString() : null]),
          ),
        );
        if (page.total > page.items.length) process.stderr.write(`netkeep: showing ${page.items.length} of ${page.total}; use --limit\n`);
      }
      return EXIT_OK;
    }
    case 'import': {
      const spec = {
        name: 'device import',
        usage: 'device import FILE [--format csv|oxidized|rancid] [--config JSON] [--dry-run] [--json]',
        summary:
          'Import devices from a CSV file with the header name,address,port,driver,group,username,password,enable_password ' +
          '(site, tags and protocol columns are optional). Credentials become or reuse a credential profile. ' +
          'A file with any bad line imports nothing; the bad lines are listed by number. ' +
          'With --format oxidized or rancid, FILE is a router.db (see docs/inventory-sources.md).',
        help: [
          '  --format F            csv (default), oxidized (router.db) or rancid (router.db)',
          '  --config JSON         oxidized/rancid settings, e.g. \'{"delimiter":":","map":{"name":0,"ip":1,"model":2}}\'',
          '  --dry-run             check the file and say what would change, write nothing',
          '  --json                JSON output',
          ...COMMON_HELP,
        ],
        options: { ...DB_OPTIONS, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, format: { type: 'string' }, config: { type: 'string' } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const file = args.positionals[0]!;
      // router.db formats: src/cli/sources.ts (the inventory sources room)
      if ((args.values.format ?? 'csv') !== 'csv' || args.values.config) return (await import('./sources.ts')).importFileCommand(args.values, file);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new InputError('file_unreadable', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      const parsed = parseDeviceCsv(text);
      if (parsed.errors.length) {
        for (const e of parsed.errors) process.stderr.write(`${file}:${e.line}: ${e.message}\n`);
        process.stderr.write(`netkeep: ${parsed.errors.length} bad line${parsed.errors.length === 1 ? '' : 's'} in ${file}; nothing was imported. Fix them and run the import again.\n`);
        return EXIT_USAGE;
      }
      const dryRun = Boolean(args.values['dry-run']);
      const result = await withContext(args.values, 'device import', async (ctx) => {
        const r = await importDevices(ctx.db, ctx.keyring, parsed.rows, { dryRun });
        if (!dryRun) await audit(ctx.db, { ...cliActor(), action: 'device.import', targetType: 'device', targetId: file, result: 'ok', details: { ...r } });
        return r;
      });
      if (args.values.json) printJson({ dry_run: dryRun, ...result });
      else
        process.stdout.write(
          `${dryRun ? 'would import' : 'imported'} ${parsed.rows.length} line${parsed.rows.length === 1 ? '' : 's'}: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.profilesCreated} credential profile${result.profilesCreated === 1 ? '' : 's'} created\n`,
        );
      return EXIT_OK;
    }
    case 'host-key':
    case 'accept-key':
    case 'forget-key': {
      const summaries = {
        'host-key': "Show a device's pinned SSH host key and a changed key waiting for acceptance, with fingerprints to compare.",
        'accept-key':
          'Accept the changed SSH host key a device presented (after checking its fingerprint, e.g. the device was replaced): it becomes the pinned key and backups resume.',
        'forget-key': "Forget a device's pinned SSH host key: the next backup trusts and pins the key it sees.",
      } as const;
      const spec = {
        name: `device ${sub}`,
        usage: `device ${sub} NAME`,
        summary: summaries[sub],
        help: ['  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, json: { type: 'boolean' } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const name = args.positionals[0]!;
      const result = await withContext(args.values, `device ${sub}`, async (ctx) => {
        if (sub === 'host-key') return hostKeys(ctx.db, name);
        if (sub === 'accept-key') {
          const r = await acceptHostKey(ctx.db, name);
          await audit(ctx.db, { ...cliActor(), action: 'device.host_key.accept', targetType: 'device', targetId: r.device.id, result: 'ok', details: { previous: r.previous, accepted: r.accepted } });
          return r;
        }
        const d = await forgetHostKey(ctx.db, name);
        await audit(ctx.db, { ...cliActor(), action: 'device.host_key.forget', targetType: 'device', targetId: d.id, result: 'ok' });
        return d;
      });
      if (args.values.json) printJson(result);
      else if (sub === 'host-key') {
        const k = result as Awaited<ReturnType<typeof hostKeys>>;
        process.stdout.write(`pinned:  ${k.pinned_fingerprint ?? '(none yet: the next backup pins the key it sees)'}\n`);
        process.stdout.write(`pending: ${k.pending_fingerprint ?? '(none)'}\n`);
        if (k.pending) process.stdout.write(`the device presented a different key; if you trust it: netkeep device accept-key ${name}\n`);
      } else if (sub === 'accept-key') process.stdout.write(`accepted the new host key of ${name}; backups resume\n`);
      else process.stdout.write(`forgot the host key of ${name}; the next backup pins the key it sees\n`);
      return EXIT_OK;
    }
    default:
      return subcommandHelp('device', sub, [
        'add NAME --address A --driver D   add a device',
        'list [--json]                      list devices',
        'import FILE [--format F] [--dry-run] import devices from CSV or a router.db',
        'host-key NAME                      show pinned/changed SSH host keys',
        'accept-key NAME                    accept a changed SSH host key',
        'forget-key NAME                    forget the pinned SSH host key',
      ]);
  }
}
