// Activity: the live stream of job and backup events (SSE), backup jobs, and the audit log (admins).
import { Badge, Button, Code, Group, Pagination, Select, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { qs } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { JobState } from '../components/Status.tsx';
import { Empty, ErrorState, Loading } from '../components/State.tsx';
import { ago, dateTime } from '../format.ts';
import { useApi, useDebounced, useEvents } from '../hooks.ts';
import { Link, useTitle } from '../router.tsx';
import type { AuditRow, Job, Paged } from '../types.ts';

export default function ActivityPage() {
  useTitle('Activity');
  const { can } = useAuth();
  const [tab, setTab] = useState<string | null>('live');
  return (
    <Stack gap="md">
      <Title order={1}>Activity</Title>
      <Tabs value={tab} onChange={setTab}>
        <Tabs.List>
          <Tabs.Tab value="live">Live events</Tabs.Tab>
          <Tabs.Tab value="jobs">Jobs</Tabs.Tab>
          {can('audit:read') && <Tabs.Tab value="audit">Audit log</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="live" pt="md">
          <LiveEvents />
        </Tabs.Panel>
        <Tabs.Panel value="jobs" pt="md">
          {tab === 'jobs' && <Jobs />}
        </Tabs.Panel>
        {can('audit:read') && (
          <Tabs.Panel value="audit" pt="md">
            {tab === 'audit' && <Audit />}
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
}

interface LiveEvent {
  n: number;
  type: string;
  data: Record<string, unknown>;
}

const FAMILY_COLORS: Record<string, string> = { 'job.finished': 'green', 'job.failed': 'red', 'backup.failed': 'red', 'backup.changed': 'blue', 'backup.recovered': 'teal', 'job.retrying': 'orange' };

function summary(e: LiveEvent): string {
  const d = e.data;
  switch (e.type) {
    case 'job.progress':
      return `${String(d.step)}`;
    case 'job.finished':
      return `${String(d.status)}${d.changed ? ', changed' : ''} in ${Math.round(Number(d.duration_ms ?? 0))} ms`;
    case 'job.failed':
    case 'job.retrying':
    case 'backup.failed':
      return `${String(d.failure_class ?? '')}: ${String(d.message ?? '')}`;
    case 'backup.changed':
      return d.significant ? 'configuration changed' : 'only volatile lines changed';
    case 'job.started':
      return `attempt ${Number(d.attempt ?? 0) + 1}${d.worker_id ? ` on ${String(d.worker_id)}` : ''}`;
    default:
      return d.trigger ? `trigger: ${String(d.trigger)}` : '';
  }
}

function LiveEvents() {
  const [family, setFamily] = useState<string | null>(null);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const n = useRef(0);
  // some events carry only the device id: name it from the events that named it
  const names = useRef(new Map<string, string>());
  const onEvent = useCallback((type: string, data: Record<string, unknown>) => {
    const id = typeof data.device_id === 'string' ? data.device_id : null;
    if (id && data.device_name) names.current.set(id, String(data.device_name));
    const named = id && !data.device_name && names.current.has(id) ? { ...data, device_name: names.current.get(id) } : data;
    setEvents((list) => [{ n: ++n.current, type, data: named }, ...list].slice(0, 200));
  }, []);
  const open = useEvents(family ? `?types=${family}` : '', onEvent);
  return (
    <Stack gap="sm">
      <Group gap="sm" align="flex-end">
        <Select
          label="Show"
          data={[
            { value: 'job.*', label: 'jobs' },
            { value: 'backup.*', label: 'backups (changes, failures)' },
            { value: 'job.failed,backup.failed', label: 'failures only' },
          ]}
          value={family}
          onChange={(v) => (setFamily(v), setEvents([]))}
          placeholder="everything"
          clearable
          w={260}
        />
        <Badge color={open ? 'green' : 'gray'} variant="dot" role="status">
          {open ? 'connected' : 'connecting…'}
        </Badge>
        {events.length > 0 && (
          <Button variant="subtle" size="xs" onClick={() => setEvents([])}>
            Clear
          </Button>
        )}
      </Group>
      {events.length === 0 ? (
        <Empty title="Waiting for events">Backups that start or finish while this page is open appear here as they happen.</Empty>
      ) : (
        <Table aria-label="Live events, newest first" aria-live="polite" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Time</Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th>Device</Table.Th>
              <Table.Th>Details</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.map((e) => (
              <Table.Tr key={e.n}>
                <Table.Td>{dateTime(String(e.data.at ?? ''))}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={FAMILY_COLORS[e.type] ?? 'gray'} tt="none">
                    {e.type}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {e.data.device_id ? (
                    <Link to={`/devices/${String(e.data.device_id)}`} className="plain">
                      {String(e.data.device_name || e.data.device_id)}
                    </Link>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>{summary(e)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

const PAGE = 50;

function Jobs() {
  const [state, setState] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const jobs = useApi<Paged<Job>>(`/jobs${qs({ state: state ?? undefined, limit: PAGE, offset: (page - 1) * PAGE })}`);
  // refresh on job events, at most every 2 s (a fleet-wide pass sends thousands)
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { reload } = jobs;
  const refresh = useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      reload();
    }, 2000);
  }, [reload]);
  useEffect(() => () => clearTimeout(pending.current ?? undefined), []);
  useEvents('?types=job.queued,job.finished,job.failed,job.started', refresh);
  const items = jobs.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((jobs.data?.total ?? 0) / PAGE));
  return (
    <Stack gap="sm">
      <Select
        label="State"
        data={['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled']}
        value={state}
        onChange={(v) => (setState(v), setPage(1))}
        placeholder="any state"
        clearable
        w={200}
      />
      {jobs.error && <ErrorState error={jobs.error} title="Could not load the jobs" retry={jobs.reload} />}
      {!jobs.data && jobs.loading && <Loading rows={6} label="Loading jobs…" />}
      {jobs.data && items.length === 0 && <Empty title="No jobs">{state ? 'No job is in this state.' : 'Jobs appear when backups are scheduled or started. They are kept 7 days.'}</Empty>}
      {items.length > 0 && (
        <Table striped aria-label="Backup jobs, newest first" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Created</Table.Th>
              <Table.Th>Device</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Trigger</Table.Th>
              <Table.Th>By</Table.Th>
              <Table.Th>Result</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((j) => (
              <Table.Tr key={j.id}>
                <Table.Td title={dateTime(j.created_at)}>{ago(j.created_at)}</Table.Td>
                <Table.Td>
                  {j.device_id ? (
                    <Link to={`/devices/${j.device_id}`} className="plain">
                      {j.device_name ?? j.device_id}
                    </Link>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>
                  <JobState state={j.state} />
                  {j.progress && (
                    <Text span size="xs" c="dimmed" ml={6}>
                      {j.progress.step}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{j.trigger ?? '—'}</Table.Td>
                <Table.Td>{j.requested_by ?? '—'}</Table.Td>
                <Table.Td>
                  {j.error ? (
                    <Text size="sm" c="red.8">
                      {j.error.class ? `${j.error.class}: ` : ''}
                      {j.error.message}
                    </Text>
                  ) : j.result ? (
                    j.result.changed ? (
                      'changed'
                    ) : (
                      'unchanged'
                    )
                  ) : (
                    '—'
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages" />}
    </Stack>
  );
}

function Audit() {
  const [action, setAction] = useState('');
  const [username, setUsername] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const a = useDebounced(action.trim(), 300);
  const u = useDebounced(username.trim(), 300);
  const audit = useApi<Paged<AuditRow>>(`/audit${qs({ action: a, username: u, result: result ?? undefined, limit: PAGE, offset: (page - 1) * PAGE })}`);
  const items = audit.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((audit.data?.total ?? 0) / PAGE));
  return (
    <Stack gap="sm">
      <Group gap="sm" align="flex-end">
        <TextInput label="Action" description='exact, or a prefix ending in "." (device.)' value={action} onChange={(e) => (setAction(e.currentTarget.value), setPage(1))} w={240} />
        <TextInput label="User" value={username} onChange={(e) => (setUsername(e.currentTarget.value), setPage(1))} w={180} />
        <Select label="Result" data={['ok', 'denied', 'failed', 'error']} value={result} onChange={(v) => (setResult(v), setPage(1))} clearable placeholder="any" w={140} />
      </Group>
      {audit.error && <ErrorState error={audit.error} title="Could not load the audit log" retry={audit.reload} />}
      {!audit.data && audit.loading && <Loading rows={6} label="Loading the audit log…" />}
      {audit.data && items.length === 0 && <Empty title="No audit entries match">Change the filters.</Empty>}
      {items.length > 0 && (
        <Table striped aria-label="Audit log, newest first" verticalSpacing={4} fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>User</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Target</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>From</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{dateTime(r.at)}</Table.Td>
                <Table.Td>{r.username ?? '—'}</Table.Td>
                <Table.Td>
                  <Code>{r.action}</Code>
                </Table.Td>
                <Table.Td>{r.target_type ? `${r.target_type} ${r.target_id ? r.target_id.slice(0, 8) : ''}` : '—'}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={r.result === 'ok' ? 'green' : r.result === 'denied' ? 'orange' : 'red'}>
                    {r.result}
                  </Badge>
                </Table.Td>
                <Table.Td ff="monospace" fz="xs">
                  {r.source_ip ?? '—'}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages" />}
    </Stack>
  );
}
