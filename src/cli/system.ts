// `netkeep system-backup` and `netkeep system-restore`: netkeep's own state as one archive, and back.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openContext, resolveDataDir, resolveDatabaseUrl } from '../context.ts';
import { checkPassphrase } from '../system/passphrase.ts';
import { restoreSystemBackup } from '../system/restore.ts';
import { runSystemBackup } from '../system/service.ts';
import { COMMON_HELP, DB_OPTIONS, EXIT_FAILURE, EXIT_OK, parse, UsageError, type CommandSpec } from './io.ts';

function readPassphrase(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the passphrase file ${file}: ${(err as Error).message}`);
  }
  const p = text.split(/\r?\n/)[0] ?? '';
  checkPassphrase(p);
  return p;
}

const backupSpec = {
  name: 'system-backup',
  usage: 'system-backup [--out FILE] [--include-master-key --passphrase-file FILE]',
  summary:
    "Write netkeep's own state — a dump of the database, the stored configurations, settings — as one .tar.gz archive with a manifest of checksums. " +
    'The master key is left out unless --include-master-key is given, and then it is sealed with the passphrase (scrypt + AES-256-GCM).',
  help: [
    '  --out FILE              where to write the archive (default DATA_DIR/system-backups/netkeep-system-<time>.tar.gz)',
    '  --include-master-key    put the master keys in the archive, sealed with the passphrase',
    '  --passphrase-file FILE  the passphrase (first line of FILE, at least 12 characters)',
    ...COMMON_HELP,
  ],
  options: { ...DB_OPTIONS, out: { type: 'string' }, 'include-master-key': { type: 'boolean' }, 'passphrase-file': { type: 'string' } },
} as const satisfies CommandSpec<typeof DB_OPTIONS & Record<string, { type: 'string' | 'boolean' }>>;

export async function systemBackupCommand(argv: string[]): Promise<number> {
  const args = parse(backupSpec, argv);
  if (!args) return EXIT_OK;
  const v = args.values;
  if (v['include-master-key'] && !v['passphrase-file']) throw new UsageError('--include-master-key needs --passphrase-file FILE: the key is only ever stored sealed with a passphrase');
  if (!v['include-master-key'] && v['passphrase-file']) throw new UsageError('--passphrase-file is for --include-master-key; add it, or leave the passphrase out');
  const passphrase = v['passphrase-file'] ? readPassphrase(v['passphrase-file']) : undefined;
  const ctx = await openContext({ dataDir: v['data-dir'], databaseUrl: v['database-url'], command: 'system-backup' });
  try {
    const row = await runSystemBackup(ctx, {
      trigger: 'cli',
      createdBy: process.env.USER ?? null,
      ...(v.out ? { out: resolve(v.out) } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
      log: (l) => process.stderr.write(`netkeep: ${l}\n`),
    });
    if (row.status !== 'success') {
      process.stderr.write(`netkeep: system backup failed: ${row.error}\n`);
      return EXIT_FAILURE;
    }
    const s = row.summary as { key_ids?: string[] };
    process.stdout.write(`${row.path}\n`);
    process.stderr.write(
      `netkeep: wrote ${row.path} (${row.size} bytes, sha256 ${row.sha256})\n` +
        (passphrase !== undefined
          ? 'netkeep: the master key is in the archive, sealed with your passphrase: without the passphrase it cannot be opened\n'
          : `netkeep: the master key is NOT in the archive; keep ${ctx.keyring.source} (key id ${(s.key_ids ?? [ctx.keyring.current.id]).join(', ')}) safe apart from it — without it the archive's configs and credentials cannot be read\n`),
    );
    return EXIT_OK;
  } finally {
    await ctx.close();
  }
}

const restoreSpec = {
  name: 'system-restore',
  usage: 'system-restore ARCHIVE [--data-dir DIR | --database-url URL] [--passphrase-file FILE] [--master-key-file FILE]',
  summary:
    'Restore a system-backup archive into an empty (or new) data directory, or into an empty PostgreSQL database with --database-url ' +
    '(the stored configurations and master key then go to --data-dir). The archive is verified completely first; on any failure nothing is restored.',
  help: [
    '  --passphrase-file FILE  the passphrase the master key in the archive was sealed with',
    '  --master-key-file FILE  when the archive holds no key: the master key file to put in place',
    ...COMMON_HELP,
  ],
  options: { ...DB_OPTIONS, 'passphrase-file': { type: 'string' }, 'master-key-file': { type: 'string' } },
  positionals: [1, 1],
} as const satisfies CommandSpec<typeof DB_OPTIONS & Record<string, { type: 'string' | 'boolean' }>>;

export async function systemRestoreCommand(argv: string[]): Promise<number> {
  const args = parse(restoreSpec, argv);
  if (!args) return EXIT_OK;
  const v = args.values;
  const passphrase = v['passphrase-file'] ? readPassphrase(v['passphrase-file']) : undefined;
  const dataDir = resolveDataDir(v['data-dir']);
  const databaseUrl = resolveDatabaseUrl(v['database-url']);
  const r = await restoreSystemBackup({
    archive: args.positionals[0]!,
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(v['master-key-file'] ? { masterKeyFile: v['master-key-file'] } : {}),
    log: (l) => process.stderr.write(`netkeep: ${l}\n`),
  });
  process.stderr.write(`netkeep: restored ${r.rows} rows and ${r.blobs} stored configs into ${r.dataDir} (database: ${r.database})\n`);
  if (r.masterKey === 'not in archive') {
    if (process.env.NETKEEP_MASTER_KEY) {
      process.stderr.write(`netkeep: the archive holds no master key; netkeep will use NETKEEP_MASTER_KEY — it must be the key with id ${r.keyIds.join(' or ')}\n`);
    } else {
      process.stderr.write(
        `netkeep: NEXT STEP: the archive holds no master key. Copy the master key file (key id ${r.keyIds.join(' or ')}) to ${dataDir}/master.key (mode 0600) ` +
          'or set NETKEEP_MASTER_KEY before starting netkeep — otherwise netkeep makes a new key and cannot read the restored configs and credentials\n',
      );
    }
  }
  return EXIT_OK;
}
