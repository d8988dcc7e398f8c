// Restore a stored version to its device: a dry run shows the diff against the live config and
// what would be pushed; a confirmation (typing the device name) then executes it.
import { Alert, Button, Code, Group, Modal, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { ApiError, api } from '../api.ts';
import { dateTime } from '../format.ts';
import type { Device, RestoreDryRun, RestoreResult, Version } from '../types.ts';
import { DiffView } from './DiffView.tsx';
import { Empty, ErrorState, errorText } from './State.tsx';

function versionLabel(v: Version): string {
  return `${dateTime(v.started_at)} · ${v.backup_type} · ${v.checksum.slice(0, 8)}`;
}

export function RestorePanel({ device, versions, id, onPick, onRestored }: { device: Device; versions: Version[]; id: string | null; onPick: (id: string) => void; onRestored: () => void }) {
  const [method, setMethod] = useState<'auto' | 'replace' | 'merge'>('auto');
  const [dry, setDry] = useState<RestoreDryRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [result, setResult] = useState<RestoreResult | null>(null);
  const [mode, setMode] = useState<'side' | 'inline'>('inline');

  if (versions.length === 0 || !id) return <Empty title="Nothing to restore yet">A restore pushes a stored version back to the device; back it up first.</Empty>;

  const reset = () => {
    setDry(null);
    setError(null);
    setResult(null);
  };
  const dryRun = async () => {
    setBusy(true);
    reset();
    try {
      setDry(await api.post<RestoreDryRun>(`/backups/history/${id}/restore`, { execute: false, method }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const execute = async () => {
    if (!dry) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<RestoreResult>(`/backups/history/${id}/restore`, { execute: true, confirm_token: dry.confirm_token, method: dry.method });
      setResult(r);
      setConfirming(false);
      setDry(null);
      onRestored();
    } catch (err) {
      setError(err);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  const notThere = error instanceof ApiError && (error.status === 501 || error.code === 'not_implemented');
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        A restore first shows what would change on the device (a dry run against its live configuration); nothing is pushed until you confirm.
      </Text>
      <Group align="flex-end" gap="sm">
        <Select
          label="Version to restore"
          data={versions.map((v) => ({ value: v.id, label: versionLabel(v) }))}
          value={id}
          onChange={(v) => {
            if (v) onPick(v);
            reset();
          }}
          w={460}
          allowDeselect={false}
        />
        <div>
          <Text size="sm" fw={500} mb={4} id="restore-method-label">
            Method
          </Text>
          <SegmentedControl
            aria-labelledby="restore-method-label"
            value={method}
            onChange={(v) => {
              setMethod(v as 'auto' | 'replace' | 'merge');
              reset();
            }}
            data={[
              { value: 'auto', label: 'Automatic' },
              { value: 'replace', label: 'Replace' },
              { value: 'merge', label: 'Merge' },
            ]}
          />
        </div>
        <Button onClick={() => void dryRun()} loading={busy && !dry}>
          Dry run
        </Button>
      </Group>
      {notThere && (
        <Alert color="yellow" title="Restore is not available on this server yet" role="alert">
          {errorText(error)}
        </Alert>
      )}
      {error !== null && !notThere && <ErrorState error={error} title="The restore did not go through" />}
      {result && (
        <Alert
          color={result.status === 'success' ? 'green' : 'red'}
          role="status"
          title={result.status === 'success' ? `Restored${result.verified ? ' and verified' : ''}` : result.status === 'rolled_back' ? 'Restore failed and was rolled back' : 'Restore failed'}
          data-testid="restore-result"
        >
          <Stack gap={4}>
            <Text size="sm">{result.message}</Text>
            {result.failed_line && (
              <Text size="sm">
                Failed at: <Code>{result.failed_line}</Code>
              </Text>
            )}
            {result.device_answer && (
              <Text size="sm">
                The device said: <Code>{result.device_answer}</Code>
              </Text>
            )}
          </Stack>
        </Alert>
      )}
      {dry && (
        <Stack gap="sm" data-testid="restore-dry-run">
          <div>
            <Title order={3} size="h5">
              Dry run — method: {dry.method}
            </Title>
            <Text size="sm" c="dimmed">
              {dry.method_description}
            </Text>
          </div>
          {dry.warnings.map((w, i) => (
            <Alert key={i} color="orange" role="alert">
              {w}
            </Alert>
          ))}
          {dry.identical ? (
            <Alert color="gray" role="status" title="Nothing to do">
              The live configuration of {dry.device_name} is already identical to this version.
            </Alert>
          ) : (
            <>
              <Group justify="space-between">
                <Text size="sm">Live configuration (−) → the version to restore (+):</Text>
                <SegmentedControl
                  size="xs"
                  value={mode}
                  onChange={(v) => setMode(v as 'side' | 'inline')}
                  data={[
                    { value: 'inline', label: 'Inline' },
                    { value: 'side', label: 'Side by side' },
                  ]}
                  aria-label="Diff layout"
                />
              </Group>
              <DiffView hunks={dry.diff.hunks} mode={mode} label="What the restore would change" />
              <Text size="sm" fw={500}>
                What netkeep would send ({dry.payload.kind}):
              </Text>
              <Code block style={{ maxHeight: 240, overflow: 'auto' }} aria-label="Restore payload">
                {dry.payload.text}
              </Code>
            </>
          )}
          <Group>
            <Text size="xs" c="dimmed">
              This preview expires {dateTime(dry.expires_at)}.
            </Text>
            {!dry.identical && (
              <Button color="orange" onClick={() => (setTyped(''), setConfirming(true))}>
                Restore to {dry.device_name}…
              </Button>
            )}
          </Group>
        </Stack>
      )}
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={`Restore ${device.name}?`}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (typed === device.name) void execute();
          }}
        >
          <Stack gap="sm">
            <Text size="sm">
              netkeep will push the chosen version to <b>{device.name}</b> ({dry?.method}), then read the configuration back to verify it. Type the device name to confirm.
            </Text>
            <TextInput label="Device name" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} autoComplete="off" data-autofocus />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button type="submit" color="orange" disabled={typed !== device.name} loading={busy}>
                Restore now
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
