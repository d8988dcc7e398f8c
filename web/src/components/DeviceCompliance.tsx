// One device's compliance: its current result per rule and how that changed over time.
import { Anchor, Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import { enc } from '../api.ts';
import { ago, dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { DeviceCompliance as Result } from '../types.ts';
import { Empty, ErrorState, Loading } from './State.tsx';

const state = (c: boolean | null) =>
  c === null ? (
    <Badge color="gray" variant="light">
      not evaluated
    </Badge>
  ) : c ? (
    <Badge color="green" variant="light">
      compliant
    </Badge>
  ) : (
    <Badge color="red" variant="light">
      not compliant
    </Badge>
  );

export function DeviceCompliance({ deviceId, onOpenVersion }: { deviceId: string; onOpenVersion: (historyId: string) => void }) {
  const r = useApi<Result>(`/compliance/devices/${enc(deviceId)}?limit=100`);
  if (r.error) return <ErrorState error={r.error} title="Could not load the compliance results" retry={r.reload} />;
  if (!r.data) return <Loading rows={3} label="Loading the compliance results…" />;
  const d = r.data;
  if (d.rules.length === 0) {
    return (
      <Empty title="No compliance results for this device">
        No rule applies yet or none was evaluated. Rules live on the <Link to="/compliance">Compliance</Link> page.
      </Empty>
    );
  }
  return (
    <Stack gap="md">
      <Group gap="xs">
        <Text size="sm">Now:</Text>
        {state(d.compliant)}
      </Group>
      <Table aria-label="Compliance per rule" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rule</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Detail</Table.Th>
            <Table.Th>Since</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {d.rules.map((x) => (
            <Table.Tr key={x.rule_id}>
              <Table.Td fw={600}>{x.name}</Table.Td>
              <Table.Td>{state(x.compliant)}</Table.Td>
              <Table.Td>
                <Text size="sm">{x.detail}</Text>
              </Table.Td>
              <Table.Td title={dateTime(x.since)}>{ago(x.since)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Title order={3} size="h5">
        Over time
      </Title>
      {d.history.length === 0 ? (
        <Text size="sm" c="dimmed">
          No changes recorded yet.
        </Text>
      ) : (
        <Table aria-label="Compliance changes, newest first" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Rule</Table.Th>
              <Table.Th>Became</Table.Th>
              <Table.Th>Detail</Table.Th>
              <Table.Th>Version</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {d.history.map((h, i) => (
              <Table.Tr key={`${h.rule_id}-${h.at}-${i}`}>
                <Table.Td>{dateTime(h.at)}</Table.Td>
                <Table.Td>{h.name}</Table.Td>
                <Table.Td>{state(h.compliant)}</Table.Td>
                <Table.Td>
                  <Text size="sm">{h.detail}</Text>
                </Table.Td>
                <Table.Td>
                  {h.history_id ? (
                    <Anchor component="button" type="button" size="sm" onClick={() => onOpenVersion(h.history_id!)} aria-label={`View the version checked on ${dateTime(h.at)}`}>
                      view
                    </Anchor>
                  ) : (
                    '—'
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
