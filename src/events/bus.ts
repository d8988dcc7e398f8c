// An in-process, typed event bus: the worker and the backup runner publish job and backup
// events here; the SSE stream, notifications and metrics subscribe. Events are facts about the
// past ("finished", "changed"), never commands. Listeners never break the publisher: a throwing
// listener is isolated and reported once on stderr.
import { EventEmitter } from 'node:events';

export type JobTrigger = 'schedule' | 'manual' | 'api' | 'import' | 'pass' | (string & {});

export interface JobRef {
  jobId: string;
  deviceId: string;
  deviceName: string;
  /** The backup config (backup type) the job is for. */
  configId?: string;
  trigger: JobTrigger;
  /** Poller zone of the device (null: the default zone). */
  zone: string | null;
  /** 0 for the first attempt. */
  attempt: number;
}

export interface BackupEventEvents {
  'job.queued': JobRef & { at: Date };
  'job.started': JobRef & { at: Date; workerId: string };
  /** A step inside one job: connecting, fetching, storing. */
  'job.progress': JobRef & { at: Date; step: 'connecting' | 'fetching' | 'storing' };
  /** The job ended with a recorded result (success or a recorded failure). */
  'job.finished': JobRef & { at: Date; status: 'success' | 'failure'; historyId: string; durationMs: number; changed?: boolean; failureClass?: string };
  /** One attempt failed and will be retried; nothing was recorded for it. */
  'job.retrying': JobRef & { at: Date; failureClass: string; message: string; retryInSeconds?: number };
  /** The job failed for good (the failure is recorded in history). */
  'job.failed': JobRef & { at: Date; failureClass: string; message: string; permanent: boolean; historyId?: string };
  /** The stored config differs from the previous version (bytes). */
  'backup.changed': BackupRef & { significant: boolean; previousId: string | null; sha256: string };
  /** It differs after the driver's volatile-line filter: what people want to be told about. */
  'backup.significant': BackupRef & { previousId: string | null; sha256: string };
  'backup.failed': BackupRef & { failureClass: string; message: string; consecutiveFailures: number; firstFailure: boolean };
  /** A success after one or more failures. */
  'backup.recovered': BackupRef & { failedSince: Date | null; failures: number };
  /** A device fell out of compliance with a rule (src/compliance): first failing evaluation. */
  'compliance.violation': ComplianceRef;
  /** A device complies with a rule again after a violation. */
  'compliance.restored': ComplianceRef;
  /** A restore (src/restore) ended: pushed and verified, failed, or rolled back. */
  'restore.finished': { restoreId: string; deviceId: string; deviceName: string; historyId: string; status: 'success' | 'failed' | 'rolled_back'; method: string; userId: string | null; at: Date };
}

/** One (device, rule) compliance transition; historyId is the evaluated version. */
export interface ComplianceRef {
  deviceId: string;
  deviceName: string;
  ruleId: string;
  ruleName: string;
  detail: string;
  historyId: string | null;
  at: Date;
}

export interface BackupRef {
  deviceId: string;
  deviceName: string;
  historyId: string;
  configId: string;
  jobId?: string;
  at: Date;
}

export type BackupEventName = keyof BackupEventEvents;
export type BackupEvent = { [K in BackupEventName]: { type: K } & BackupEventEvents[K] }[BackupEventName];
export type Listener<K extends BackupEventName> = (event: BackupEventEvents[K]) => void;

export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });
  private reported = false;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  on<K extends BackupEventName>(type: K, listener: Listener<K>): () => void {
    this.emitter.on(type, listener as (e: unknown) => void);
    return () => this.emitter.off(type, listener as (e: unknown) => void);
  }

  /** Every event, with its type: what an SSE stream wants. Returns the unsubscribe function. */
  onAny(listener: (event: BackupEvent) => void): () => void {
    this.emitter.on('*', listener);
    return () => this.emitter.off('*', listener);
  }

  emit<K extends BackupEventName>(type: K, event: BackupEventEvents[K]): void {
    for (const l of this.emitter.listeners(type)) this.call(l as (e: unknown) => void, event);
    const any = { type, ...event } as BackupEvent;
    for (const l of this.emitter.listeners('*')) this.call(l as (e: unknown) => void, any);
  }

  listenerCount(): number {
    return this.emitter.eventNames().reduce((n, e) => n + this.emitter.listenerCount(e), 0);
  }

  private call(l: (e: unknown) => void, event: unknown): void {
    try {
      l(event);
    } catch (err) {
      if (!this.reported) {
        this.reported = true;
        process.stderr.write(`netkeep: an event listener failed (${(err as Error)?.message ?? err}); the backup itself is unaffected. Report this as a bug.\n`);
      }
    }
  }
}

/** The process-wide bus: workers, the API's SSE stream and notifications share it. */
export const bus = new EventBus();
