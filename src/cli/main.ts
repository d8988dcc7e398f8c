// The `netkeep` command: finds the subcommand, runs it, and turns any failure into one line
// on stderr and a non-zero exit code.
import { readFileSync } from 'node:fs';
import { EXIT_OK, EXIT_USAGE, reportError } from './io.ts';

type Runner = (argv: string[]) => Promise<number>;

/** Subcommands, loaded on demand so that `netkeep device list` does not load the web server. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Runner> }> = {
  serve: { summary: 'run the API and web UI', load: async () => (await import('./serve.ts')).serve },
  demo: { summary: 'try netkeep on a simulated lab (temporary; deleted on Ctrl-C)', load: async () => (await import('./demo.ts')).demoCommand },
  fetch: { summary: 'fetch one device\'s configuration now and print it', load: async () => (await import('./fetch.ts')).main },
  drivers: { summary: 'list the platform drivers', load: async () => (await import('./drivers.ts')).main },
  device: { summary: 'add, list and import devices', load: async () => (await import('./devices.ts')).deviceCommand },
  source: { summary: 'inventory sources: CSV, Oxidized/RANCID router.db, NetBox; sync and preview', load: async () => (await import('./sources.ts')).sourceCommand },
  user: { summary: 'add, list users, set passwords', load: async () => (await import('./users.ts')).userCommand },
  token: { summary: 'create, list and revoke API tokens', load: async () => (await import('./users.ts')).tokenCommand },
  history: { summary: 'list, show, download and diff stored versions', load: async () => (await import('./store.ts')).historyCommand },
  verify: { summary: 're-read stored configs and report missing or corrupt ones', load: async () => (await import('./store.ts')).verifyCommand },
  retention: { summary: 'apply retention (or --dry-run to see what would go)', load: async () => (await import('./store.ts')).retentionCommand },
  import: { summary: 'import Oxidized or RANCID git history', load: async () => (await import('./store.ts')).importCommand },
  keys: { summary: 'master key status, rotation and rewrap', load: async () => (await import('./store.ts')).keysCommand },
  backup: { summary: 'back up devices now (--all --wait for a pass with a summary)', load: async () => (await import('./backup.ts')).backupCommand },
  status: { summary: 'state of the fleet: ok, failing, never backed up, next runs', load: async () => (await import('./backup.ts')).statusCommand },
  worker: { summary: 'run backup workers only (scale out on PostgreSQL)', load: async () => (await import('./backup.ts')).workerCommand },
  search: { summary: 'search the stored configs for text or a regular expression', load: async () => (await import('./search.ts')).searchCommand },
  blame: { summary: "each line of a device's config with the version it first appeared in", load: async () => (await import('./search.ts')).blameCommand },
  notify: { summary: 'notification channels: webhook, Slack, Teams, email, syslog; send a test', load: async () => (await import('./notify.ts')).notifyCommand },
  compliance: { summary: 'compliance rules (must / must not contain) and the report', load: async () => (await import('./compliance.ts')).complianceCommand },
  migrate: { summary: 'apply database migrations', load: async () => (await import('./migrate.ts')).migrate },
  restore: { summary: 'restore a stored version to its device (dry run with diff; --execute --token to push and verify)', load: async () => (await import('./restore.ts')).restoreCommand },
  'diff-live': { summary: "diff a stored version against the device's config now", load: async () => (await import('./restore.ts')).diffLiveCommand },
  'system-backup': { summary: "write netkeep's own state (database, stored configs, settings) as one archive", load: async () => (await import('./system.ts')).systemBackupCommand },
  'system-restore': { summary: 'restore a system-backup archive into an empty data directory or database', load: async () => (await import('./system.ts')).systemRestoreCommand },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return (
    `netkeep ${version()} — network configuration backup\n\n` +
    `Usage: netkeep <command> [options]\n\nCommands:\n` +
    Object.entries(COMMANDS)
      .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
      .join('\n') +
    `\n\nRun netkeep <command> --help for a command's options.\n`
  );
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return EXIT_OK;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`${version()}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    process.stderr.write(`netkeep: unknown command "${command}"; run netkeep --help for the list\n`);
    return EXIT_USAGE;
  }
  try {
    const run = await entry.load();
    return await run(rest);
  } catch (err) {
    return reportError(err);
  }
}
