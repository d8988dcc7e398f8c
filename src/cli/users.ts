// `netkeep user add|list|passwd` and `netkeep token create|revoke|list`: people and API tokens.
import { cliActor, withContext } from './context.ts';
import { createUser, listUsers, setPassword } from '../auth/users.ts';
import { createToken, listTokens, revokeToken } from '../auth/tokens.ts';
import { audit } from '../auth/audit.ts';
import { ROLES, type Role } from '../db/schema.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_OK, parse, printJson, readSecret, table, UsageError } from './io.ts';



export async function userCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'add': {
      const spec = {
        name: 'user add',
        usage: 'user add USERNAME [--role admin|operator|viewer] [--password P]',
        summary: 'Create a user. Without --password, the password is asked for (or read from the first line of stdin).',
        help: ['  --role ROLE           admin, operator or viewer (default viewer)', '  --password P          the password (visible in the process list: prefer the prompt)', ...COMMON_HELP],
        options: { ...DB_OPTIONS, role: { type: 'string' }, password: { type: 'string' } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const role = (args.values.role ?? 'viewer') as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${role}"`);
      const password = await readSecret('Password: ', args.values.password);
      const username = args.positionals[0]!;
      const user = await withContext(args.values, 'user add', async (ctx) => {
        const u = await createUser(ctx.db, { username, password, role });
        await audit(ctx.db, { ...cliActor(), action: 'user.create', targetType: 'user', targetId: u.id, result: 'ok', details: { username, role } });
        return u;
      });
      process.stdout.write(`created user ${user.username} (${user.role})\n`);
      return EXIT_OK;
    }
    case 'list': {
      const spec = { name: 'user list', usage: 'user list [--json]', summary: 'List users and their roles.', help: ['  --json                JSON output', ...COMMON_HELP], options: { ...DB_OPTIONS, json: { type: 'boolean' } } } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const users = await withContext(args.values, 'user list', (ctx) => listUsers(ctx.db));
      if (args.values.json) printJson(users);
      else process.stdout.write(table(['USERNAME', 'ROLE', 'DISABLED', 'LAST LOGIN'], users.map((u) => [u.username, u.role, u.disabled, u.last_login_at ? new Date(u.last_login_at).toISOString() : null])));
      return EXIT_OK;
    }
    case 'passwd': {
      const spec = {
        name: 'user passwd',
        usage: 'user passwd USERNAME [--password P]',
        summary: "Set a user's password (asked for when --password is not given). Ends the user's browser sessions.",
        help: ['  --password P          the new password', ...COMMON_HELP],
        options: { ...DB_OPTIONS, password: { type: 'string' } },
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const username = args.positionals[0]!;
      const password = await readSecret('New password: ', args.values.password);
      await withContext(args.values, 'user passwd', async (ctx) => {
        await setPassword(ctx.db, username, password);
        await audit(ctx.db, { ...cliActor(), action: 'user.password', targetType: 'user', targetId: username, result: 'ok' });
      });
      process.stdout.write(`password of ${username} changed\n`);
      return EXIT_OK;
    }
    default:
      return subcommandHelp('user', sub, ['add USERNAME [--role R]   create a user', 'list [--json]            list users', 'passwd USERNAME          set a password']);
  }
}

export async function tokenCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create': {
      const spec = {
        name: 'token create',
        usage: 'token create --user USERNAME [--name NAME] [--expires-days N] [--json]',
        summary: 'Create an API token for a user. The token is printed once; only its hash is stored.',
        help: ['  --user USERNAME       whose token (it has that user\'s role)', '  --name NAME           what it is for (default "cli")', '  --expires-days N      expire after N days (default: never)', '  --json                JSON output', ...COMMON_HELP],
        options: { ...DB_OPTIONS, user: { type: 'string' }, name: { type: 'string' }, 'expires-days': { type: 'string' }, json: { type: 'boolean' } },
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      if (!args.values.user) throw new UsageError('--user is required: whose token is it? (see netkeep token create --help)');
      let expiresAt: Date | undefined;
      if (args.values['expires-days'] !== undefined) {
        const days = Number(args.values['expires-days']);
        if (!Number.isFinite(days) || days <= 0) throw new UsageError(`--expires-days must be a positive number, not "${args.values['expires-days']}"`);
        expiresAt = new Date(Date.now() + days * 86_400_000);
      }
      const created = await withContext(args.values, 'token create', async (ctx) => {
        const t = await createToken(ctx.db, { username: args.values.user!, name: args.values.name ?? 'cli', expiresAt });
        await audit(ctx.db, { ...cliActor(), action: 'token.create', targetType: 'token', targetId: t.id, result: 'ok', details: { user: args.values.user, name: args.values.name ?? 'cli' } });
        return t;
      });
      if (args.values.json) printJson({ id: created.id, prefix: created.prefix, token: created.token, expires_at: expiresAt ?? null });
      else process.stdout.write(`${created.token}\n`);
      if (!args.values.json) process.stderr.write(`netkeep: token ${created.prefix}… created; it is shown only now. Use it as: Authorization: Bearer <token>\n`);
      return EXIT_OK;
    }
    case 'revoke': {
      const spec = {
        name: 'token revoke',
        usage: 'token revoke ID|PREFIX',
        summary: 'Revoke an API token, by its id or the prefix shown when it was created.',
        help: COMMON_HELP,
        options: DB_OPTIONS,
        positionals: [1, 1] as [number, number],
      } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const which = args.positionals[0]!;
      await withContext(args.values, 'token revoke', async (ctx) => {
        await revokeToken(ctx.db, which);
        await audit(ctx.db, { ...cliActor(), action: 'token.revoke', targetType: 'token', targetId: which, result: 'ok' });
      });
      process.stdout.write(`token ${which} revoked\n`);
      return EXIT_OK;
    }
    case 'list': {
      const spec = { name: 'token list', usage: 'token list [--json]', summary: 'List API tokens (never the tokens themselves).', help: ['  --json                JSON output', ...COMMON_HELP], options: { ...DB_OPTIONS, json: { type: 'boolean' } } } as const;
      const args = parse(spec, rest);
      if (!args) return EXIT_OK;
      const tokens = await withContext(args.values, 'token list', (ctx) => listTokens(ctx.db));
      if (args.values.json) printJson(tokens);
      else
        process.stdout.write(
          table(
            ['ID', 'PREFIX', 'NAME', 'USER', 'EXPIRES', 'REVOKED'],
            tokens.map((t) => [t.id, t.prefix, t.name, t.username, t.expires_at ? new Date(t.expires_at).toISOString() : null, t.revoked_at ? 'yes' : 'no']),
          ),
        );
      return EXIT_OK;
    }
    default:
      return subcommandHelp('token', sub, ['create --user U [--name N]   create a token (printed once)', 'revoke ID|PREFIX             revoke a token', 'list [--json]                list tokens']);
  }
}

export function subcommandHelp(group: string, sub: string | undefined, lines: string[]): number {
  const text = `Usage: netkeep ${group} <command>\n\nCommands:\n${lines.map((l) => `  ${l}`).join('\n')}\n\nRun netkeep ${group} <command> --help for its options.\n`;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(text);
    return EXIT_OK;
  }
  throw new UsageError(`unknown command "${group} ${sub}"; one of: ${lines.map((l) => l.split(' ')[0]).join(', ')}`);
}
