// One device: its state, "back up now" with live progress, versions, a version's text, the diff
// of any two versions, download, and restore (dry run, then a confirmed push).
import { Alert, Badge, Button, Card, Group, SegmentedControl, Select, Stack, Switch, Table, Tabs, Text, Title, Tooltip } from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { ConfigText } from '../components/ConfigText.tsx';
import { DeviceForm } from '../components/DeviceForm.tsx';
import { DiffView } from '../components/DiffView.tsx';
import { BackupProgress, applyEvent, type JobEvent, type RunState } from '../components/BackupProgress.tsx';
import { RestorePanel } from '../components/RestorePanel.tsx';
import { BlameView } from '../components/BlameView.tsx';
import { DeviceCompliance } from '../components/DeviceCompliance.tsx';
import { DeviceStatus } from '../components/Status.tsx';
import { Empty, ErrorState, Loading } from '../components/State.tsx';
import { ago, bytes, dateTime } from '../format.ts';
import { useApi, useEvents } from '../hooks.ts';
import { Link, useTitle } from '../router.tsx';
import type { Device, Diff, HistoryPage, Version } from '../types.ts';

export default function DeviceDetailPage({ id }: { id: string }) {
  const dev = useApi<Device>(`/devices/${enc(id)}`);
  useTitle(dev.data?.name ?? 'Device');
  if (dev.error) {
    return (
      <Stack>
        <Title order={1}>Device</Title>
        <ErrorState error={dev.error} title="Could not load this device" retry={dev.reload} />
        <Link to="/devices" className="plain">
          Back to the devices
        </Link>
      </Stack>
    );
  }
  if (!dev.data) return <Loading label="Loading the device…" />;
  return <DeviceView d={dev.data} reload={dev.reload} />;
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

function DeviceView({ d, reload }: { d: Device; reload: () => void }) {
  const { can } = useAuth();
  const [tab, setTab] = useState<string | null>('versions');
  const [editing, setEditing] = useState(false);
  const [run, setRun] = useState<RunState | null>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const [viewId, setViewId] = useState<string | null>(null);
  const [restoreId, setRestoreId] = useState<string | null>(null);
  const openVersion = useCallback((historyId: string) => {
    setViewId(historyId);
    setTab('view');
  }, []);
  const history = useApi<HistoryPage>(`/backups/devices/${enc(d.id)}/history?limit=100`);
  const versions = history.data?.items ?? [];
  const good = versions.filter((v) => v.status === 'success' && v.verifiable);

  // the device's live events while the page is open: a job's early steps may come before the API's answer
  const recent = useRef<JobEvent[]>([]);
  const live = useEvents(`?device=${encodeURIComponent(d.id)}`, (type, data) => {
    const e = { type, data };
    recent.current = [...recent.current.slice(-49), e];
    setRun((r) => (r ? applyEvent(r, e) : r));
    if (type === 'backup.changed' || type === 'backup.failed') history.reload(); // a scheduled run landed
  });
  const backupNow = async () => {
    setRunError(null);
    try {
      const r = await api.post<{ job_id: string; queued: boolean }>(`/backups/devices/${enc(d.id)}/backup`, {});
      let run: RunState = { jobId: r.job_id, steps: [{ step: r.queued ? 'queued' : 'already queued', at: new Date().toISOString() }], state: 'queued', startedAt: Date.now() };
      for (const e of recent.current) run = applyEvent(run, e);
      setRun(run);
    } catch (err) {
      setRunError(err);
    }
  };
  const onRunDone = useCallback(() => {
    history.reload();
    reload();
  }, [reload, history.reload]);

  const toggleEnabled = async () => {
    try {
      await api.patch(`/devices/${enc(d.id)}`, { enabled: !d.enabled });
      reload();
    } catch (err) {
      setRunError(err);
    }
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Text size="sm">
            <Link to="/devices" className="plain">
              Devices
            </Link>{' '}
            /
          </Text>
          <Group gap="sm">
            <Title order={1}>{d.name}</Title>
            <DeviceStatus d={d} />
            <Badge variant="dot" color={live ? 'green' : 'gray'} size="sm" data-testid="live-updates" title="this page updates itself from the server's event stream">
              {live ? 'live' : 'connecting…'}
            </Badge>
          </Group>
        </Stack>
        <Group gap="xs">
          {can('inventory:write') && (
            <Button variant="default" onClick={() => setEditing(true)}>
              Edit
            </Button>
          )}
          {can('inventory:write') && (
            <Button variant="default" onClick={() => void toggleEnabled()}>
              {d.enabled ? 'Disable' : 'Enable'}
            </Button>
          )}
          {can('backups:run') && (
            <Button onClick={() => void backupNow()} loading={run !== null && !['succeeded', 'failed', 'cancelled'].includes(run.state)}>
              Back up now
            </Button>
          )}
        </Group>
      </Group>

      <Card withBorder>
        <Group gap="xl" align="flex-start">
          <Field label="Address">
            <Text ff="monospace" size="sm">
              {d.address}
              {d.port ? `:${d.port}` : ''}
            </Text>
          </Field>
          <Field label="Driver">{d.driver}</Field>
          <Field label="Protocol">{d.protocol}</Field>
          <Field label="Group">{d.group ?? '—'}</Field>
          <Field label="Credential profile">{d.credential_profile ?? '—'}</Field>
          <Field label="Site">{d.site ?? '—'}</Field>
          <Field label="Last success">
            <span title={dateTime(d.last_success_at)}>{ago(d.last_success_at)}</span>
          </Field>
          <Field label="Last change">
            <span title={dateTime(d.last_change_at)}>{ago(d.last_change_at)}</span>
          </Field>
          {d.tags.length > 0 && (
            <Field label="Tags">
              <Group gap={4}>
                {d.tags.map((t) => (
                  <Badge key={t} variant="outline" size="sm">
                    {t}
                  </Badge>
                ))}
              </Group>
            </Field>
          )}
        </Group>
        {d.last_status === 'failure' && d.last_error && (
          <Alert color="red" mt="sm" title={`Last backup failed${d.last_error_class ? ` (${d.last_error_class})` : ''}`}>
            {d.last_error}
          </Alert>
        )}
        {d.host_key_pending && (
          <Alert color="orange" mt="sm" title="The device shows a new SSH host key">
            Backups are refused until an operator accepts the new key (POST /api/v1/devices/{d.name}/host-key/accept) — check first that the device was really replaced.
          </Alert>
        )}
      </Card>

      {runError !== null && <ErrorState error={runError} title="Could not start the backup" />}
      {run && <BackupProgress run={run} setRun={setRun} onDone={onRunDone} />}

      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="versions">Versions{history.data?.total !== undefined ? ` (${history.data.total})` : ''}</Tabs.Tab>
          <Tabs.Tab value="view">View</Tabs.Tab>
          <Tabs.Tab value="diff">Diff</Tabs.Tab>
          {can('backups:download') && <Tabs.Tab value="blame">Blame</Tabs.Tab>}
          <Tabs.Tab value="compliance">Compliance</Tabs.Tab>
          {can('backups:restore') && <Tabs.Tab value="restore">Restore</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="versions" pt="md">
          <VersionsTable
            history={history}
            versions={versions}
            canRestore={can('backups:restore')}
            onView={(v) => {
              setViewId(v.id);
              setTab('view');
            }}
            onRestore={(v) => {
              setRestoreId(v.id);
              setTab('restore');
            }}
          />
        </Tabs.Panel>
        <Tabs.Panel value="view" pt="md">
          <VersionText device={d} versions={good} id={viewId ?? good[0]?.id ?? null} onPick={setViewId} />
        </Tabs.Panel>
        <Tabs.Panel value="diff" pt="md">
          <DiffPanel versions={good} />
        </Tabs.Panel>
        {can('backups:download') && (
          <Tabs.Panel value="blame" pt="md">
            <BlameView deviceId={d.id} hasVersions={good.length > 0} onOpenVersion={openVersion} />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="compliance" pt="md">
          <DeviceCompliance deviceId={d.id} onOpenVersion={openVersion} />
        </Tabs.Panel>
        {can('backups:restore') && (
          <Tabs.Panel value="restore" pt="md">
            <RestorePanel device={d} versions={good} id={restoreId ?? good[0]?.id ?? null} onPick={setRestoreId} onRestored={onRunDone} />
          </Tabs.Panel>
        )}
      </Tabs>
      {editing && (
        <DeviceForm
          device={d}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            reload();
          }}
        />
      )}
    </Stack>
  );
}

export function versionLabel(v: Version): string {
  return `${dateTime(v.started_at)} · ${v.backup_type}${v.changed ? ' · changed' : ''} · ${v.checksum.slice(0, 8)}`;
}

function VersionsTable({
  history,
  versions,
  canRestore,
  onView,
  onRestore,
}: {
  history: ReturnType<typeof useApi<HistoryPage>>;
  versions: Version[];
  canRestore: boolean;
  onView: (v: Version) => void;
  onRestore: (v: Version) => void;
}) {
  if (history.error) return <ErrorState error={history.error} title="Could not load the versions" retry={history.reload} />;
  if (!history.data) return <Loading rows={4} label="Loading versions…" />;
  if (versions.length === 0) return <Empty title="No versions yet">Back the device up: every backup is kept here, newest first.</Empty>;
  // the oldest successful version, when this page reaches the start of the history
  const firstId = history.data.next_cursor === null ? versions.filter((v) => v.status === 'success').at(-1)?.id : undefined;
  return (
    <Table striped aria-label="Versions, newest first" verticalSpacing={6}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>Result</Table.Th>
          <Table.Th>Type</Table.Th>
          <Table.Th>Trigger</Table.Th>
          <Table.Th>Size</Table.Th>
          <Table.Th>SHA-256</Table.Th>
          <Table.Th>Actions</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {versions.map((v) => (
          <Table.Tr key={v.id} data-version={v.id}>
            <Table.Td title={dateTime(v.started_at)}>
              {dateTime(v.started_at)}
              <Text size="xs" c="dimmed">
                {ago(v.started_at)}
              </Text>
            </Table.Td>
            <Table.Td>
              {v.status === 'success' ? (
                <Group gap={4}>
                  {v.id === firstId ? (
                    <Badge variant="light" color="teal">
                      first version
                    </Badge>
                  ) : v.changed ? (
                    <Badge variant="light">changed</Badge>
                  ) : (
                    <Badge variant="light" color="gray">
                      unchanged
                    </Badge>
                  )}
                  {v.changed && v.significant === false && (
                    <Badge variant="outline" color="gray" title="only volatile lines (clock, uptime…) changed">
                      volatile only
                    </Badge>
                  )}
                  {!v.verifiable && <Badge color="red">fails verification</Badge>}
                </Group>
              ) : (
                <Tooltip label={v.error_message ?? 'failed'} multiline w={320}>
                  <Badge color="red" variant="light" tabIndex={0}>
                    failed{v.error_class ? `: ${v.error_class}` : ''}
                  </Badge>
                </Tooltip>
              )}
            </Table.Td>
            <Table.Td>{v.backup_type}</Table.Td>
            <Table.Td>{v.trigger}</Table.Td>
            <Table.Td>{v.status === 'success' ? bytes(v.file_size) : '—'}</Table.Td>
            <Table.Td ff="monospace" fz="xs">
              {v.checksum ? v.checksum.slice(0, 12) : '—'}
            </Table.Td>
            <Table.Td>
              {v.status === 'success' && v.verifiable && (
                <Group gap={4} wrap="nowrap">
                  <Button size="compact-xs" variant="subtle" onClick={() => onView(v)} aria-label={`View the version of ${dateTime(v.started_at)}`}>
                    View
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    component="a"
                    href={`/api/v1/backups/history/${v.id}/download`}
                    download
                    aria-label={`Download the version of ${dateTime(v.started_at)}`}
                  >
                    Download
                  </Button>
                  {canRestore && (
                    <Button size="compact-xs" variant="subtle" color="orange" onClick={() => onRestore(v)} aria-label={`Restore the version of ${dateTime(v.started_at)}`}>
                      Restore…
                    </Button>
                  )}
                </Group>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function VersionText({ device, versions, id, onPick }: { device: Device; versions: Version[]; id: string | null; onPick: (id: string) => void }) {
  const [state, setState] = useState<{ id: string; text?: string; error?: unknown } | null>(null);
  useEffect(() => {
    if (!id) return;
    let live = true;
    setState({ id });
    api.text(`/backups/history/${id}/download`).then(
      (text) => live && setState({ id, text }),
      (error) => live && setState({ id, error }),
    );
    return () => {
      live = false;
    };
  }, [id]);
  if (versions.length === 0 || !id) return <Empty title="No stored configuration yet">Back the device up first.</Empty>;
  return (
    <Stack gap="sm">
      <Group align="flex-end">
        <Select label="Version" data={versions.map((v) => ({ value: v.id, label: versionLabel(v) }))} value={id} onChange={(v) => v && onPick(v)} w={520} allowDeselect={false} />
        <Button variant="default" component="a" href={`/api/v1/backups/history/${id}/download`} download>
          Download
        </Button>
      </Group>
      {state?.error !== undefined && <ErrorState error={state.error} title="Could not load this version" />}
      {state && state.text === undefined && state.error === undefined && <Loading label="Loading the configuration…" />}
      {state?.text !== undefined && <ConfigText text={state.text} driver={device.driver} label={`Configuration of ${device.name}`} />}
    </Stack>
  );
}

function DiffPanel({ versions }: { versions: Version[] }) {
  const [from, setFrom] = useState<string | null>(versions[1]?.id ?? null);
  const [to, setTo] = useState<string | null>(versions[0]?.id ?? null);
  const [hideVolatile, setHideVolatile] = useState(true);
  const [mode, setMode] = useState<'side' | 'inline'>('side');
  const path = from && to ? `/backups/diff${qs({ from, to, hide_volatile: hideVolatile })}` : null;
  const diff = useApi<Diff>(path);
  const options = useMemo(() => versions.map((v) => ({ value: v.id, label: versionLabel(v) })), [versions]);
  if (versions.length < 2) return <Empty title="Nothing to compare yet">A diff needs two stored versions: back the device up again after its configuration changes.</Empty>;
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="sm">
        <Select label="Older version" data={options} value={from} onChange={setFrom} w={420} allowDeselect={false} />
        <Select label="Newer version" data={options} value={to} onChange={setTo} w={420} allowDeselect={false} />
      </Group>
      <Group gap="lg">
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as 'side' | 'inline')}
          data={[
            { value: 'side', label: 'Side by side' },
            { value: 'inline', label: 'Inline' },
          ]}
          aria-label="Diff layout"
        />
        <Switch label="Hide volatile lines (clock, uptime…)" checked={hideVolatile} onChange={(e) => setHideVolatile(e.currentTarget.checked)} />
        {diff.data && (
          <Text size="sm" aria-live="polite">
            <Text span c="green.8" fw={600}>
              +{diff.data.added}
            </Text>{' '}
            <Text span c="red.8" fw={600}>
              −{diff.data.removed}
            </Text>{' '}
            lines
          </Text>
        )}
      </Group>
      {diff.error && <ErrorState error={diff.error} title="Could not compute the diff" retry={diff.reload} />}
      {!diff.data && diff.loading && <Loading label="Computing the diff…" />}
      {diff.data && <DiffView hunks={diff.data.hunks} mode={mode} label="Differences between the two versions" />}
    </Stack>
  );
}

