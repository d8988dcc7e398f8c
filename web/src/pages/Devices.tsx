// Devices: a searchable, sortable, paginated table with status badges; bulk actions; add; import.
import { Alert, Button, Checkbox, Group, Menu, Pagination, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { DeviceForm } from '../components/DeviceForm.tsx';
import { ImportModal } from '../components/ImportModal.tsx';
import { DeviceStatus } from '../components/Status.tsx';
import { Empty, ErrorState, Loading, errorText } from '../components/State.tsx';
import { ago, dateTime } from '../format.ts';
import { useApi, useDebounced } from '../hooks.ts';
import { Link, navigate, useTitle } from '../router.tsx';
import type { Device, Group as DeviceGroup, Paged } from '../types.ts';

const PAGE = 25;
type Sort = 'name' | 'address' | 'driver' | 'group' | 'last_status' | 'last_success_at' | 'last_change_at';

function SortHeader({ col, label, sort, order, onSort }: { col: Sort; label: string; sort: Sort; order: 'asc' | 'desc'; onSort: (c: Sort) => void }) {
  const active = sort === col;
  return (
    <Table.Th aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" onClick={() => onSort(col)}>
        {label}
        <span aria-hidden>{active ? (order === 'asc' ? '▲' : '▼') : '↕'}</span>
      </button>
    </Table.Th>
  );
}

export default function DevicesPage() {
  useTitle('Devices');
  const { can } = useAuth();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 250);
  const [group, setGroup] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [sort, setSort] = useState<Sort>('name');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);

  const path = `/devices${qs({ q, group: group ?? undefined, status: status ?? undefined, sort, order, limit: PAGE, offset: (page - 1) * PAGE })}`;
  const list = useApi<Paged<Device>>(path);
  const groups = useApi<Paged<DeviceGroup>>('/groups?limit=1000');
  const groupOptions = useMemo(() => (groups.data?.items ?? []).map((g) => ({ value: g.name, label: `${g.name} (${g.device_count})` })), [groups.data]);

  const onSort = (c: Sort) => {
    if (c === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(c);
      setOrder('asc');
    }
    setPage(1);
  };
  const items = list.data?.items ?? [];
  const allOnPage = items.length > 0 && items.every((d) => selected.has(d.id));
  const toggle = (id: string) => {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  };

  const bulk = async (what: string, f: (id: string) => Promise<unknown>) => {
    const ids = [...selected];
    const failed: string[] = [];
    for (const id of ids) {
      try {
        await f(id);
      } catch (err) {
        failed.push(`${items.find((d) => d.id === id)?.name ?? id}: ${errorText(err)}`);
      }
    }
    setNotice(
      failed.length
        ? { color: 'red', text: `${what}: ${ids.length - failed.length} of ${ids.length} done. ${failed.join('; ')}` }
        : { color: 'green', text: `${what}: done for ${ids.length} device${ids.length === 1 ? '' : 's'}.` },
    );
    setSelected(new Set());
    list.reload();
  };

  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const filtered = q !== '' || group !== null || status !== null;

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1}>Devices</Title>
        <Group gap="xs">
          {can('inventory:import') && (
            <Button variant="default" onClick={() => setImporting(true)}>
              Import…
            </Button>
          )}
          {can('inventory:write') && <Button onClick={() => setAdding(true)}>Add device</Button>}
        </Group>
      </Group>
      <Group gap="sm" align="flex-end">
        <TextInput
          label="Search"
          placeholder="name, address or site"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            setPage(1);
          }}
          w={260}
          type="search"
        />
        <Select label="Group" placeholder="all groups" data={groupOptions} value={group} onChange={(v) => (setGroup(v), setPage(1))} clearable searchable w={200} />
        <Select
          label="Status"
          placeholder="any status"
          data={[
            { value: 'success', label: 'ok' },
            { value: 'failure', label: 'failing' },
            { value: 'never', label: 'never backed up' },
            { value: 'orphaned', label: 'orphaned' },
          ]}
          value={status}
          onChange={(v) => (setStatus(v), setPage(1))}
          clearable
          w={180}
        />
        {selected.size > 0 && (
          <Group gap="xs" ml="auto" role="toolbar" aria-label="Bulk actions">
            <Text size="sm">{selected.size} selected</Text>
            {can('backups:run') && (
              <Button size="sm" variant="light" onClick={() => void bulk('Back up now', (id) => api.post(`/backups/devices/${enc(id)}/backup`, {}))}>
                Back up now
              </Button>
            )}
            {can('inventory:write') && (
              <Menu withinPortal>
                <Menu.Target>
                  <Button size="sm" variant="default">
                    More actions
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item onClick={() => void bulk('Enable', (id) => api.patch(`/devices/${enc(id)}`, { enabled: true }))}>Enable</Menu.Item>
                  <Menu.Item onClick={() => void bulk('Disable', (id) => api.patch(`/devices/${enc(id)}`, { enabled: false }))}>Disable</Menu.Item>
                  <Menu.Label>Move to group</Menu.Label>
                  <Menu.Item onClick={() => void bulk('Move to no group', (id) => api.patch(`/devices/${enc(id)}`, { group: null }))}>(no group)</Menu.Item>
                  {(groups.data?.items ?? []).map((g) => (
                    <Menu.Item key={g.id} onClick={() => void bulk(`Move to ${g.name}`, (id) => api.patch(`/devices/${enc(id)}`, { group: g.id }))}>
                      {g.name}
                    </Menu.Item>
                  ))}
                </Menu.Dropdown>
              </Menu>
            )}
          </Group>
        )}
      </Group>
      {notice && (
        <Alert color={notice.color} withCloseButton onClose={() => setNotice(null)} role="status">
          {notice.text}
        </Alert>
      )}
      {list.error && <ErrorState error={list.error} title="Could not load the devices" retry={list.reload} />}
      {!list.data && list.loading && <Loading rows={8} label="Loading devices…" />}
      {list.data && items.length === 0 && (
        <Empty title={filtered ? 'No device matches' : 'No devices yet'}>
          {filtered ? 'Change the search or the filters.' : can('inventory:write') ? 'Add a device, or import a CSV file or an Oxidized router.db.' : 'An operator or admin adds devices.'}
        </Empty>
      )}
      {items.length > 0 && (
        <Table striped highlightOnHover aria-label="Devices" aria-busy={list.loading} verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={36}>
                <Checkbox
                  aria-label="Select all devices on this page"
                  checked={allOnPage}
                  indeterminate={!allOnPage && items.some((d) => selected.has(d.id))}
                  onChange={() => setSelected(allOnPage ? new Set() : new Set(items.map((d) => d.id)))}
                />
              </Table.Th>
              <SortHeader col="name" label="Name" sort={sort} order={order} onSort={onSort} />
              <SortHeader col="address" label="Address" sort={sort} order={order} onSort={onSort} />
              <SortHeader col="driver" label="Driver" sort={sort} order={order} onSort={onSort} />
              <SortHeader col="group" label="Group" sort={sort} order={order} onSort={onSort} />
              <SortHeader col="last_status" label="Status" sort={sort} order={order} onSort={onSort} />
              <SortHeader col="last_success_at" label="Last success" sort={sort} order={order} onSort={onSort} />
              <SortHeader col="last_change_at" label="Last change" sort={sort} order={order} onSort={onSort} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((d) => (
              <Table.Tr key={d.id} data-device={d.name}>
                <Table.Td>
                  <Checkbox aria-label={`Select ${d.name}`} checked={selected.has(d.id)} onChange={() => toggle(d.id)} />
                </Table.Td>
                <Table.Td>
                  <Link to={`/devices/${enc(d.id)}`} className="plain">
                    {d.name}
                  </Link>
                </Table.Td>
                <Table.Td ff="monospace" fz="sm">
                  {d.address}
                  {d.port ? `:${d.port}` : ''}
                </Table.Td>
                <Table.Td>{d.driver}</Table.Td>
                <Table.Td>{d.group ?? <Text c="dimmed" span size="sm">—</Text>}</Table.Td>
                <Table.Td>
                  <DeviceStatus d={d} />
                </Table.Td>
                <Table.Td title={dateTime(d.last_success_at)}>{ago(d.last_success_at)}</Table.Td>
                <Table.Td title={dateTime(d.last_change_at)}>{ago(d.last_change_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {total > 0 && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {total} device{total === 1 ? '' : 's'}
          </Text>
          {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages" />}
        </Group>
      )}
      {adding && (
        <DeviceForm
          onClose={() => setAdding(false)}
          onSaved={(d) => {
            setAdding(false);
            navigate(`/devices/${enc(d.id)}`);
          }}
        />
      )}
      {importing && (
        <ImportModal
          onClose={() => setImporting(false)}
          onImported={(text) => {
            setImporting(false);
            setNotice({ color: 'green', text });
            list.reload();
            groups.reload();
          }}
        />
      )}
    </Stack>
  );
}
