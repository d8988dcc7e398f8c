// Compliance after every backup: in a process that runs backup workers, each successful backup
// ('job.finished' success, and 'backup.changed' for backups run outside a job) has the device's
// applicable rules evaluated over its latest config. A failure to evaluate is logged, never
// thrown at the backup.
import type { Db } from '../db/index.ts';
import { bus } from '../events/bus.ts';
import { BlobStore } from '../store/blobs.ts';
import type { Keyring } from '../security/masterkey.ts';
import { evaluateDevice } from './engine.ts';

export interface ComplianceWatcher {
  /** Evaluations started and not finished yet. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startComplianceWatcher(ctx: { db: Db; keyring: Keyring; dataDir: string }, o: { store?: BlobStore; log?: (line: string) => void } = {}): ComplianceWatcher {
  const store = o.store ?? BlobStore.forContext(ctx);
  const log = o.log ?? ((line: string) => process.stderr.write(`netkeep compliance: ${line}\n`));
  const running = new Set<Promise<unknown>>();
  // the same backup announced twice ('backup.changed' then 'job.finished') is evaluated once
  const recent = new Set<string>();
  let reported = 0;
  const evaluate = (deviceId: string, historyId: string) => {
    if (recent.has(historyId)) return;
    recent.add(historyId);
    if (recent.size > 10_000) recent.delete(recent.values().next().value!);
    const p = evaluateDevice(ctx.db, store, deviceId)
      .catch((err: Error) => {
        if (reported++ < 5) log(`could not evaluate the compliance rules for device ${deviceId} after its backup ${historyId}: ${err.message}`);
      })
      .finally(() => running.delete(p));
    running.add(p);
  };
  const offs = [
    bus.on('backup.changed', (e) => evaluate(e.deviceId, e.historyId)),
    bus.on('job.finished', (e) => {
      if (e.status === 'success') evaluate(e.deviceId, e.historyId);
    }),
  ];
  const idle = async () => {
    while (running.size) await Promise.allSettled([...running]);
  };
  return {
    idle,
    async stop() {
      for (const off of offs) off();
      await idle();
    },
  };
}
