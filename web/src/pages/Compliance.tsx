// Compliance: the rules (add, edit, delete, evaluate for operators and admins) and the report per
// device with the rules it fails.
import { Alert, Badge, Button, Card, Group, Modal, SegmentedControl, Select, Stack, Switch, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { api, enc, qs } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { Empty, ErrorState, Loading, errorText } from '../components/State.tsx';
import { ago, dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Link, useTitle } from '../router.tsx';
import type { ComplianceReport, ComplianceRule, EvaluateSummary, Group as DeviceGroup, Paged, RuleKind, RuleMatch } from '../types.ts';

const MATCH_HELP: Record<RuleMatch, string> = {
  line: 'one exact line (trailing whitespace ignored)',
  regex: 'a regular expression over the whole config (^ and $ match at line ends)',
  block: 'first line: a regex for the parent line; further lines: regexes for its indented child lines',
};

export default function CompliancePage() {
  useTitle('Compliance');
  const { can } = useAuth();
  const write = can('backups:write');
  const [groupFilter, setGroupFilter] = useState<string | null>(null);
  const [onlyFailing, setOnlyFailing] = useState(false);
  const rules = useApi<{ items: ComplianceRule[] }>('/compliance/rules');
  const report = useApi<ComplianceReport>(`/compliance/report${qs({ group_id: groupFilter ?? undefined, only_failing: onlyFailing })}`);
  const groups = useApi<Paged<DeviceGroup>>('/groups?limit=1000');
  const groupOptions = useMemo(() => (groups.data?.items ?? []).map((g) => ({ value: g.name, label: g.name })), [groups.data]);
  const [editing, setEditing] = useState<ComplianceRule | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ComplianceRule | null>(null);
  const [evaluating, setEvaluating] = useState(false);
  const [evaluated, setEvaluated] = useState<EvaluateSummary | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  const evaluate = async (ruleId?: string) => {
    setEvaluating(true);
    setActionError(null);
    try {
      setEvaluated(await api.post<EvaluateSummary>('/compliance/evaluate', ruleId ? { rule_id: ruleId } : {}));
      report.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setEvaluating(false);
    }
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Compliance</Title>
        {write && (
          <Group gap="sm">
            <Button variant="default" onClick={() => void evaluate()} loading={evaluating}>
              Evaluate now
            </Button>
            <Button onClick={() => setEditing('new')}>Add rule</Button>
          </Group>
        )}
      </Group>
      {actionError !== null && <ErrorState error={actionError} title="That did not work" />}
      {evaluated && (
        <Alert color={evaluated.non_compliant ? 'orange' : 'green'} role="status" withCloseButton onClose={() => setEvaluated(null)} closeButtonLabel="Dismiss">
          Evaluated {evaluated.rules} rule{evaluated.rules === 1 ? '' : 's'} on {evaluated.devices_evaluated} device{evaluated.devices_evaluated === 1 ? '' : 's'}: {evaluated.compliant} compliant,{' '}
          {evaluated.non_compliant} not compliant{evaluated.violations ? `, ${evaluated.violations} new violation${evaluated.violations === 1 ? '' : 's'}` : ''}
          {evaluated.without_config ? `; ${evaluated.without_config} without a stored config` : ''}.
        </Alert>
      )}

      <Card withBorder component="section" aria-labelledby="rules-title">
        <Title order={2} size="h4" id="rules-title" mb="sm">
          Rules
        </Title>
        {rules.error && <ErrorState error={rules.error} title="Could not load the rules" retry={rules.reload} />}
        {!rules.data && rules.loading && <Loading rows={3} label="Loading the rules…" />}
        {rules.data && rules.data.items.length === 0 && (
          <Empty title="No compliance rules yet">{write ? 'Add a rule: a line, a regular expression or a block every config must (or must not) contain.' : 'An operator or admin adds them.'}</Empty>
        )}
        {rules.data && rules.data.items.length > 0 && (
          <Table.ScrollContainer minWidth={900}>
            <Table aria-label="Compliance rules" verticalSpacing={6}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Applies to</Table.Th>
                  <Table.Th>Check</Table.Th>
                  <Table.Th>Pattern</Table.Th>
                  <Table.Th>State</Table.Th>
                  {write && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rules.data.items.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {r.name}
                      </Text>
                      {r.description && (
                        <Text size="xs" c="dimmed">
                          {r.description}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{r.group_name ?? 'every device'}</Table.Td>
                    <Table.Td>
                      {r.kind === 'must_contain' ? 'must contain' : 'must not contain'} ({r.match})
                    </Table.Td>
                    <Table.Td ff="monospace" fz="xs" style={{ whiteSpace: 'pre-wrap', maxWidth: 360 }}>
                      {r.pattern}
                    </Table.Td>
                    <Table.Td miw={100}>{r.enabled ? <Badge variant="light">enabled</Badge> : <Badge color="gray" variant="light">disabled</Badge>}</Table.Td>
                    {write && (
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <Button size="compact-xs" variant="subtle" onClick={() => setEditing(r)} aria-label={`Edit the rule ${r.name}`}>
                            Edit
                          </Button>
                          <Button size="compact-xs" variant="subtle" onClick={() => void evaluate(r.id)} aria-label={`Evaluate the rule ${r.name}`} disabled={evaluating || !r.enabled}>
                            Evaluate
                          </Button>
                          <Button size="compact-xs" variant="subtle" color="red" onClick={() => setDeleting(r)} aria-label={`Delete the rule ${r.name}`}>
                            Delete
                          </Button>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>

      <Card withBorder component="section" aria-labelledby="report-title">
        <Group justify="space-between" mb="sm" align="center">
          <Title order={2} size="h4" id="report-title">
            Report per device
          </Title>
          <Group gap="sm" align="center">
            <Select aria-label="Group" placeholder="all groups" data={groupOptions} value={groupFilter} onChange={setGroupFilter} clearable searchable w={200} size="xs" />
            <Switch label="Only devices that fail" checked={onlyFailing} onChange={(e) => setOnlyFailing(e.currentTarget.checked)} />
          </Group>
        </Group>
        {report.error && <ErrorState error={report.error} title="Could not load the compliance report" retry={report.reload} />}
        {!report.data && report.loading && <Loading rows={3} label="Loading the report…" />}
        {report.data && (
          <Stack gap="sm">
            <Group gap="sm" data-testid="compliance-summary">
              <Badge color="green" variant="light" size="lg">
                {report.data.summary.compliant} compliant
              </Badge>
              <Badge color="red" variant="light" size="lg">
                {report.data.summary.non_compliant} not compliant
              </Badge>
              <Badge color="gray" variant="light" size="lg">
                {report.data.summary.unknown} not evaluated
              </Badge>
            </Group>
            {report.data.devices.length === 0 ? (
              <Empty title={onlyFailing ? 'No device fails a rule' : 'No devices'}>{onlyFailing ? 'Every evaluated device is compliant.' : 'Add devices and back them up, then evaluate.'}</Empty>
            ) : (
              <Table aria-label="Compliance per device" verticalSpacing={6}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Device</Table.Th>
                    <Table.Th>State</Table.Th>
                    <Table.Th>Failing rules</Table.Th>
                    <Table.Th>Evaluated</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {report.data.devices.map((d) => (
                    <Table.Tr key={d.device_id}>
                      <Table.Td>
                        <Link to={`/devices/${d.device_id}`}>{d.device_name}</Link>
                      </Table.Td>
                      <Table.Td>
                        {d.compliant === null ? (
                          <Badge color="gray" variant="light">
                            not evaluated
                          </Badge>
                        ) : d.compliant ? (
                          <Badge color="green" variant="light">
                            compliant
                          </Badge>
                        ) : (
                          <Badge color="red" variant="light">
                            not compliant
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        {d.failing_rules.length === 0
                          ? '—'
                          : d.failing_rules.map((f) => (
                              <Text key={f.rule_id} size="sm">
                                <b>{f.name}</b>: {f.detail}{' '}
                                <Text span size="xs" c="dimmed">
                                  (since {ago(f.since)})
                                </Text>
                              </Text>
                            ))}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" title={dateTime(d.evaluated_at)}>
                          {d.evaluated_at ? ago(d.evaluated_at) : 'never'}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
        )}
      </Card>

      {editing && (
        <RuleForm
          rule={editing === 'new' ? null : editing}
          groupOptions={groupOptions}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            rules.reload();
            report.reload();
          }}
        />
      )}
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={`Delete the rule ${deleting?.name ?? ''}?`}>
        <Stack>
          <Text size="sm">Its results and their history go with it.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              onClick={async () => {
                const r = deleting!;
                setDeleting(null);
                try {
                  await api.del(`/compliance/rules/${enc(r.id)}`);
                  rules.reload();
                  report.reload();
                } catch (err) {
                  setActionError(err);
                }
              }}
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function RuleForm({ rule, groupOptions, onClose, onSaved }: { rule: ComplianceRule | null; groupOptions: { value: string; label: string }[]; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(rule?.name ?? '');
  const [group, setGroup] = useState<string | null>(rule?.group_name ?? null);
  const [kind, setKind] = useState<RuleKind>(rule?.kind ?? 'must_contain');
  const [match, setMatch] = useState<RuleMatch>(rule?.match ?? 'line');
  const [pattern, setPattern] = useState(rule?.pattern ?? '');
  const [description, setDescription] = useState(rule?.description ?? '');
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { name, group_id: group, kind, match, pattern, description, enabled };
    try {
      if (rule) await api.patch(`/compliance/rules/${enc(rule.id)}`, body);
      else await api.post('/compliance/rules', body);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={rule ? `Edit the rule ${rule.name}` : 'Add a compliance rule'} size="lg">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} required data-autofocus />
          <Select label="Applies to group" placeholder="every device" data={groupOptions} value={group} onChange={setGroup} clearable searchable />
          <div>
            <Text size="sm" fw={700} id="rule-kind-label" mb={4}>
              The config
            </Text>
            <SegmentedControl
              aria-labelledby="rule-kind-label"
              value={kind}
              onChange={(v) => setKind(v as RuleKind)}
              data={[
                { value: 'must_contain', label: 'must contain' },
                { value: 'must_not_contain', label: 'must not contain' },
              ]}
            />
          </div>
          <Select
            label="Match"
            data={[
              { value: 'line', label: 'an exact line' },
              { value: 'regex', label: 'a regular expression' },
              { value: 'block', label: 'a block (parent line and children)' },
            ]}
            value={match}
            onChange={(v) => v && setMatch(v as RuleMatch)}
            allowDeselect={false}
            description={MATCH_HELP[match]}
          />
          <Textarea label="Pattern" value={pattern} onChange={(e) => setPattern(e.currentTarget.value)} required autosize minRows={match === 'block' ? 3 : 1} maxRows={10} styles={{ input: { fontFamily: 'monospace' } }} />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} placeholder="why this rule exists (optional)" />
          <Switch label="Enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          {error !== null && (
            <Alert color="red" role="alert" title="Could not save the rule">
              {errorText(error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {rule ? 'Save' : 'Add rule'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
