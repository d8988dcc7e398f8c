// Config search: text or a regular expression over the latest config of every device (or every
// stored version), results grouped per device with line numbers, context and the match highlighted.
import { Alert, Badge, Button, Card, Checkbox, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, qs } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { Empty, ErrorState, Loading } from '../components/State.tsx';
import classes from '../components/code.module.css';
import { dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Link, useTitle } from '../router.tsx';
import type { Group as DeviceGroup, Paged, SearchResult } from '../types.ts';

interface Query {
  q: string;
  regex: boolean;
  case_sensitive: boolean;
  all_versions: boolean;
  group_id: string | null;
}

/** Split a line into matched / not matched pieces, the way the server matched it. */
function highlight(line: string, q: Query): ReactNode[] {
  let re: RegExp;
  try {
    const src = q.regex ? q.q : q.q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(src, q.case_sensitive ? 'gm' : 'gim');
  } catch {
    return [line]; // a pattern JavaScript cannot compile but the server's linear engine ran: no highlight
  }
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of line.matchAll(re)) {
    if (m[0].length === 0) continue;
    if (m.index > last) out.push(line.slice(last, m.index));
    out.push(<mark key={m.index}>{m[0]}</mark>);
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push(line.slice(last));
  return out.length ? out : [line];
}

export default function SearchPage() {
  useTitle('Search');
  const { can, user } = useAuth();
  const [form, setForm] = useState<Query>({ q: '', regex: false, case_sensitive: false, all_versions: false, group_id: null });
  const [sent, setSent] = useState<Query | null>(null);
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const groups = useApi<Paged<DeviceGroup>>('/groups?limit=1000');
  const groupOptions = useMemo(() => (groups.data?.items ?? []).map((g) => ({ value: g.name, label: g.name })), [groups.data]);

  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!form.q.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.get<SearchResult>(`/search${qs({ q: form.q, regex: form.regex, case_sensitive: form.case_sensitive, all_versions: form.all_versions, group_id: form.group_id ?? undefined })}`);
      setResult(r);
      setSent({ ...form });
    } catch (err) {
      setResult(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!can('backups:download')) {
    return (
      <Stack>
        <Title order={1}>Search</Title>
        <Empty title="Searching configurations needs the download right">Ask an administrator.</Empty>
      </Stack>
    );
  }
  const badPattern = error instanceof ApiError && (error.code === 'invalid_regex' || error.code === 'unsafe_regex' || error.status === 400);
  const refused = error instanceof ApiError && error.status === 403;
  return (
    <Stack>
      <Title order={1}>Search</Title>
      <form onSubmit={run} role="search" aria-label="Search the configurations">
        <Stack gap="sm">
          <Group align="flex-start" gap="sm">
            <TextInput
              label="Text or pattern"
              placeholder={form.regex ? '^snmp-server community \\S+ RW' : 'ntp server 192.0.2.1'}
              value={form.q}
              onChange={(e) => setForm({ ...form, q: e.currentTarget.value })}
              error={badPattern ? (error as ApiError).message : undefined}
              w={520}
              styles={{ input: { fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace' } }}
              required
              data-autofocus
            />
            <Select label="Group" placeholder="all groups" data={groupOptions} value={form.group_id} onChange={(v) => setForm({ ...form, group_id: v })} clearable searchable w={200} />
            <Button type="submit" mt={25} loading={busy} disabled={!form.q.trim()}>
              Search
            </Button>
          </Group>
          <Group gap="lg">
            <Checkbox label="Regular expression" checked={form.regex} onChange={(e) => setForm({ ...form, regex: e.currentTarget.checked })} />
            <Checkbox label="Match case" checked={form.case_sensitive} onChange={(e) => setForm({ ...form, case_sensitive: e.currentTarget.checked })} />
            <Checkbox label="All stored versions (slower)" checked={form.all_versions} onChange={(e) => setForm({ ...form, all_versions: e.currentTarget.checked })} />
          </Group>
        </Stack>
      </form>
      {refused && (
        <Alert color="yellow" title="Searching is not allowed for your account" role="alert">
          {(error as ApiError).message}
          {user?.role === 'viewer' && ' Viewers may search only when an administrator allows viewers to download configurations (Settings → Server).'}
        </Alert>
      )}
      {error !== null && !badPattern && !refused && <ErrorState error={error} title="The search failed" retry={() => void run()} />}
      {busy && !result && <Loading label="Searching…" />}
      {!result && !busy && error === null && <Empty title="Search every device's configuration">Type a line or part of one (or a regular expression) and press Enter.</Empty>}
      {result && sent && <Results r={result} q={sent} />}
    </Stack>
  );
}

function Results({ r, q }: { r: SearchResult; q: Query }) {
  return (
    <Stack gap="sm" aria-label="Search results" role="region">
      <Text size="sm" aria-live="polite" data-testid="search-summary">
        {r.devices_matched} of {r.devices_searched} device{r.devices_searched === 1 ? '' : 's'} match{r.all_versions ? ` (${r.versions_searched} versions searched)` : ''} · {Math.round(r.elapsed_ms)} ms
      </Text>
      {r.truncated && (
        <Alert color="yellow" title="Not every match is listed" role="status">
          More devices or lines match than are shown (or the search hit its time limit). Narrow the pattern or pick a group.
        </Alert>
      )}
      {r.warnings.map((w) => (
        <Alert key={w} color="yellow" role="status">
          {w}
        </Alert>
      ))}
      {r.results.length === 0 && <Empty title="No configuration matches">Check the spelling, switch off “Match case”, or search all stored versions.</Empty>}
      {r.results.map((res) => (
        <Card key={res.history_id} withBorder padding="sm" component="section" aria-label={`Matches in ${res.device_name}`}>
          <Group justify="space-between" mb={6}>
            <Group gap="xs">
              <Link to={`/devices/${res.device_id}`} className="plain">
                <Text fw={600}>{res.device_name}</Text>
              </Link>
              <Badge variant="light">
                {res.matches.length}
                {res.more_matches ? '+' : ''} line{res.matches.length === 1 ? '' : 's'}
              </Badge>
            </Group>
            <Text size="xs" c="dimmed">
              version of {dateTime(res.created_at)}
            </Text>
          </Group>
          <div className={classes.wrap}>
            <table className={classes.table} aria-label={`Matching lines of ${res.device_name}`}>
              <tbody>
                {res.matches.map((m, i) => {
                  // context lines of neighbouring matches overlap: show each line once, in order
                  const prev = res.matches[i - 1];
                  const next = res.matches[i + 1];
                  const prevEnd = prev ? Math.min(prev.line_no + prev.after.length, m.line_no - 1) : 0;
                  const first = Math.max(m.line_no - m.before.length, prevEnd + 1);
                  const before = m.before.slice(m.before.length - (m.line_no - first));
                  const after = m.after.slice(0, next ? Math.max(0, Math.min(m.after.length, next.line_no - m.line_no - 1)) : m.after.length);
                  return [
                    prev && first > prevEnd + 1 && (
                      <tr key={`g${m.line_no}`} className={classes.hunk}>
                        <td className={classes.lno}>⋯</td>
                        <td />
                      </tr>
                    ),
                    ...before.map((l, j) => <Line key={`b${m.line_no}-${j}`} no={first + j} text={l} />),
                    <Line key={`m${m.line_no}`} no={m.line_no} text={highlight(m.line, q)} hit />,
                    ...after.map((l, j) => <Line key={`a${m.line_no}-${j}`} no={m.line_no + 1 + j} text={l} />),
                  ];
                })}
                {res.more_matches && (
                  <tr className={classes.hunk}>
                    <td className={classes.lno}>⋯</td>
                    <td>more matching lines are not listed</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </Card>
      ))}
    </Stack>
  );
}

function Line({ no, text, hit }: { no: number; text: ReactNode; hit?: boolean }) {
  return (
    <tr className={hit ? classes.hit : undefined} data-line={no}>
      <td className={classes.lno}>{no}</td>
      <td>{text}</td>
    </tr>
  );
}
