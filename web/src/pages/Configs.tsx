// Backup configurations: what is backed up, when (cron, read in words, next five runs), how, and how long it is kept.
import { Alert, Badge, Button, Group, Modal, NumberInput, Pagination, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { api, qs } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { Empty, ErrorState, Loading, errorText } from '../components/State.tsx';
import { ago, dateTime } from '../format.ts';
import { useApi, useDebounced } from '../hooks.ts';
import { Link, useTitle } from '../router.tsx';
import type { BackupConfig, Device, Paged } from '../types.ts';

const PAGE = 50;
const TYPES = ['running-config', 'startup-config', 'full-state'];
const PROTOCOLS = ['ssh', 'telnet', 'snmp', 'netconf', 'rest', 'sftp'];

export default function ConfigsPage() {
  useTitle('Backup configurations');
  const { can } = useAuth();
  const [page, setPage] = useState(1);
  const [device, setDevice] = useState('');
  const dq = useDebounced(device.trim(), 300);
  const [editing, setEditing] = useState<BackupConfig | 'new' | null>(null);
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);
  const list = useApi<Paged<BackupConfig>>(`/backups/configs${qs({ device: dq, limit: PAGE, offset: (page - 1) * PAGE })}`);
  const items = list.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / PAGE));

  const remove = async (c: BackupConfig) => {
    try {
      await api.del(`/backups/configs/${c.id}`);
      setNotice({ color: 'green', text: `Deleted the ${c.backup_type} configuration of ${c.device_name}.` });
      list.reload();
    } catch (err) {
      setNotice({ color: 'red', text: errorText(err) });
    }
  };

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1}>Backup configurations</Title>
        {can('backups:write') && <Button onClick={() => setEditing('new')}>New configuration</Button>}
      </Group>
      <Text size="sm" c="dimmed">
        Each device is backed up by its configurations: a type (running, startup, full state), a protocol, a schedule and a retention. A device without one is backed up as running-config when asked.
      </Text>
      <TextInput label="Device" placeholder="name or id" value={device} onChange={(e) => (setDevice(e.currentTarget.value), setPage(1))} w={260} type="search" />
      {notice && (
        <Alert color={notice.color} withCloseButton onClose={() => setNotice(null)} role="status">
          {notice.text}
        </Alert>
      )}
      {list.error && <ErrorState error={list.error} title="Could not load the backup configurations" retry={list.reload} />}
      {!list.data && list.loading && <Loading rows={6} label="Loading backup configurations…" />}
      {list.data && items.length === 0 && (
        <Empty title={dq ? 'No configuration for this device' : 'No backup configurations yet'}>
          {can('backups:write') ? 'Create one to back a device up on a schedule.' : 'An operator or admin creates them.'}
        </Empty>
      )}
      {items.length > 0 && (
        <Table striped aria-label="Backup configurations" verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Device</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Protocol</Table.Th>
              <Table.Th>Schedule</Table.Th>
              <Table.Th>Next run</Table.Th>
              <Table.Th>Retention</Table.Th>
              <Table.Th>Storage</Table.Th>
              <Table.Th>State</Table.Th>
              {can('backups:write') && <Table.Th>Actions</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Link to={`/devices/${c.device_id}`} className="plain">
                    {c.device_name}
                  </Link>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{c.backup_type}</Table.Td>
                <Table.Td>{c.protocol}</Table.Td>
                <Table.Td>
                  {c.schedule_cron ? (
                    <>
                      <Text size="sm">{c.schedule_description}</Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {c.schedule_cron} ({c.schedule_timezone})
                      </Text>
                    </>
                  ) : (
                    <Text size="sm" c="dimmed">
                      manual only
                    </Text>
                  )}
                </Table.Td>
                <Table.Td title={dateTime(c.next_runs[0])} style={{ whiteSpace: 'nowrap' }}>
                  {c.next_runs[0] ? ago(c.next_runs[0]) : '—'}
                </Table.Td>
                <Table.Td>{c.retention_days} d</Table.Td>
                <Table.Td>
                  <Text size="sm">{[c.compression_enabled && 'compressed', c.encryption_enabled && 'encrypted'].filter(Boolean).join(', ') || 'plain'}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={600} c={c.enabled ? 'green.8' : 'dimmed'}>
                    {c.enabled ? 'enabled' : 'disabled'}
                  </Text>
                  {c.warnings.length > 0 && (
                    <Badge color="orange" variant="light" title={c.warnings.join('\n')} ml={4}>
                      warning
                    </Badge>
                  )}
                </Table.Td>
                {can('backups:write') && (
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Button size="compact-xs" variant="subtle" onClick={() => setEditing(c)} aria-label={`Edit the ${c.backup_type} configuration of ${c.device_name}`}>
                        Edit
                      </Button>
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => void remove(c)} aria-label={`Delete the ${c.backup_type} configuration of ${c.device_name}`}>
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages" />}
      {editing && (
        <ConfigForm
          config={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(c) => {
            setEditing(null);
            setNotice({ color: 'green', text: `Saved the ${c.backup_type} configuration of ${c.device_name}.` });
            list.reload();
          }}
        />
      )}
    </Stack>
  );
}

interface Preview {
  cron: string | null;
  timezone: string;
  description: string;
  next_runs: string[];
}

function ConfigForm({ config, onClose, onSaved }: { config?: BackupConfig; onClose: () => void; onSaved: (c: BackupConfig) => void }) {
  const [deviceQuery, setDeviceQuery] = useState('');
  const dq = useDebounced(deviceQuery, 250);
  const devices = useApi<Paged<Device>>(config ? null : `/devices${qs({ q: dq, limit: 50, sort: 'name' })}`);
  const [deviceId, setDeviceId] = useState<string | null>(config?.device_id ?? null);
  const [type, setType] = useState<string | null>(config?.backup_type ?? 'running-config');
  const [protocol, setProtocol] = useState<string | null>(config?.protocol ?? null);
  const [cron, setCron] = useState(config?.schedule_cron ?? 'daily');
  const [tz, setTz] = useState(config?.schedule_timezone ?? 'UTC');
  const [retention, setRetention] = useState<number | string>(config?.retention_days ?? 365);
  const [compression, setCompression] = useState(config?.compression_enabled ?? true);
  const [encryption, setEncryption] = useState(config?.encryption_enabled ?? true);
  const [enabled, setEnabled] = useState(config?.enabled ?? true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<{ ok?: Preview; error?: unknown } | null>(null);
  const cronD = useDebounced(cron, 300);
  const tzD = useDebounced(tz, 300);
  useEffect(() => {
    let live = true;
    api.get<Preview>(`/schedules/preview${qs({ cron: cronD, timezone: tzD || 'UTC' })}`).then(
      (ok) => live && setPreview({ ok }),
      (e) => live && setPreview({ error: e }),
    );
    return () => {
      live = false;
    };
  }, [cronD, tzD]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      backup_type: type ?? 'running-config',
      ...(protocol ? { protocol } : {}),
      schedule_cron: cron.trim() || null,
      schedule_timezone: tz.trim() || 'UTC',
      retention_days: Number(retention),
      compression_enabled: compression,
      encryption_enabled: encryption,
      enabled,
    };
    try {
      const c = config ? await api.put<BackupConfig>(`/backups/configs/${config.id}`, body) : await api.post<BackupConfig>('/backups/configs', { device_id: deviceId ?? '', ...body });
      onSaved(c);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={config ? `Edit the ${config.backup_type} configuration of ${config.device_name}` : 'New backup configuration'} size="lg">
      <form onSubmit={submit}>
        <Stack gap="sm">
          {error !== null && (
            <Alert color="red" role="alert" title="Not saved">
              {errorText(error)}
            </Alert>
          )}
          {!config && (
            <Select
              label="Device"
              required
              searchable
              searchValue={deviceQuery}
              onSearchChange={setDeviceQuery}
              data={(devices.data?.items ?? []).map((d) => ({ value: d.id, label: `${d.name} (${d.address})` }))}
              value={deviceId}
              onChange={setDeviceId}
              nothingFoundMessage={devices.loading ? 'searching…' : 'no device matches'}
              filter={({ options }) => options}
            />
          )}
          <Group grow align="flex-start">
            <Select label="Backup type" data={TYPES} value={type} onChange={setType} allowDeselect={false} disabled={!!config} />
            <Select label="Protocol" description="empty: the device's" data={PROTOCOLS} value={protocol} onChange={setProtocol} clearable placeholder="the device's" />
          </Group>
          <Group grow align="flex-start">
            <TextInput
              label="Schedule"
              description='cron ("30 2 * * *") or hourly, daily, weekly, monthly; empty: manual only'
              value={cron}
              onChange={(e) => setCron(e.currentTarget.value)}
              styles={{ input: { fontFamily: 'monospace' } }}
              error={preview?.error ? errorText(preview.error) : undefined}
              aria-describedby="schedule-reading"
            />
            <TextInput label="Time zone" description="IANA name, e.g. Europe/Berlin" value={tz} onChange={(e) => setTz(e.currentTarget.value)} />
          </Group>
          <div id="schedule-reading" aria-live="polite">
            {preview?.ok && (
              <Alert color="blue" variant="light" p="xs">
                <Text size="sm" fw={600}>
                  Runs {preview.ok.description}
                </Text>
                {preview.ok.next_runs.length > 0 && (
                  <Text size="xs" c="dimmed">
                    Next: {preview.ok.next_runs.map((r) => dateTime(r)).join(' · ')}
                  </Text>
                )}
              </Alert>
            )}
          </div>
          <Group grow align="flex-start">
            <NumberInput label="Keep versions for (days)" min={1} max={36500} value={retention} onChange={setRetention} />
          </Group>
          <Group>
            <Switch label="Compress" checked={compression} onChange={(e) => setCompression(e.currentTarget.checked)} />
            <Switch label="Encrypt" checked={encryption} onChange={(e) => setEncryption(e.currentTarget.checked)} />
            <Switch label="Enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
