// Add or edit a device: address, driver, protocol, group, credential profile, site, tags.
import { Alert, Button, Group, Modal, NumberInput, Select, Stack, Switch, TextInput } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { api, enc } from '../api.ts';
import { useApi } from '../hooks.ts';
import type { Device, Driver, Group as DeviceGroup, Paged, Profile } from '../types.ts';
import { errorText } from './State.tsx';
import { ApiError } from '../api.ts';

const PROTOCOLS = ['ssh', 'telnet', 'snmp', 'netconf', 'rest', 'sftp'];

export function DeviceForm({ device, onClose, onSaved }: { device?: Device; onClose: () => void; onSaved: (d: Device) => void }) {
  const drivers = useApi<{ items: Driver[] }>('/drivers');
  const groups = useApi<Paged<DeviceGroup>>('/groups?limit=1000');
  const profiles = useApi<Paged<Profile>>('/credential-profiles?limit=1000');
  const [name, setName] = useState(device?.name ?? '');
  const [address, setAddress] = useState(device?.address ?? '');
  const [port, setPort] = useState<number | string>(device?.port ?? '');
  const [driver, setDriver] = useState<string | null>(device?.driver ?? null);
  const [protocol, setProtocol] = useState<string | null>(device?.protocol ?? 'ssh');
  const [group, setGroup] = useState<string | null>(device?.group_id ?? null);
  const [profile, setProfile] = useState<string | null>(device?.credential_profile_id ?? null);
  const [site, setSite] = useState(device?.site ?? '');
  const [tags, setTags] = useState((device?.tags ?? []).join(', '));
  const [enabled, setEnabled] = useState(device?.enabled ?? true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const driverOptions = useMemo(
    () => (drivers.data?.items ?? []).map((d) => ({ value: d.id, label: `${d.id} — ${d.vendor} ${d.platform}` })),
    [drivers.data],
  );
  const fieldError = (f: string) => (error instanceof ApiError && error.code.includes(f) ? error.message : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      name: name.trim(),
      address: address.trim(),
      driver: driver ?? '',
      port: port === '' ? null : Number(port),
      protocol: protocol ?? 'ssh',
      group,
      credential_profile: profile,
      site: site.trim() || null,
      tags: tags.split(',').map((t) => t.trim()).filter(Boolean),
      enabled,
    };
    try {
      const d = device ? await api.patch<Device>(`/devices/${enc(device.id)}`, body) : await api.post<Device>('/devices', body);
      onSaved(d);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={device ? `Edit ${device.name}` : 'Add a device'} size="lg">
      <form onSubmit={submit}>
        <Stack gap="sm">
          {error !== null && (
            <Alert color="red" role="alert" title="Not saved">
              {errorText(error)}
            </Alert>
          )}
          <Group grow align="flex-start">
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError('name')} data-autofocus />
            <TextInput label="Address" description="IP address or host name" required value={address} onChange={(e) => setAddress(e.currentTarget.value)} error={fieldError('address')} />
          </Group>
          <Group grow align="flex-start">
            <Select
              label="Driver"
              required
              searchable
              data={driverOptions}
              value={driver}
              onChange={setDriver}
              placeholder={drivers.loading ? 'loading drivers…' : 'type to search (ios, junos…)'}
              error={fieldError('driver') ?? (drivers.error ? errorText(drivers.error) : undefined)}
              limit={100}
            />
            <Select label="Protocol" data={PROTOCOLS} value={protocol} onChange={setProtocol} allowDeselect={false} />
            <NumberInput label="Port" description="empty: the protocol's default" min={1} max={65535} value={port} onChange={setPort} error={fieldError('port')} />
          </Group>
          <Group grow align="flex-start">
            <Select
              label="Credential profile"
              description="the login netkeep uses"
              data={(profiles.data?.items ?? []).map((p) => ({ value: p.id, label: `${p.name}${p.username ? ` (${p.username})` : ''}` }))}
              value={profile}
              onChange={setProfile}
              clearable
              searchable
              placeholder={profiles.error ? 'cannot list profiles' : 'none'}
              error={fieldError('credential_profile')}
            />
            <Select
              label="Group"
              description="settings and reports per group"
              data={(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name }))}
              value={group}
              onChange={setGroup}
              clearable
              searchable
              placeholder="none"
            />
          </Group>
          <Group grow align="flex-start">
            <TextInput label="Site" value={site} onChange={(e) => setSite(e.currentTarget.value)} />
            <TextInput label="Tags" description="comma-separated" value={tags} onChange={(e) => setTags(e.currentTarget.value)} error={fieldError('tags')} />
          </Group>
          <Switch label="Enabled (backed up on schedule)" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {device ? 'Save' : 'Add device'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
