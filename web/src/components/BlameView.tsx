// Blame: each line of a device's current config with the version (and date) it first appeared in.
import { Alert, Anchor, Stack, Text } from '@mantine/core';
import { ApiError, enc } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import type { Blame } from '../types.ts';
import classes from './code.module.css';
import { Empty, ErrorState, Loading } from './State.tsx';

export function BlameView({ deviceId, hasVersions, onOpenVersion }: { deviceId: string; hasVersions: boolean; onOpenVersion: (historyId: string) => void }) {
  const { user } = useAuth();
  const blame = useApi<Blame>(hasVersions ? `/backups/devices/${enc(deviceId)}/blame` : null);
  if (!hasVersions) return <Empty title="No stored configuration yet">Back the device up first.</Empty>;
  if (blame.error instanceof ApiError && blame.error.status === 403) {
    return (
      <Alert color="yellow" title="Blame is not allowed for your account" role="alert">
        {blame.error.message}
        {user?.role === 'viewer' && ' Viewers see config lines only when an administrator allows viewers to download configurations (Settings → Server).'}
      </Alert>
    );
  }
  if (blame.error) return <ErrorState error={blame.error} title="Could not compute the blame" retry={blame.reload} />;
  if (!blame.data) return <Loading label="Walking the stored versions…" />;
  const b = blame.data;
  // consecutive lines from the same version show its date once
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {b.lines.length} lines of the current configuration, from {b.versions_examined} stored version{b.versions_examined === 1 ? '' : 's'}. Each line shows the version it first appeared in (since it was
        last absent).
      </Text>
      {!b.complete &&
        b.warnings.map((w) => (
          <Alert key={w} color="yellow" role="status">
            {w}
          </Alert>
        ))}
      <div className={classes.wrap}>
        <table className={classes.table} aria-label={`Blame of ${b.device_name}`}>
          <thead>
            <tr>
              <th className={classes.since} style={{ textAlign: 'left', padding: '0 8px' }}>
                first seen in
              </th>
              <th className={classes.lno}>line</th>
              <th style={{ textAlign: 'left', padding: '0 8px' }}>text</th>
            </tr>
          </thead>
          <tbody>
            {b.lines.map((l, i) => {
              const same = i > 0 && b.lines[i - 1]!.history_id === l.history_id;
              return (
                <tr key={l.line_no} data-line={l.line_no}>
                  <td className={classes.since}>
                    {same ? (
                      <span aria-hidden>┆</span>
                    ) : (
                      <Anchor component="button" type="button" size="xs" onClick={() => onOpenVersion(l.history_id)} aria-label={`line ${l.line_no}: open the version of ${dateTime(l.since)}`}>
                        {dateTime(l.since)}
                      </Anchor>
                    )}
                  </td>
                  <td className={classes.lno}>{l.line_no}</td>
                  <td className={classes.text}>{l.text}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Stack>
  );
}
