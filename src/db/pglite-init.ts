// Creates a new embedded database directory (PGlite's initdb, then the migrations) in a
// short-lived child process, so the long-running netkeep process never carries the WebAssembly
// heap that initdb grew (it never shrinks). Run by openDatabase as
// `node pglite-init.ts <pgDir> <migrate 0|1>` while the parent holds the data-directory lock;
// prints nothing on success, one JSON line {failureClass, message} on stderr on failure.
import { openDatabase } from './index.ts';

const [pgDir, doMigrate] = process.argv.slice(2);

async function main(): Promise<void> {
  if (!pgDir) throw new Error('usage: pglite-init.ts <pgDir> <migrate 0|1>');
  // noLock: the parent process holds the data directory's lock while this runs
  const ndb = await openDatabase({ dataDir: pgDir, pgDir, noLock: true, initInProcess: true, migrate: doMigrate === '1' });
  await ndb.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const e = err as { failureClass?: unknown; message?: unknown };
    const failureClass = typeof e?.failureClass === 'string' ? e.failureClass : 'storage_error';
    process.stderr.write('\n' + JSON.stringify({ failureClass, message: String(e?.message ?? err) }) + '\n');
    process.exit(1);
  },
);
