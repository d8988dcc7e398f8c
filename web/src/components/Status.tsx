// Status badges for devices, versions and jobs.
import { Badge, Tooltip } from '@mantine/core';
import { ago } from '../format.ts';
import type { Device, Job } from '../types.ts';

export function DeviceStatus({ d }: { d: Device }) {
  return (
    <>
      <BackupStatus d={d} />
      {d.orphaned_at && (
        <Tooltip label={`${d.source ?? 'its inventory source'} no longer lists this device (since ${ago(d.orphaned_at)}); it is kept until you delete it`} multiline w={320} withArrow>
          <Badge color="orange" variant="outline" ml={4} tabIndex={0}>
            orphaned
          </Badge>
        </Tooltip>
      )}
    </>
  );
}

function BackupStatus({ d }: { d: Device }) {
  if (!d.enabled) return <Badge color="gray" variant="light">disabled</Badge>;
  if (d.last_status === 'failure') {
    return (
      <Tooltip label={d.last_error ?? 'the last backup failed'} multiline w={320} withArrow>
        <Badge color="red" variant="light" tabIndex={0}>
          failing {d.failing_since ? `since ${ago(d.failing_since)}` : ''}
        </Badge>
      </Tooltip>
    );
  }
  if (d.last_status === 'success') return <Badge color="green" variant="light">ok</Badge>;
  return <Badge color="yellow" variant="light">never backed up</Badge>;
}

const JOB_COLORS: Record<Job['state'], string> = { queued: 'gray', running: 'blue', retrying: 'orange', succeeded: 'green', failed: 'red', cancelled: 'gray' };
export function JobState({ state }: { state: Job['state'] }) {
  return (
    <Badge color={JOB_COLORS[state]} variant="light">
      {state}
    </Badge>
  );
}
