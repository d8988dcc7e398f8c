// The dashboard: last 24 h at a glance, failures by class, next runs, and 30 days of runs.
import { Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Empty, ErrorState, Loading } from '../components/State.tsx';
import { ago, bytes, dateTime, percent } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Link, useTitle } from '../router.tsx';
import type { Dashboard } from '../types.ts';

const DailyChart = lazy(() => import('../components/DailyChart.tsx'));

function Stat({ id, label, value, hint, color }: { id: string; label: string; value: string; hint?: string; color?: string }) {
  return (
    <Card withBorder padding="md" role="group" aria-labelledby={`stat-${id}-label`}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} id={`stat-${id}-label`}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={color} data-testid={`stat-${id}`}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

export function DashboardPage() {
  useTitle('Dashboard');
  const { data, error, loading, reload } = useApi<Dashboard>('/stats/dashboard');
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1}>Dashboard</Title>
        {data && (
          <Text size="xs" c="dimmed">
            as of {dateTime(data.generated_at)}
          </Text>
        )}
      </Group>
      {error && <ErrorState error={error} title="Could not load the dashboard" retry={reload} />}
      {!data && loading && <Loading label="Loading the dashboard…" />}
      {data && <DashboardBody d={data} />}
    </Stack>
  );
}

function DashboardBody({ d }: { d: Dashboard }) {
  if (d.devices_total === 0) {
    return (
      <Card withBorder>
        <Empty title="No devices yet">
          Add your first device on the <Link to="/devices" className="plain">Devices</Link> page (or import a CSV file), then back it up: the figures appear here.
        </Empty>
      </Card>
    );
  }
  const failures = Object.entries(d.failures_by_class);
  return (
    <>
      <SimpleGrid cols={{ base: 2, md: 3, lg: 6 }} spacing="sm">
        <Stat id="devices" label="Devices" value={String(d.devices_total)} hint={`${d.devices_enabled} enabled`} />
        <Stat id="backed-up" label="Backed up (24 h)" value={String(d.backed_up_24h)} hint={`of ${d.devices_enabled} enabled`} />
        <Stat
          id="success-rate"
          label="Success rate"
          value={percent(d.success_rate_24h)}
          hint={`${d.runs_24h} run${d.runs_24h === 1 ? '' : 's'} in 24 h`}
          color={d.success_rate_24h !== null && d.success_rate_24h < 0.95 ? 'red.8' : undefined}
        />
        <Stat id="changes-today" label="Changes today" value={String(d.changes_today)} hint="since 00:00 UTC" />
        <Stat id="failing" label="Failing now" value={String(d.devices_failing)} hint={`${d.devices_never_backed_up} never backed up`} color={d.devices_failing ? 'red.8' : undefined} />
        <Stat id="storage" label="Storage used" value={bytes(d.storage_bytes)} hint="compressed, deduplicated" />
      </SimpleGrid>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm" id="chart-title">
          Last 30 days
        </Title>
        <Suspense fallback={<Loading label="Loading the chart…" />}>
          <DailyChart daily={d.daily} />
        </Suspense>
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Failures by class (24 h)
          </Title>
          {failures.length === 0 ? (
            <Text c="dimmed" size="sm">
              No failed backups in the last 24 hours.
            </Text>
          ) : (
            <Table aria-label="Failures by class in the last 24 hours">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Class</Table.Th>
                  <Table.Th ta="right">Failures</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {failures.map(([cls, n]) => (
                  <Table.Tr key={cls}>
                    <Table.Td>
                      <Badge color="red" variant="light">
                        {cls}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right" data-testid={`failures-${cls}`}>
                      {n}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Next scheduled runs
          </Title>
          {d.next_runs.length === 0 ? (
            <Text c="dimmed" size="sm">
              Nothing is scheduled. Give a backup configuration a schedule on the <Link to="/configs" className="plain">Backup configurations</Link> page.
            </Text>
          ) : (
            <Table aria-label="Next scheduled runs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Configuration</Table.Th>
                  <Table.Th>When</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.next_runs.map((r) => (
                  <Table.Tr key={r.config_id}>
                    <Table.Td>
                      <Link to={`/devices/${r.device_id}`} className="plain">
                        {r.name}
                      </Link>
                    </Table.Td>
                    <Table.Td title={dateTime(r.at)}>{ago(r.at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      </SimpleGrid>
    </>
  );
}
