// Live progress of one backup job. The device page listens to the device's events (SSE) the
// whole time it is open, so the steps of a job started from it (queued → started → connecting →
// storing → done) are all seen, even those that come before the API answers the
// request; the job is polled as a fallback when the stream is cut (a proxy).
import { Alert, Group, Loader, Stepper, Text } from '@mantine/core';
import { useEffect } from 'react';
import { api } from '../api.ts';
import type { Job } from '../types.ts';

export interface RunState {
  jobId: string;
  state: Job['state'];
  steps: { step: string; at: string }[];
  changed?: boolean | null;
  error?: string;
  startedAt: number;
}

export interface JobEvent {
  type: string;
  data: Record<string, unknown>;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
export const isFinal = (r: RunState) => FINAL.has(r.state);
// the steps the runner reports (it fetches on the connection of "connecting", then stores)
const ORDER = ['queued', 'started', 'connecting', 'storing', 'done'];

/** Apply one event of the job to the run. */
export function applyEvent(r: RunState, e: JobEvent): RunState {
  if (e.data.job_id !== r.jobId || isFinal(r)) return r;
  const at = String(e.data.at ?? new Date().toISOString());
  const steps = [...r.steps];
  const d = e.data;
  switch (e.type) {
    case 'job.queued':
      return steps.some((s) => s.step === 'queued') ? r : { ...r, steps: [{ step: 'queued', at }, ...steps] };
    case 'job.started':
      return { ...r, state: 'running', steps: [...steps, { step: 'started', at }] };
    case 'job.progress':
      return { ...r, steps: [...steps, { step: String(d.step), at }] };
    case 'job.retrying':
      return { ...r, state: 'retrying', steps: [...steps, { step: `retrying (${String(d.message ?? d.failure_class)})`, at }] };
    case 'job.finished': {
      const ok = d.status === 'success';
      return { ...r, state: ok ? 'succeeded' : 'failed', changed: (d.changed as boolean | undefined) ?? null, steps: [...steps, { step: 'done', at }], ...(ok ? {} : { error: `the backup failed (${String(d.failure_class ?? 'error')})` }) };
    }
    case 'job.failed':
      return { ...r, state: 'failed', steps, error: String(d.message ?? 'the backup failed') };
    default:
      return r;
  }
}

export function BackupProgress({ run, setRun, onDone }: { run: RunState; setRun: (f: (r: RunState | null) => RunState | null) => void; onDone: () => void }) {
  const final = isFinal(run);
  // polling fallback: the job's state from the queue
  useEffect(() => {
    if (final) return;
    const t = setInterval(() => {
      api.get<Job>(`/jobs/${run.jobId}`).then(
        (j) =>
          setRun((r) => {
            if (!r || isFinal(r) || !FINAL.has(j.state)) return r;
            return { ...r, state: j.state, changed: j.result?.changed ?? null, ...(j.error ? { error: j.error.message } : {}), steps: [...r.steps, { step: 'done', at: j.completed_at ?? new Date().toISOString() }] };
          }),
        () => {},
      );
    }, 2000);
    return () => clearInterval(t);
  }, [final, run.jobId, setRun]);
  useEffect(() => {
    if (final) onDone();
  }, [final, onDone]);

  const last = run.steps.at(-1)?.step ?? 'queued';
  const active = Math.max(0, ORDER.findIndex((s) => last.startsWith(s)));
  const seen = run.steps.map((s) => s.step).join(' → ');
  if (final) {
    return (
      <Alert
        color={run.state === 'succeeded' ? 'green' : 'red'}
        role="status"
        title={run.state === 'succeeded' ? 'Backup finished' : 'Backup failed'}
        data-testid="backup-result"
        withCloseButton
        closeButtonLabel="Dismiss"
        onClose={() => setRun(() => null)}
      >
        <Text size="sm">{run.state === 'succeeded' ? (run.changed ? 'The configuration changed: a new version was stored.' : 'The configuration is unchanged since the last version.') : run.error}</Text>
        <Text size="xs" c="dimmed" mt={4} data-testid="backup-steps">
          {seen}
        </Text>
      </Alert>
    );
  }
  return (
    <Alert color="blue" role="status" aria-live="polite" title="Backing up…">
      <Group gap="sm" mb="xs">
        <Loader size="xs" aria-hidden />
        <Text size="sm">Now: {last}</Text>
      </Group>
      <Stepper active={active} size="xs" aria-label="Backup progress">
        {ORDER.map((s) => (
          <Stepper.Step key={s} label={s} />
        ))}
      </Stepper>
    </Alert>
  );
}
