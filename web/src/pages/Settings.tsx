// Settings: users and roles, API tokens, credential profiles (secrets write-only), notifications,
// server settings, backups of netkeep itself, inventory sources and the Git mirror. Tabs a role may
// not use are not shown.
import { Alert, Badge, Button, Code, Group, Modal, NumberInput, PasswordInput, Select, Stack, Switch, Table, Tabs, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, enc } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { Empty, ErrorState, Loading, errorText } from '../components/State.tsx';
import { ago, dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import { useTitle } from '../router.tsx';
import type { Paged, Profile, Token, User } from '../types.ts';
import { Sources } from '../components/Sources.tsx';
import { SystemBackups } from '../components/SystemBackups.tsx';

export default function SettingsPage() {
  useTitle('Settings');
  const { can } = useAuth();
  const admin = can('users:admin');
  const [tab, setTab] = useState<string | null>(admin ? 'users' : 'tokens');
  return (
    <Stack gap="md">
      <Title order={1}>Settings</Title>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          {admin && <Tabs.Tab value="users">Users</Tabs.Tab>}
          <Tabs.Tab value="tokens">Your account</Tabs.Tab>
          {can('credentials:read') && <Tabs.Tab value="profiles">Credential profiles</Tabs.Tab>}
          {can('settings:admin') && <Tabs.Tab value="notifications">Notifications</Tabs.Tab>}
          {can('settings:admin') && <Tabs.Tab value="server">Server</Tabs.Tab>}
          {can('settings:admin') && <Tabs.Tab value="system-backup">System backup</Tabs.Tab>}
          {can('inventory:read') && <Tabs.Tab value="sources">Inventory sources</Tabs.Tab>}
          <Tabs.Tab value="mirror">Git mirror</Tabs.Tab>
        </Tabs.List>
        {admin && (
          <Tabs.Panel value="users" pt="md">
            <Users />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="tokens" pt="md">
          <Stack gap="xl">
            <Tokens />
            <PasswordForm />
          </Stack>
        </Tabs.Panel>
        {can('credentials:read') && (
          <Tabs.Panel value="profiles" pt="md">
            <Profiles canWrite={can('credentials:write')} />
          </Tabs.Panel>
        )}
        {can('settings:admin') && (
          <Tabs.Panel value="notifications" pt="md">
            <Notifications />
          </Tabs.Panel>
        )}
        {can('settings:admin') && (
          <Tabs.Panel value="server" pt="md">
            <ServerSettings />
          </Tabs.Panel>
        )}
        {can('settings:admin') && (
          <Tabs.Panel value="system-backup" pt="md">
            <SystemBackups />
          </Tabs.Panel>
        )}
        {can('inventory:read') && (
          <Tabs.Panel value="sources" pt="md">
            <Sources canWrite={can('inventory:import')} />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="mirror" pt="md">
          <Mirror />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Notice({ n, onClose }: { n: { color: string; text: string } | null; onClose: () => void }) {
  if (!n) return null;
  return (
    <Alert color={n.color} withCloseButton onClose={onClose} role={n.color === 'red' ? 'alert' : 'status'}>
      {n.text}
    </Alert>
  );
}

// ---------- users

function Users() {
  const { user: me } = useAuth();
  const users = useApi<Paged<User>>('/users?limit=1000');
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);
  const act = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
      setNotice({ color: 'green', text: what });
      users.reload();
    } catch (err) {
      setNotice({ color: 'red', text: errorText(err) });
    }
  };
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          admin: everything · operator: devices, backups, restores · viewer: read only
        </Text>
        <Button onClick={() => setAdding(true)}>Add user</Button>
      </Group>
      <Notice n={notice} onClose={() => setNotice(null)} />
      {users.error && <ErrorState error={users.error} title="Could not load the users" retry={users.reload} />}
      {!users.data && users.loading && <Loading rows={3} label="Loading users…" />}
      {users.data && (
        <Table striped aria-label="Users" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>User</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Last login</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.data.items.map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>
                  {u.username}
                  {u.id === me?.id && (
                    <Text span size="xs" c="dimmed" ml={6}>
                      (you)
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Select
                    aria-label={`Role of ${u.username}`}
                    data={['admin', 'operator', 'viewer']}
                    value={u.role}
                    onChange={(v) => v && v !== u.role && void act(`${u.username} is now ${v}.`, () => api.patch(`/users/${enc(u.id)}`, { role: v }))}
                    allowDeselect={false}
                    disabled={u.id === me?.id}
                    w={130}
                    size="xs"
                  />
                </Table.Td>
                <Table.Td>{u.disabled ? <Badge color="gray">disabled</Badge> : <Badge color="green" variant="light">active</Badge>}</Table.Td>
                <Table.Td title={dateTime(u.last_login_at)}>{ago(u.last_login_at)}</Table.Td>
                <Table.Td>
                  {u.id === me?.id ? (
                    <Text size="xs" c="dimmed">
                      your password: the Your account tab
                    </Text>
                  ) : (
                  <Group gap={4}>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      onClick={() => void act(`${u.username} ${u.disabled ? 'enabled' : 'disabled'}.`, () => api.patch(`/users/${enc(u.id)}`, { disabled: !u.disabled }))}
                      aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}
                    >
                      {u.disabled ? 'Enable' : 'Disable'}
                    </Button>
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => void act(`${u.username} deleted.`, () => api.del(`/users/${enc(u.id)}`))} aria-label={`Delete ${u.username}`}>
                      Delete
                    </Button>
                  </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {adding && (
        <UserForm
          onClose={() => setAdding(false)}
          onSaved={(u) => {
            setAdding(false);
            setNotice({ color: 'green', text: `User ${u.username} (${u.role}) created.` });
            users.reload();
          }}
        />
      )}
    </Stack>
  );
}

function UserForm({ onClose, onSaved }: { onClose: () => void; onSaved: (u: User) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<string | null>('viewer');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      onSaved(await api.post<User>('/users', { username: username.trim(), password, role }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Add a user">
      <form onSubmit={submit}>
        <Stack gap="sm">
          {error !== null && (
            <Alert color="red" role="alert">
              {errorText(error)}
            </Alert>
          )}
          <TextInput label="Username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} data-autofocus autoComplete="off" />
          <PasswordInput label="Password" description="at least 10 characters, not a common one" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" />
          <Select label="Role" data={['viewer', 'operator', 'admin']} value={role} onChange={setRole} allowDeselect={false} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Add user</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

// ---------- your account: password and API tokens

function PasswordForm() {
  const { logout } = useAuth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.put('/auth/password', { current_password: current, new_password: next });
      await logout(); // the change ends every session: log in again with the new password
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit}>
      <Stack gap="sm" maw={420}>
        <Title order={2} size="h4">
          Change your password
        </Title>
        {error !== null && (
          <Alert color="red" role="alert">
            {errorText(error)}
          </Alert>
        )}
        <PasswordInput label="Current password" required value={current} onChange={(e) => setCurrent(e.currentTarget.value)} autoComplete="current-password" />
        <PasswordInput label="New password" description="at least 10 characters; every session ends, log in again" required value={next} onChange={(e) => setNext(e.currentTarget.value)} autoComplete="new-password" />
        <Group>
          <Button type="submit" variant="default">
            Change password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Tokens() {
  const tokens = useApi<{ items: Token[] }>('/tokens');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const t = await api.post<{ token: string }>('/tokens', { name: name.trim() });
      setCreated(t.token);
      setName('');
      tokens.reload();
    } catch (err) {
      setNotice({ color: 'red', text: errorText(err) });
    }
  };
  const revoke = async (t: Token) => {
    try {
      await api.del(`/tokens/${t.id}`);
      setNotice({ color: 'green', text: `Token ${t.name} revoked.` });
      tokens.reload();
    } catch (err) {
      setNotice({ color: 'red', text: errorText(err) });
    }
  };
  const live = (tokens.data?.items ?? []).filter((t) => !t.revoked_at);
  return (
    <Stack gap="sm">
      <form onSubmit={create}>
        <Group align="flex-end" gap="sm">
          <TextInput label="New token name" description="what will use it, e.g. ci-pipeline" value={name} onChange={(e) => setName(e.currentTarget.value)} required w={300} />
          <Button type="submit">Create token</Button>
        </Group>
      </form>
      {created && (
        <Alert color="green" title="Copy the token now: it is shown only once" withCloseButton onClose={() => setCreated(null)} role="status">
          <Code block>{created}</Code>
          <Text size="xs" mt={4}>
            Send it as <Code>Authorization: Bearer …</Code>.
          </Text>
        </Alert>
      )}
      <Notice n={notice} onClose={() => setNotice(null)} />
      {tokens.error && <ErrorState error={tokens.error} title="Could not load your tokens" retry={tokens.reload} />}
      {!tokens.data && tokens.loading && <Loading rows={2} label="Loading tokens…" />}
      {tokens.data && live.length === 0 && <Empty title="No API tokens">Scripts and CI use a token instead of a password.</Empty>}
      {live.length > 0 && (
        <Table striped aria-label="Your API tokens" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Prefix</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {live.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>{t.name}</Table.Td>
                <Table.Td ff="monospace">{t.prefix}</Table.Td>
                <Table.Td>{ago(t.created_at)}</Table.Td>
                <Table.Td>{ago(t.last_used_at)}</Table.Td>
                <Table.Td>{t.expires_at ? dateTime(t.expires_at) : 'never'}</Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => void revoke(t)} aria-label={`Revoke token ${t.name}`}>
                    Revoke
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

// ---------- credential profiles

function Profiles({ canWrite }: { canWrite: boolean }) {
  const profiles = useApi<Paged<Profile>>('/credential-profiles?limit=1000');
  const [editing, setEditing] = useState<Profile | 'new' | null>(null);
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);
  const remove = async (p: Profile) => {
    try {
      await api.del(`/credential-profiles/${p.id}`);
      setNotice({ color: 'green', text: `Profile ${p.name} deleted.` });
      profiles.reload();
    } catch (err) {
      setNotice({ color: 'red', text: errorText(err) });
    }
  };
  const flags = (p: Profile) => [p.has_password && 'password', p.has_enable_password && 'enable', p.has_private_key && 'SSH key', p.has_passphrase && 'passphrase'].filter(Boolean).join(', ') || 'none';
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Secrets are encrypted with the master key and never shown again; leave a secret empty to keep it.
        </Text>
        {canWrite && <Button onClick={() => setEditing('new')}>Add profile</Button>}
      </Group>
      <Notice n={notice} onClose={() => setNotice(null)} />
      {profiles.error && <ErrorState error={profiles.error} title="Could not load the credential profiles" retry={profiles.reload} />}
      {!profiles.data && profiles.loading && <Loading rows={3} label="Loading profiles…" />}
      {profiles.data && profiles.data.items.length === 0 && <Empty title="No credential profiles">A profile holds the login netkeep uses for a set of devices.</Empty>}
      {profiles.data && profiles.data.items.length > 0 && (
        <Table striped aria-label="Credential profiles" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Username</Table.Th>
              <Table.Th>Secrets stored</Table.Th>
              <Table.Th ta="right">Devices</Table.Th>
              {canWrite && <Table.Th>Actions</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {profiles.data.items.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>{p.name}</Table.Td>
                <Table.Td>{p.username ?? '—'}</Table.Td>
                <Table.Td>{flags(p)}</Table.Td>
                <Table.Td ta="right">{p.device_count}</Table.Td>
                {canWrite && (
                  <Table.Td>
                    <Group gap={4}>
                      <Button size="compact-xs" variant="subtle" onClick={() => setEditing(p)} aria-label={`Edit profile ${p.name}`}>
                        Edit
                      </Button>
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => void remove(p)} aria-label={`Delete profile ${p.name}`}>
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
      {editing && (
        <ProfileForm
          profile={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(p) => {
            setEditing(null);
            setNotice({ color: 'green', text: `Profile ${p.name} saved.` });
            profiles.reload();
          }}
        />
      )}
    </Stack>
  );
}

function ProfileForm({ profile, onClose, onSaved }: { profile?: Profile; onClose: () => void; onSaved: (p: Profile) => void }) {
  const [name, setName] = useState(profile?.name ?? '');
  const [username, setUsername] = useState(profile?.username ?? '');
  const [password, setPassword] = useState('');
  const [enable, setEnable] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // write-only secrets: send only what was typed (absent keeps the stored one)
    const body: Record<string, unknown> = { name: name.trim(), username: username.trim() || null };
    if (password) body.password = password;
    if (enable) body.enable_password = enable;
    if (key) body.private_key = key;
    try {
      onSaved(profile ? await api.patch<Profile>(`/credential-profiles/${profile.id}`, body) : await api.post<Profile>('/credential-profiles', body));
    } catch (err) {
      setError(err);
    }
  };
  const keep = (has: boolean | undefined) => (has ? 'stored — leave empty to keep it' : undefined);
  return (
    <Modal opened onClose={onClose} title={profile ? `Edit profile ${profile.name}` : 'Add a credential profile'} size="lg">
      <form onSubmit={submit} autoComplete="off">
        <Stack gap="sm">
          {error !== null && (
            <Alert color="red" role="alert">
              {errorText(error)}
            </Alert>
          )}
          <Group grow>
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
            <TextInput label="Username" value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
          </Group>
          <Group grow>
            <PasswordInput label="Password" description={keep(profile?.has_password)} value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" />
            <PasswordInput label="Enable password" description={keep(profile?.has_enable_password)} value={enable} onChange={(e) => setEnable(e.currentTarget.value)} autoComplete="new-password" />
          </Group>
          <Textarea label="SSH private key" description={keep(profile?.has_private_key) ?? 'OpenSSH or PEM'} value={key} onChange={(e) => setKey(e.currentTarget.value)} autosize minRows={2} maxRows={6} styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Save</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

// ---------- notifications

interface Channel {
  id: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  secrets_set: string[];
  events: string[];
  enabled: boolean;
}

function Notifications() {
  const channels = useApi<{ items: Channel[] } | Paged<Channel>>('/notifications/channels');
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);
  const [adding, setAdding] = useState(false);
  const [log, setLog] = useState<Channel | null>(null);
  const act = async (ok: string, f: () => Promise<unknown>) => {
    try {
      const r = (await f()) as { ok?: boolean; error?: string } | undefined;
      if (r && r.ok === false) setNotice({ color: 'red', text: `Test failed: ${r.error ?? 'no detail'}` });
      else setNotice({ color: 'green', text: ok });
      channels.reload();
    } catch (err) {
      setNotice({ color: 'red', text: errorText(err) });
    }
  };
  const items = channels.data?.items ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Where netkeep says that a backup failed, recovered or a configuration changed.
        </Text>
        <Button onClick={() => setAdding(true)}>Add channel</Button>
      </Group>
      <Notice n={notice} onClose={() => setNotice(null)} />
      {channels.error && <ErrorState error={channels.error} title="Could not load the notification channels" retry={channels.reload} />}
      {!channels.data && channels.loading && <Loading rows={2} label="Loading channels…" />}
      {channels.data && items.length === 0 && <Empty title="No notification channels">Add a webhook, Slack, Teams, e-mail or syslog channel.</Empty>}
      {items.length > 0 && (
        <Table striped aria-label="Notification channels" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Kind</Table.Th>
              <Table.Th>Events</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{c.name}</Table.Td>
                <Table.Td>{c.kind}</Table.Td>
                <Table.Td>{c.events.join(', ') || 'all'}</Table.Td>
                <Table.Td>{c.enabled ? <Badge color="green" variant="light">on</Badge> : <Badge color="gray">off</Badge>}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <Button size="compact-xs" variant="subtle" onClick={() => void act(`Test sent to ${c.name}.`, () => api.post(`/notifications/channels/${c.id}/test`))} aria-label={`Send a test to ${c.name}`}>
                      Test
                    </Button>
                    <Button size="compact-xs" variant="subtle" onClick={() => void act(`${c.name} switched ${c.enabled ? 'off' : 'on'}.`, () => api.patch(`/notifications/channels/${c.id}`, { enabled: !c.enabled }))}>
                      {c.enabled ? 'Switch off' : 'Switch on'}
                    </Button>
                    <Button size="compact-xs" variant="subtle" onClick={() => setLog(c)} aria-label={`Deliveries of ${c.name}`}>
                      Deliveries
                    </Button>
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => void act(`${c.name} deleted.`, () => api.del(`/notifications/channels/${c.id}`))} aria-label={`Delete ${c.name}`}>
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {log && <Deliveries channel={log} onClose={() => setLog(null)} />}
      {adding && (
        <ChannelForm
          onClose={() => setAdding(false)}
          onSaved={(c) => {
            setAdding(false);
            setNotice({ color: 'green', text: `Channel ${c.name} added; send it a test.` });
            channels.reload();
          }}
        />
      )}
    </Stack>
  );
}

function ChannelForm({ onClose, onSaved }: { onClose: () => void; onSaved: (c: Channel) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string | null>('webhook');
  const [url, setUrl] = useState('');
  // e-mail (SMTP) and syslog settings (docs/notifications.md)
  const [host, setHost] = useState('');
  const [port, setPort] = useState<number | string>('');
  const [tls, setTls] = useState<string | null>('starttls');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [transport, setTransport] = useState<string | null>('udp');
  const [facility, setFacility] = useState<number | string>(16);
  const [error, setError] = useState<unknown>(null);
  const config = (): Record<string, unknown> => {
    const p = typeof port === 'number' ? { port } : {};
    if (kind === 'email') {
      return {
        host: host.trim(),
        ...p,
        tls,
        ...(username.trim() ? { username: username.trim() } : {}),
        ...(password ? { password } : {}),
        from: from.trim(),
        to: to.split(/[,;\s]+/).filter(Boolean),
      };
    }
    if (kind === 'syslog') return { host: host.trim(), ...p, transport, ...(typeof facility === 'number' ? { facility } : {}) };
    return { url: url.trim() };
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      onSaved(await api.post<Channel>('/notifications/channels', { name: name.trim(), kind, config: config() }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Add a notification channel" size="lg">
      <form onSubmit={submit}>
        <Stack gap="sm">
          {error !== null && (
            <Alert color="red" role="alert">
              {errorText(error)}
            </Alert>
          )}
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
          <Select
            label="Kind"
            data={[
              { value: 'webhook', label: 'Webhook (JSON POST)' },
              { value: 'slack', label: 'Slack' },
              { value: 'teams', label: 'Microsoft Teams' },
              { value: 'email', label: 'E-mail (SMTP)' },
              { value: 'syslog', label: 'Syslog (RFC 5424)' },
            ]}
            value={kind}
            onChange={setKind}
            allowDeselect={false}
          />
          {(kind === 'webhook' || kind === 'slack' || kind === 'teams') && (
            <TextInput label="URL" description="the webhook URL (stored encrypted, never shown again)" required value={url} onChange={(e) => setUrl(e.currentTarget.value)} type="url" />
          )}
          {(kind === 'email' || kind === 'syslog') && (
            <Group grow align="flex-start">
              <TextInput label={kind === 'email' ? 'SMTP server' : 'Syslog server'} required value={host} onChange={(e) => setHost(e.currentTarget.value)} placeholder={kind === 'email' ? 'smtp.example.net' : 'syslog.example.net'} />
              <NumberInput label="Port" value={port} onChange={setPort} min={1} max={65535} placeholder={kind === 'email' ? '587' : '514'} />
            </Group>
          )}
          {kind === 'email' && (
            <>
              <Select
                label="TLS"
                data={[
                  { value: 'starttls', label: 'STARTTLS (required upgrade; port 587)' },
                  { value: 'implicit', label: 'Implicit TLS (port 465)' },
                  { value: 'none', label: 'None (a local relay only)' },
                ]}
                value={tls}
                onChange={setTls}
                allowDeselect={false}
              />
              <Group grow align="flex-start">
                <TextInput label="Username" value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoComplete="off" />
                <PasswordInput label="Password" description="stored encrypted, never shown again" value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" />
              </Group>
              <TextInput label="From" required value={from} onChange={(e) => setFrom(e.currentTarget.value)} placeholder="netkeep@example.net" />
              <TextInput label="To" description="one or more addresses, separated by commas" required value={to} onChange={(e) => setTo(e.currentTarget.value)} placeholder="noc@example.net" />
            </>
          )}
          {kind === 'syslog' && (
            <Group grow align="flex-start">
              <Select label="Transport" data={['udp', 'tcp']} value={transport} onChange={setTransport} allowDeselect={false} />
              <NumberInput label="Facility" description="0–23; 16 = local0" value={facility} onChange={setFacility} min={0} max={23} />
            </Group>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Add channel</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

interface Delivery {
  id: string;
  event: string;
  dedup_key: string;
  device_id: string | null;
  status: string;
  attempts: number;
  events_count: number;
  error: string | null;
  created_at: string;
}

function Deliveries({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const d = useApi<{ items: Delivery[] }>(`/notifications/channels/${enc(channel.id)}/deliveries?limit=100`);
  return (
    <Modal opened onClose={onClose} title={`Deliveries of ${channel.name}`} size="xl">
      {d.error && <ErrorState error={d.error} title="Could not load the deliveries" retry={d.reload} />}
      {!d.data && d.loading && <Loading rows={3} label="Loading the deliveries…" />}
      {d.data && d.data.items.length === 0 && <Empty title="Nothing sent yet">Send a test, or wait for a backup to fail, recover or change.</Empty>}
      {d.data && d.data.items.length > 0 && (
        <Table aria-label={`Deliveries of ${channel.name}, newest first`} verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>Attempts</Table.Th>
              <Table.Th>Error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {d.data.items.map((x) => (
              <Table.Tr key={x.id}>
                <Table.Td>{dateTime(x.created_at)}</Table.Td>
                <Table.Td>
                  {x.event}
                  {x.events_count > 1 ? ` (×${x.events_count})` : ''}
                </Table.Td>
                <Table.Td>
                  <Badge color={x.status === 'sent' ? 'green' : x.status === 'failed' ? 'red' : 'gray'} variant="light">
                    {x.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{x.attempts}</Table.Td>
                <Table.Td>
                  <Text size="xs">{x.error ?? ''}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Modal>
  );
}

// ---------- server settings

function ServerSettings() {
  const s = useApi<{ viewer_can_download: boolean; session_ttl_hours: number }>('/settings');
  const [ttl, setTtl] = useState<number | string | null>(null);
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);
  const save = async (body: Record<string, unknown>) => {
    try {
      await api.put('/settings', body);
      setNotice({ color: 'green', text: 'Saved.' });
      s.reload();
    } catch (err) {
      setNotice({ color: 'red', text: errorText(err) });
    }
  };
  if (s.error) return <ErrorState error={s.error} title="Could not load the settings" retry={s.reload} />;
  if (!s.data) return <Loading label="Loading settings…" />;
  return (
    <Stack gap="md" maw={520}>
      <Notice n={notice} onClose={() => setNotice(null)} />
      <Switch
        label="Viewers may download stored configurations"
        description="configurations may hold secrets (hashed passwords, SNMP communities)"
        checked={s.data.viewer_can_download}
        onChange={(e) => void save({ viewer_can_download: e.currentTarget.checked })}
      />
      <Group align="flex-end">
        <NumberInput label="Browser session lifetime (hours)" min={1} max={720} value={ttl ?? s.data.session_ttl_hours} onChange={setTtl} w={260} />
        <Button variant="default" onClick={() => void save({ session_ttl_hours: Number(ttl ?? s.data!.session_ttl_hours) })}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}

function Mirror() {
  return (
    <Stack gap="xs" maw={720}>
      <Text size="sm">
        netkeep can mirror every stored configuration into a Git repository (one commit per change), and push it to a remote. It is set where netkeep runs, with environment variables, because the mirror holds configurations in plain text:
      </Text>
      <Table aria-label="Git mirror settings" fz="sm">
        <Table.Tbody>
          <Table.Tr>
            <Table.Td ff="monospace">NETKEEP_GIT_MIRROR=1</Table.Td>
            <Table.Td>mirror every backup configuration (each may opt out with options.git_mirror=false); a directory path puts the repository there</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td ff="monospace">NETKEEP_GIT_MIRROR=selected</Table.Td>
            <Table.Td>mirror only configurations with options.git_mirror=true</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td ff="monospace">NETKEEP_GIT_REMOTE</Table.Td>
            <Table.Td>push to this remote (with NETKEEP_GIT_SSH_KEY or NETKEEP_GIT_TOKEN)</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Text size="sm" c="dimmed">
        netkeep serve prints at start whether the mirror is on. See docs/operations.md.
      </Text>
    </Stack>
  );
}
