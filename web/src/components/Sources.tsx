// Settings → Inventory sources: list, add (csv / oxidized / rancid / netbox; the NetBox token is
// write-only), preview a sync (dry run: creates, updates, orphans, errors per line), sync now, runs.
import { Alert, Badge, Button, Group, Modal, PasswordInput, Select, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, enc } from '../api.ts';
import { ago, dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import type { Paged, Profile } from '../types.ts';
import { Empty, ErrorState, Loading, errorText } from './State.tsx';

interface Source {
  id: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  has_token: boolean;
  enabled: boolean;
  schedule_cron: string | null;
  schedule_timezone: string;
  next_run_at: string | null;
  last_run_at: string | null;
  last_status: string | null;
  device_count: number;
  orphaned_count: number;
}
interface Change {
  action: string;
  device: string;
  line?: number;
  fields?: string[];
}
interface SyncReport {
  dry_run: boolean;
  status: string;
  message: string;
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  orphaned: number;
  restored: number;
  errors: { line: number; message: string }[];
  skipped: { line: number; name: string; reason: string }[];
  changes: Change[];
}
interface Run {
  id: string;
  trigger: string;
  dry_run: boolean;
  status: string;
  started_at: string;
  records: number;
  created: number;
  updated: number;
  orphaned: number;
  restored: number;
  message: string | null;
  errors: { line: number; message: string }[];
}

const statusColor = (s: string | null) => (s === 'ok' ? 'green' : s === 'refused' ? 'orange' : s === 'failed' ? 'red' : 'gray');

export function Sources({ canWrite }: { canWrite: boolean }) {
  const list = useApi<{ items: Source[] } | Paged<Source>>('/sources?limit=200');
  const [adding, setAdding] = useState(false);
  const [syncing, setSyncing] = useState<Source | null>(null);
  const [runs, setRuns] = useState<Source | null>(null);
  const items = list.data?.items ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed" maw={760}>
          Devices kept in step with another inventory: a CSV file, Oxidized or RANCID router.db, or NetBox. A sync creates and updates devices; a device the source no longer lists is
          marked orphaned, never deleted.
        </Text>
        {canWrite && <Button onClick={() => setAdding(true)}>Add source</Button>}
      </Group>
      {list.error && <ErrorState error={list.error} title="Could not load the inventory sources" retry={list.reload} />}
      {!list.data && list.loading && <Loading rows={2} label="Loading the sources…" />}
      {list.data && items.length === 0 && <Empty title="No inventory sources">{canWrite ? 'Add one to keep the devices in step with a CSV file, router.db or NetBox.' : 'An administrator adds them.'}</Empty>}
      {items.length > 0 && (
        <Table aria-label="Inventory sources" verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Kind</Table.Th>
              <Table.Th>Devices</Table.Th>
              <Table.Th>Schedule</Table.Th>
              <Table.Th>Last sync</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td fw={600}>
                  {s.name}
                  {!s.enabled && (
                    <Badge ml={6} color="gray" variant="light">
                      off
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{s.kind}</Table.Td>
                <Table.Td>
                  {s.device_count}
                  {s.orphaned_count > 0 && (
                    <Badge ml={6} color="orange" variant="outline">
                      {s.orphaned_count} orphaned
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{s.schedule_cron ? `${s.schedule_cron} (next ${ago(s.next_run_at)})` : 'on demand'}</Table.Td>
                <Table.Td>
                  {s.last_status ? (
                    <Badge color={statusColor(s.last_status)} variant="light">
                      {s.last_status}
                    </Badge>
                  ) : null}{' '}
                  <Text span size="sm" title={dateTime(s.last_run_at)}>
                    {ago(s.last_run_at)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    {canWrite && (
                      <Button size="compact-xs" variant="subtle" onClick={() => setSyncing(s)} aria-label={`Sync ${s.name}`}>
                        Sync…
                      </Button>
                    )}
                    <Button size="compact-xs" variant="subtle" onClick={() => setRuns(s)} aria-label={`Sync runs of ${s.name}`}>
                      Runs
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {adding && (
        <SourceForm
          onClose={() => setAdding(false)}
          onSaved={() => {
            setAdding(false);
            list.reload();
          }}
        />
      )}
      {syncing && (
        <SyncModal
          source={syncing}
          onClose={() => {
            setSyncing(null);
            list.reload();
          }}
        />
      )}
      {runs && <Runs source={runs} onClose={() => setRuns(null)} />}
    </Stack>
  );
}

function SourceForm({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const profiles = useApi<Paged<Profile>>('/credential-profiles?limit=500');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string | null>('csv');
  const [path, setPath] = useState('');
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [profile, setProfile] = useState<string | null>(null);
  const [cron, setCron] = useState('');
  const [extra, setExtra] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let more: Record<string, unknown> = {};
    if (extra.trim()) {
      try {
        more = JSON.parse(extra) as Record<string, unknown>;
      } catch (err) {
        setError(new Error(`More settings must be a JSON object: ${(err as Error).message}`));
        return;
      }
    }
    const config = { ...(kind === 'netbox' ? { url: url.trim() } : { path: path.trim() }), ...(profile ? { credential_profile: profile } : {}), ...more };
    try {
      await api.post('/sources', { name: name.trim(), kind, config, ...(kind === 'netbox' && token ? { token } : {}), ...(cron.trim() ? { schedule_cron: cron.trim() } : {}) });
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Add an inventory source" size="lg">
      <form onSubmit={submit}>
        <Stack gap="sm">
          {error !== null && (
            <Alert color="red" role="alert" title="Could not add the source">
              {errorText(error)}
            </Alert>
          )}
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
          <Select
            label="Kind"
            data={[
              { value: 'csv', label: 'CSV file (netkeep device CSV)' },
              { value: 'oxidized', label: 'Oxidized router.db' },
              { value: 'rancid', label: 'RANCID router.db' },
              { value: 'netbox', label: 'NetBox' },
            ]}
            value={kind}
            onChange={setKind}
            allowDeselect={false}
          />
          {kind === 'netbox' ? (
            <>
              <TextInput label="NetBox URL" required type="url" value={url} onChange={(e) => setUrl(e.currentTarget.value)} placeholder="https://netbox.example.net" />
              <PasswordInput label="API token" description="needs view permission on devices; stored encrypted, never shown again" value={token} onChange={(e) => setToken(e.currentTarget.value)} autoComplete="off" />
            </>
          ) : (
            <TextInput label="File path on the netkeep host" required value={path} onChange={(e) => setPath(e.currentTarget.value)} placeholder={kind === 'csv' ? '/etc/netkeep/devices.csv' : '/var/lib/oxidized/router.db'} description="read at every sync" />
          )}
          <Select
            label="Credential profile"
            description="for devices the source gives no credentials"
            data={(profiles.data?.items ?? []).map((p) => p.name)}
            value={profile}
            onChange={setProfile}
            clearable
            searchable
          />
          <TextInput label="Schedule" description="cron or hourly/daily/…; empty: sync only on demand" value={cron} onChange={(e) => setCron(e.currentTarget.value)} />
          <Textarea
            label="More settings (JSON, optional)"
            description="e.g. {&quot;delimiter&quot;: &quot;:&quot;, &quot;map&quot;: {&quot;name&quot;: 0, &quot;ip&quot;: 1, &quot;model&quot;: 2}} — docs/inventory-sources.md lists them per kind"
            value={extra}
            onChange={(e) => setExtra(e.currentTarget.value)}
            autosize
            minRows={2}
            styles={{ input: { fontFamily: 'monospace' } }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Add source</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function SyncModal({ source, onClose }: { source: Source; onClose: () => void }) {
  const [report, setReport] = useState<SyncReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (dry: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setReport(await api.post<SyncReport>(`/sources/${enc(source.id)}/sync`, { dry_run: dry }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const clean = report !== null && report.dry_run && report.status === 'ok';
  return (
    <Modal opened onClose={onClose} title={`Sync ${source.name}`} size="xl">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          Preview first: the dry run reads the source and says what would change; nothing is saved until you sync.
        </Text>
        <Group>
          <Button variant="default" onClick={() => void run(true)} loading={busy && !clean}>
            Preview (dry run)
          </Button>
          <Button onClick={() => void run(false)} disabled={!clean || busy} loading={busy && clean}>
            Sync now
          </Button>
        </Group>
        {error !== null && <ErrorState error={error} title="The sync failed" />}
        {report && <SyncResult r={report} />}
      </Stack>
    </Modal>
  );
}

function SyncResult({ r }: { r: SyncReport }) {
  return (
    <Stack gap="xs" data-testid="source-sync-result">
      <Alert color={statusColor(r.status)} role={r.status === 'ok' ? 'status' : 'alert'} title={`${r.dry_run ? 'Dry run' : 'Sync'}: ${r.status}`}>
        {r.message}
        {r.status === 'ok'
          ? ` — ${r.records} record${r.records === 1 ? '' : 's'}: ${r.created} ${r.dry_run ? 'to create' : 'created'}, ${r.updated} ${r.dry_run ? 'to update' : 'updated'}, ${r.unchanged} unchanged, ${r.orphaned} ${r.dry_run ? 'to orphan' : 'orphaned'}, ${r.restored} ${r.dry_run ? 'to restore' : 'restored'}.`
          : ` (${r.records} record${r.records === 1 ? '' : 's'} read)`}
      </Alert>
      {r.errors.length > 0 && (
        <Table aria-label="Problems per line" verticalSpacing={2}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={70}>Line</Table.Th>
              <Table.Th>Problem</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {r.errors.map((e, i) => (
              <Table.Tr key={i}>
                <Table.Td>{e.line}</Table.Td>
                <Table.Td>{e.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {r.changes.length > 0 && (
        <Table aria-label="Changes" verticalSpacing={2}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Action</Table.Th>
              <Table.Th>Device</Table.Th>
              <Table.Th>Line</Table.Th>
              <Table.Th>Fields</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {r.changes.map((c, i) => (
              <Table.Tr key={i}>
                <Table.Td>
                  <Badge variant="light" color={c.action === 'create' ? 'green' : c.action === 'orphan' ? 'orange' : 'blue'}>
                    {c.action}
                  </Badge>
                </Table.Td>
                <Table.Td>{c.device}</Table.Td>
                <Table.Td>{c.line ?? '—'}</Table.Td>
                <Table.Td>{c.fields?.join(', ') ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {r.skipped.length > 0 && (
        <Text size="sm" c="dimmed">
          Skipped: {r.skipped.map((s) => `line ${s.line} ${s.name} (${s.reason})`).join('; ')}
        </Text>
      )}
    </Stack>
  );
}

function Runs({ source, onClose }: { source: Source; onClose: () => void }) {
  const runs = useApi<Paged<Run>>(`/sources/${enc(source.id)}/runs?limit=50`);
  return (
    <Modal opened onClose={onClose} title={`Sync runs of ${source.name}`} size="xl">
      {runs.error && <ErrorState error={runs.error} title="Could not load the runs" retry={runs.reload} />}
      {!runs.data && runs.loading && <Loading rows={3} label="Loading the runs…" />}
      {runs.data && runs.data.items.length === 0 && <Empty title="No sync yet">Preview or sync the source.</Empty>}
      {runs.data && runs.data.items.length > 0 && (
        <Table aria-label={`Sync runs of ${source.name}, newest first`} verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Trigger</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>Records</Table.Th>
              <Table.Th>Created / updated / orphaned</Table.Th>
              <Table.Th>Message</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {runs.data.items.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{dateTime(r.started_at)}</Table.Td>
                <Table.Td>
                  {r.trigger}
                  {r.dry_run ? ' (dry run)' : ''}
                </Table.Td>
                <Table.Td>
                  <Badge color={statusColor(r.status)} variant="light">
                    {r.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{r.records}</Table.Td>
                <Table.Td>
                  {r.created} / {r.updated} / {r.orphaned}
                </Table.Td>
                <Table.Td>
                  <Text size="xs">
                    {r.message ?? ''}
                    {r.errors.length ? ` (${r.errors.length} bad line${r.errors.length === 1 ? '' : 's'})` : ''}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Modal>
  );
}
