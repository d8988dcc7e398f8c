// Settings → System backup (admins): backups of netkeep itself — list, create now (polled until
// done), download, delete — and the schedule with its retention.
import { Alert, Badge, Button, Card, Group, Modal, NumberInput, PasswordInput, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { api, enc } from '../api.ts';
import { bytes, dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Empty, ErrorState, Loading, errorText } from './State.tsx';

interface SystemBackup {
  id: string;
  file_name: string;
  path: string;
  status: 'running' | 'success' | 'failed' | 'deleted';
  trigger: 'cli' | 'api' | 'schedule';
  size: number | null;
  sha256: string | null;
  includes_master_key: boolean;
  error: string | null;
  created_by: string | null;
  started_at: string;
  completed_at: string | null;
}
interface Schedule {
  enabled: boolean;
  schedule_cron: string;
  schedule_timezone: string;
  keep_last: number;
  next_run_at: string | null;
}

const STATUS_COLOR: Record<SystemBackup['status'], string> = { running: 'blue', success: 'green', failed: 'red', deleted: 'gray' };

export function SystemBackups() {
  const list = useApi<{ items: SystemBackup[]; schedule: Schedule }>('/system/backups');
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);
  const [starting, setStarting] = useState(false);
  const [withKey, setWithKey] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [deleting, setDeleting] = useState<SystemBackup | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const running = list.data?.items.some((b) => b.status === 'running') ?? false;

  // poll while an archive is being written
  const { reload } = list;
  useEffect(() => {
    if (!running) return;
    const t = setInterval(reload, 1000);
    return () => clearInterval(t);
  }, [running, reload]);
  // the archive started here finished: say how it went
  const done = pending ? list.data?.items.find((b) => b.id === pending && b.status !== 'running') : undefined;
  useEffect(() => {
    if (!done) return;
    setPending(null);
    setNotice(
      done.status === 'success'
        ? { color: 'green', text: `${done.file_name} written (${done.size !== null ? bytes(done.size) : 'size unknown'}). Download it and keep it off this host.` }
        : { color: 'red', text: `The system backup failed: ${done.error ?? 'no detail'}` },
    );
  }, [done]);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setStarting(true);
    setNotice(null);
    try {
      const b = await api.post<SystemBackup>('/system/backups', withKey ? { include_master_key: true, passphrase } : {});
      setNotice({ color: 'blue', text: `Writing ${b.file_name}…` });
      setPending(b.id);
      setPassphrase('');
      reload();
    } catch (err) {
      setNotice({ color: 'red', text: errorText(err) });
    } finally {
      setStarting(false);
    }
  };

  return (
    <Stack gap="lg">
      <Text size="sm" c="dimmed" maw={820}>
        An archive of netkeep itself: the database, every stored configuration and the settings. The master key goes in only when you ask, sealed with a passphrase — keep it
        somewhere else than the archive. Restore with <code>netkeep system restore</code> (see docs/operations.md).
      </Text>
      {notice && (
        <Alert color={notice.color} withCloseButton onClose={() => setNotice(null)} role={notice.color === 'red' ? 'alert' : 'status'} closeButtonLabel="Dismiss">
          {notice.text}
        </Alert>
      )}
      <Card withBorder component="form" onSubmit={start} aria-label="Create a system backup now">
        <Group align="flex-end" gap="md">
          <Switch label="Include the master key (sealed)" checked={withKey} onChange={(e) => setWithKey(e.currentTarget.checked)} mb={8} />
          {withKey && <PasswordInput label="Passphrase (12 characters or more)" value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} w={300} required minLength={12} autoComplete="new-password" />}
          <Button type="submit" loading={starting} disabled={running || (withKey && passphrase.length < 12)}>
            {running ? 'A backup is running…' : 'Back up netkeep now'}
          </Button>
        </Group>
      </Card>

      <section aria-labelledby="sysb-title">
        <Title order={2} size="h4" id="sysb-title" mb="xs">
          Archives
        </Title>
        {list.error && <ErrorState error={list.error} title="Could not load the system backups" retry={reload} />}
        {!list.data && list.loading && <Loading rows={3} label="Loading the system backups…" />}
        {list.data && list.data.items.length === 0 && <Empty title="No system backup yet">Back netkeep up now, or switch the schedule on below.</Empty>}
        {list.data && list.data.items.length > 0 && (
          <Table.ScrollContainer minWidth={900}>
            <Table aria-label="System backups, newest first" verticalSpacing={6}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Started</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Trigger</Table.Th>
                  <Table.Th>Archive</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((b) => (
                  <Table.Tr key={b.id} data-system-backup={b.id}>
                    <Table.Td>{dateTime(b.started_at)}</Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLOR[b.status]} variant="light">
                        {b.status}
                      </Badge>
                      {b.includes_master_key && (
                        <Badge ml={4} variant="outline" color="grape">
                          with key
                        </Badge>
                      )}
                      {b.error && (
                        <Text size="xs" c="red.8">
                          {b.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {b.trigger}
                      {b.created_by ? ` (${b.created_by})` : ''}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace" title={b.path}>
                        {b.file_name}
                      </Text>
                      {b.sha256 && (
                        <Text size="xs" c="dimmed" ff="monospace">
                          sha256 {b.sha256.slice(0, 16)}…
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{b.size !== null ? bytes(b.size) : '—'}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        {b.status === 'success' && (
                          <Button size="compact-xs" variant="subtle" component="a" href={`/api/v1/system/backups/${b.id}/download`} download aria-label={`Download ${b.file_name}`}>
                            Download
                          </Button>
                        )}
                        {(b.status === 'success' || b.status === 'failed') && (
                          <Button size="compact-xs" variant="subtle" color="red" onClick={() => setDeleting(b)} aria-label={`Delete ${b.file_name}`}>
                            Delete
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </section>

      {list.data && <ScheduleForm s={list.data.schedule} onSaved={reload} />}

      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={`Delete ${deleting?.file_name ?? ''}?`}>
        <Stack>
          <Text size="sm">The archive file is removed from the netkeep host; the list keeps a line marked deleted.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              onClick={async () => {
                const b = deleting!;
                setDeleting(null);
                try {
                  await api.del(`/system/backups/${enc(b.id)}`);
                  reload();
                } catch (err) {
                  setNotice({ color: 'red', text: errorText(err) });
                }
              }}
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function ScheduleForm({ s, onSaved }: { s: Schedule; onSaved: () => void }) {
  const [enabled, setEnabled] = useState(s.enabled);
  const [cron, setCron] = useState(s.schedule_cron);
  const [tz, setTz] = useState(s.schedule_timezone);
  const [keep, setKeep] = useState<number>(s.keep_last);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      const r = await api.put<Schedule>('/system/backup-schedule', { enabled, schedule_cron: cron, schedule_timezone: tz, keep_last: keep });
      setResult({ ok: true, text: r.enabled ? `Saved. Next run: ${dateTime(r.next_run_at)}.` : 'Saved. Scheduled system backups are off.' });
      onSaved();
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder component="form" onSubmit={save} aria-labelledby="sysb-schedule-title">
      <Title order={2} size="h4" id="sysb-schedule-title" mb="xs">
        Schedule and retention
      </Title>
      <Stack gap="sm">
        <Switch label="Back netkeep up on a schedule" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <Group align="flex-start" gap="md">
          <TextInput label="Schedule" description="cron (5 fields) or hourly / daily / weekly / monthly" value={cron} onChange={(e) => setCron(e.currentTarget.value)} w={280} styles={{ input: { fontFamily: 'monospace' } }} />
          <TextInput label="Time zone" value={tz} onChange={(e) => setTz(e.currentTarget.value)} w={200} />
          <NumberInput label="Keep the last" description="scheduled archives; older ones are deleted" value={keep} onChange={(v) => setKeep(typeof v === 'number' ? v : 1)} min={1} max={1000} w={220} />
        </Group>
        <Text size="sm" c="dimmed">
          Next run: {s.enabled ? dateTime(s.next_run_at) : 'off'}
        </Text>
        {result && (
          <Alert color={result.ok ? 'green' : 'red'} role={result.ok ? 'status' : 'alert'}>
            {result.text}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={busy}>
            Save schedule
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
