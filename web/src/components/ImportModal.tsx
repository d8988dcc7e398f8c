// Import devices from CSV or an Oxidized router.db: a dry run first shows every line's problem
// (nothing is saved until the preview is clean and the user imports).
import { Alert, Box, Button, FileInput, Group, Modal, SegmentedControl, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { ApiError, api } from '../api.ts';
import { errorText } from './State.tsx';

interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  profiles_created: number;
  groups_created: number;
  dry_run: boolean;
}
interface LineProblem {
  line: number;
  message: string;
}

const CSV_FIELDS = ['name', 'address', 'port', 'driver', 'group', 'username', 'password', 'enable_password', 'site', 'tags', 'protocol'];
const ROUTERDB_MAP: Record<string, string> = { name: 'name', ip: 'address', model: 'driver', group: 'group', username: 'username', password: 'password', enable: 'enable_password' };

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** router.db → CSV (one CSV line per router.db line kept), with the router.db line number of each CSV line. */
export function routerDbToCsv(text: string, fields: string[], delimiter: string): { csv: string; lineOf: number[]; problems: LineProblem[] } {
  const cols = fields.map((f) => ROUTERDB_MAP[f] ?? '');
  const out: string[] = [];
  const lineOf: number[] = [0]; // CSV line 1 is the header
  const problems: LineProblem[] = [];
  const header = [...new Set(cols.filter(Boolean).concat(cols.includes('address') ? [] : []))];
  if (!header.includes('address')) header.push('address');
  out.push(header.join(','));
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(delimiter);
    if (parts.length < fields.length - 2 || !parts[0]) {
      problems.push({ line: i + 1, message: `expected ${fields.join(delimiter)}, got ${parts.length} field(s)` });
      return;
    }
    const row: Record<string, string> = {};
    cols.forEach((c, k) => {
      if (c && parts[k] !== undefined) row[c] = parts[k]!.trim();
    });
    if (!row.address) row.address = row.name ?? '';
    out.push(header.map((h) => csvCell(row[h] ?? '')).join(','));
    lineOf.push(i + 1);
  });
  return { csv: `${out.join('\n')}\n`, lineOf, problems };
}

export function ImportModal({ onClose, onImported }: { onClose: () => void; onImported: (summary: string) => void }) {
  const [format, setFormat] = useState<'csv' | 'routerdb'>('csv');
  const [text, setText] = useState('');
  const [fields, setFields] = useState('name:ip:model:group');
  const [preview, setPreview] = useState<{ result?: ImportResult; problems: LineProblem[]; error?: unknown } | null>(null);
  const [busy, setBusy] = useState(false);

  const build = () => {
    if (format === 'csv') return { csv: text, lineOf: null as number[] | null, problems: [] as LineProblem[] };
    const r = routerDbToCsv(text, fields.split(':').map((f) => f.trim()), ':');
    return r;
  };

  const run = async (dryRun: boolean) => {
    setBusy(true);
    const b = build();
    try {
      if (b.problems.length) {
        setPreview({ problems: b.problems });
        return;
      }
      const r = await api.post<ImportResult>('/devices/import', { csv: b.csv, dry_run: dryRun });
      if (dryRun) setPreview({ result: r, problems: [] });
      else onImported(`Imported: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged; ${r.profiles_created} credential profile(s) and ${r.groups_created} group(s) created.`);
    } catch (err) {
      const lines = err instanceof ApiError && err.lines ? err.lines.map((l) => ({ line: b.lineOf ? (b.lineOf[l.line - 1] ?? l.line) : l.line, message: l.message })) : [];
      setPreview({ problems: lines, error: err });
    } finally {
      setBusy(false);
    }
  };

  const clean = preview && !preview.error && preview.problems.length === 0 && preview.result;
  return (
    <Modal opened onClose={onClose} title="Import devices" size="xl">
      <Stack gap="sm">
        <SegmentedControl
          value={format}
          onChange={(v) => {
            setFormat(v as 'csv' | 'routerdb');
            setPreview(null);
          }}
          data={[
            { value: 'csv', label: 'CSV' },
            { value: 'routerdb', label: 'Oxidized router.db' },
          ]}
          aria-label="File format"
        />
        {format === 'csv' ? (
          <Text size="sm" c="dimmed">
            Header line with any of: {CSV_FIELDS.join(', ')} (name, address and driver are required). Credentials become credential profiles; groups are created on demand.
          </Text>
        ) : (
          <TextInput
            label="Fields of each line"
            description="Oxidized's source map, ':'-separated: name, ip, model, group, username, password, enable"
            value={fields}
            onChange={(e) => {
              setFields(e.currentTarget.value);
              setPreview(null);
            }}
          />
        )}
        <FileInput
          label="File"
          placeholder="choose a file, or paste below"
          accept=".csv,.db,.txt,text/csv,text/plain"
          clearable
          w={360}
          onChange={(f) => {
            if (f) void f.text().then((t) => (setText(t), setPreview(null)));
          }}
        />
        <Textarea
          label={format === 'csv' ? 'CSV' : 'router.db'}
          autosize
          minRows={4}
          maxRows={8}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
            setPreview(null);
          }}
          styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
          placeholder={format === 'csv' ? 'name,address,driver,group,username,password\ncore1,192.0.2.1,ios,core,backup,secret' : 'core1:192.0.2.1:ios:core'}
        />
        {preview && preview.problems.length > 0 && (
          <Alert color="red" title={`${preview.problems.length} problem${preview.problems.length === 1 ? '' : 's'} on ${new Set(preview.problems.map((p) => p.line)).size} line(s) — nothing was saved`} role="alert">
            <Box mah={220} style={{ overflow: 'auto' }}>
            <Table aria-label="Problems per line" fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={70}>Line</Table.Th>
                  <Table.Th>Problem</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {preview.problems.map((p, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>{p.line}</Table.Td>
                    <Table.Td>{p.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            </Box>
          </Alert>
        )}
        {preview?.error !== undefined && preview.problems.length === 0 && (
          <Alert color="red" role="alert" title="Not imported">
            {errorText(preview.error)}
          </Alert>
        )}
        {clean && preview.result && (
          <Alert color="green" role="status" title="Preview: every line is valid">
            Importing will create {preview.result.created}, update {preview.result.updated} and leave {preview.result.unchanged} device(s) unchanged; {preview.result.profiles_created} credential profile(s) and{' '}
            {preview.result.groups_created} group(s) would be created.
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="light" onClick={() => void run(true)} loading={busy && !clean} disabled={!text.trim()}>
            Check (dry run)
          </Button>
          <Button onClick={() => void run(false)} disabled={!clean} loading={busy && !!clean}>
            Import
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
