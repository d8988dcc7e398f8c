// `netkeep migrate`: brings the database schema up to date and says what it applied.
import { openDatabase, migrate as runMigrations } from '../db/index.ts';
import { resolveDataDir, resolveDatabaseUrl } from '../context.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_OK, parse } from './io.ts';

const spec = {
  name: 'migrate',
  usage: 'migrate [--data-dir DIR] [--database-url URL]',
  summary: 'Apply pending database migrations (serve and the other commands also do this on start).',
  help: COMMON_HELP,
  options: DB_OPTIONS,
};

export async function migrate(argv: string[]): Promise<number> {
  const args = parse(spec, argv);
  if (!args) return EXIT_OK;
  const ndb = await openDatabase({
    dataDir: resolveDataDir(args.values['data-dir']),
    databaseUrl: resolveDatabaseUrl(args.values['database-url']),
    command: 'migrate',
    migrate: false,
  });
  try {
    const applied = await runMigrations(ndb);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : `the schema of ${ndb.location} is up to date\n`);
  } finally {
    await ndb.close();
  }
  return EXIT_OK;
}
