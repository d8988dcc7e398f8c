// Reports: success rate and change frequency per group, compliance status, devices never backed up; CSV export.
import { Badge, Button, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../api.ts';
import { Empty, ErrorState, Loading } from '../components/State.tsx';
import { ago, dateTime, percent } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Link, useTitle } from '../router.tsx';

interface GroupRow {
  group_id: string | null;
  group_name: string;
  devices: number;
  enabled_devices: number;
  failing_devices: number;
  never_backed_up: number;
  runs: number;
  successes: number;
  failures: number;
  success_rate: number | null;
  changes: number;
  changes_per_device: number;
}
interface NeverRow {
  device_id: string;
  name: string;
  address: string;
  driver: string;
  group: string | null;
  enabled: boolean;
  created_at: string;
  last_attempt_at: string | null;
  last_error_class: string | null;
  last_error: string | null;
}
interface Compliance {
  devices: { device_id: string; device_name: string; compliant: boolean | null; failing_rules: { rule_id: string; name: string; detail: string }[] }[];
  summary: { compliant: number; non_compliant: number; unknown: number };
}

function CsvButton({ href, label }: { href: string; label: string }) {
  return (
    <Button component="a" href={href} download variant="default" size="xs" aria-label={label}>
      Export CSV
    </Button>
  );
}

export default function ReportsPage() {
  useTitle('Reports');
  const [days, setDays] = useState('30');
  const groups = useApi<{ items: GroupRow[]; since: string }>(`/reports/groups?days=${days}`);
  const never = useApi<{ items: NeverRow[]; total: number }>('/reports/never-backed-up');
  const compliance = useApi<Compliance>('/compliance/report?only_failing=true');
  return (
    <Stack gap="md">
      <Title order={1}>Reports</Title>
      <Card withBorder>
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4">
            Per group
          </Title>
          <Group gap="sm">
            <SegmentedControl
              size="xs"
              value={days}
              onChange={setDays}
              data={[
                { value: '7', label: '7 days' },
                { value: '30', label: '30 days' },
                { value: '90', label: '90 days' },
              ]}
              aria-label="Report window"
            />
            <CsvButton href={`/api/v1/reports/groups?days=${days}&format=csv`} label="Export the group report as CSV" />
          </Group>
        </Group>
        {groups.error && <ErrorState error={groups.error} title="Could not load the group report" retry={groups.reload} />}
        {!groups.data && groups.loading && <Loading rows={4} label="Loading the group report…" />}
        {groups.data && groups.data.items.length === 0 && <Empty title="No devices yet">Add devices: the report counts their backups per group.</Empty>}
        {groups.data && groups.data.items.length > 0 && (
          <Table striped aria-label={`Backups per group over the last ${days} days`} verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group</Table.Th>
                <Table.Th ta="right">Devices</Table.Th>
                <Table.Th ta="right">Failing</Table.Th>
                <Table.Th ta="right">Never backed up</Table.Th>
                <Table.Th ta="right">Runs</Table.Th>
                <Table.Th ta="right">Success rate</Table.Th>
                <Table.Th ta="right">Changes</Table.Th>
                <Table.Th ta="right">Changes per device</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {groups.data.items.map((g) => (
                <Table.Tr key={g.group_id ?? 'none'}>
                  <Table.Td>{g.group_id ? g.group_name : <Text c="dimmed" size="sm">{g.group_name}</Text>}</Table.Td>
                  <Table.Td ta="right">{g.devices}</Table.Td>
                  <Table.Td ta="right" c={g.failing_devices ? 'red.8' : undefined}>
                    {g.failing_devices}
                  </Table.Td>
                  <Table.Td ta="right">{g.never_backed_up}</Table.Td>
                  <Table.Td ta="right">{g.runs}</Table.Td>
                  <Table.Td ta="right">{percent(g.success_rate)}</Table.Td>
                  <Table.Td ta="right">{g.changes}</Table.Td>
                  <Table.Td ta="right">{g.changes_per_device}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Card withBorder>
          <Group justify="space-between" mb="sm">
            <Title order={2} size="h4">
              Compliance
            </Title>
            <Link to="/compliance" className="plain">
              Rules and the full report
            </Link>
          </Group>
          {compliance.error &&
            (compliance.error instanceof ApiError && compliance.error.status === 404 ? (
              <Text c="dimmed" size="sm">
                This server has no compliance checks.
              </Text>
            ) : (
              <ErrorState error={compliance.error} title="Could not load the compliance report" retry={compliance.reload} />
            ))}
          {!compliance.data && compliance.loading && <Loading label="Loading compliance…" />}
          {compliance.data && (
            <Stack gap="sm">
              <Group gap="sm">
                <Badge color="green" variant="light" size="lg">
                  {compliance.data.summary.compliant} compliant
                </Badge>
                <Badge color="red" variant="light" size="lg">
                  {compliance.data.summary.non_compliant} not compliant
                </Badge>
                <Badge color="gray" variant="light" size="lg">
                  {compliance.data.summary.unknown} not evaluated
                </Badge>
              </Group>
              {compliance.data.devices.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No device fails a compliance rule.
                </Text>
              ) : (
                <Table aria-label="Devices failing compliance rules" verticalSpacing={4}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Device</Table.Th>
                      <Table.Th>Failing rules</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {compliance.data.devices.map((d) => (
                      <Table.Tr key={d.device_id}>
                        <Table.Td>
                          <Link to={`/devices/${d.device_id}`} className="plain">
                            {d.device_name}
                          </Link>
                        </Table.Td>
                        <Table.Td>{d.failing_rules.map((r) => r.name).join(', ')}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Stack>
          )}
        </Card>
        <Card withBorder>
          <Group justify="space-between" mb="sm">
            <Title order={2} size="h4">
              Never backed up{never.data ? ` (${never.data.total})` : ''}
            </Title>
            <CsvButton href="/api/v1/reports/never-backed-up?format=csv" label="Export the devices never backed up as CSV" />
          </Group>
          {never.error && <ErrorState error={never.error} title="Could not load the devices never backed up" retry={never.reload} />}
          {!never.data && never.loading && <Loading label="Loading…" />}
          {never.data && never.data.items.length === 0 && (
            <Text size="sm" c="dimmed">
              Every device has at least one successful backup.
            </Text>
          )}
          {never.data && never.data.items.length > 0 && (
            <Table aria-label="Devices never backed up" verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Device</Table.Th>
                  <Table.Th>Added</Table.Th>
                  <Table.Th>Last attempt</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {never.data.items.slice(0, 100).map((d) => (
                  <Table.Tr key={d.device_id}>
                    <Table.Td>
                      <Link to={`/devices/${d.device_id}`} className="plain">
                        {d.name}
                      </Link>
                      {!d.enabled && (
                        <Badge ml={6} size="xs" color="gray">
                          disabled
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td title={dateTime(d.created_at)}>{ago(d.created_at)}</Table.Td>
                    <Table.Td>
                      {d.last_attempt_at ? `${ago(d.last_attempt_at)}${d.last_error_class ? ` — ${d.last_error_class}` : ''}` : 'never tried'}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
