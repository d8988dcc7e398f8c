// Logs the event bus: one structured line per job step and outcome (with job_id and device), per
// stored change and per restore, so a job can be followed through the logs by its id.
import type { Logger } from 'pino';
import type { EventBus } from '../events/bus.ts';

export function logBusEvents(bus: EventBus, log: Logger): () => void {
  const offs = [
    bus.on('job.queued', (e) => log.debug({ job_id: e.jobId, device: e.deviceName, device_id: e.deviceId, trigger: e.trigger, zone: e.zone }, 'job queued')),
    bus.on('job.started', (e) => log.debug({ job_id: e.jobId, device_id: e.deviceId, attempt: e.attempt, worker: e.workerId }, 'job started')),
    bus.on('job.finished', (e) =>
      log.info(
        { job_id: e.jobId, device: e.deviceName, device_id: e.deviceId, status: e.status, history_id: e.historyId, duration_ms: Math.round(e.durationMs), changed: e.changed, failure_class: e.failureClass, attempt: e.attempt },
        `backup ${e.status === 'success' ? 'succeeded' : 'failed'}`,
      ),
    ),
    bus.on('job.retrying', (e) => log.warn({ job_id: e.jobId, device_id: e.deviceId, attempt: e.attempt, failure_class: e.failureClass, error: e.message }, 'backup attempt failed; it will be retried')),
    bus.on('job.failed', (e) => log.warn({ job_id: e.jobId, device: e.deviceName || undefined, device_id: e.deviceId, failure_class: e.failureClass, error: e.message, permanent: e.permanent }, 'backup job failed')),
    bus.on('backup.significant', (e) => log.info({ job_id: e.jobId, device: e.deviceName, device_id: e.deviceId, history_id: e.historyId, previous_id: e.previousId }, 'configuration changed')),
    bus.on('backup.recovered', (e) => log.info({ job_id: e.jobId, device: e.deviceName, device_id: e.deviceId, failures: e.failures }, 'device recovered')),
    bus.on('restore.finished', (e) => log.info({ restore_id: e.restoreId, device: e.deviceName, device_id: e.deviceId, history_id: e.historyId, status: e.status, method: e.method, user_id: e.userId }, 'restore finished')),
  ];
  return () => offs.forEach((off) => off());
}
