import { useCallback, useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { Card, PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { isLlmKey, LlmSettingsCard } from './LlmSettings';
import { useSettingsForm } from './settings-form';
import { HelpLink } from '../../components/HelpLink';
import { useLeaveGuard } from '../../navigation';
import type { Settings } from '../../api/context';

/** How a setting is edited: the draft is always text ("true"/"false" for a switch, one item a line for a list). */
type Kind =
  | { type: 'text' }
  | { type: 'number'; min: number; max: number }
  | { type: 'switch' }
  | { type: 'choice'; options: readonly string[] }
  | { type: 'list'; placeholder: string };

interface Descriptor {
  group: string;
  label: string;
  hint: ReactNode;
  kind: Kind;
}

const RULE_SETS = ['default', 'strict'] as const;
const RULE_SET_HINT = (
  <>
    Default: secrets masked, identifiers pseudonymised; strict: everything found is masked.{' '}
    <HelpLink doc="redaction">How redaction works</HelpLink>
  </>
);
const days = (max: number): Kind => ({ type: 'number', min: 0, max });
/** A registry deadline (docs/mirror.md), in seconds from 1 to `max`. */
const mirrorSeconds = (label: string, hint: string, max: number): Descriptor => ({
  group: 'Bundles',
  label,
  hint,
  kind: { type: 'number', min: 1, max },
});

/** Labels for the settings the core knows; a setting added later still shows, under its key, as text. */
const DESCRIPTORS: Readonly<Record<string, Descriptor>> = {
  'site.name': {
    group: 'General',
    label: 'Site name',
    hint: 'Shown on the dashboard, so operators know which workstation they are on.',
    kind: { type: 'text' },
  },
  'session.idleMinutes': {
    group: 'General',
    label: 'Lock after idle minutes',
    hint: 'The window locks after this many minutes without keyboard or mouse activity (1 to 1440).',
    kind: { type: 'number', min: 1, max: 1440 },
  },
  'audit.exportOverdueDays': {
    group: 'General',
    label: 'Audit export overdue after days',
    hint: 'Warn when no audit bundle has been exported for this many days (1 to 365).',
    kind: { type: 'number', min: 1, max: 365 },
  },
  'engine.socket': {
    group: 'Engine and runner',
    label: 'Engine socket',
    hint: 'The local Docker or Podman socket, as unix:///path or /path. Left empty, the engine this workstation was started with is used, else the first of the usual Docker and Podman sockets that exists. New runs use the engine named here at once.',
    kind: { type: 'text' },
  },
  'runner.concurrency': {
    group: 'Engine and runner',
    label: 'Runs at once',
    hint: 'How many runs may execute at the same time (1 to 64); the rest wait in the queue.',
    kind: { type: 'number', min: 1, max: 64 },
  },
  'runner.maxTimeoutSeconds': {
    group: 'Engine and runner',
    label: 'Longest timeout (seconds)',
    hint: 'No task may run longer than this, whatever it declares (1 to 86400).',
    kind: { type: 'number', min: 1, max: 86400 },
  },
  'runner.logCapBytes': {
    group: 'Engine and runner',
    label: 'Log kept per run (bytes)',
    hint: 'Output beyond this is counted but not kept (4096 to 1 GiB).',
    kind: { type: 'number', min: 4096, max: 1024 ** 3 },
  },
  'runner.requireApproval': {
    group: 'Engine and runner',
    label: 'Read-write runs need a second person’s approval',
    hint: 'Another operator or an admin approves before the run starts.',
    kind: { type: 'switch' },
  },
  'runner.allowSecretsOnDisk': {
    group: 'Engine and runner',
    label: 'Allow secrets on disk when no tmpfs is available',
    hint: 'Off: runs that need secrets are refused without tmpfs. Every such run is recorded.',
    kind: { type: 'switch' },
  },
  'runner.hostNetworkAllowed': {
    group: 'Engine and runner',
    label: 'Allow the host network as an override',
    hint: 'Off: tasks get network none or an admin-defined network only.',
    kind: { type: 'switch' },
  },
  'bundles.signaturesOptional': {
    group: 'Bundles',
    label: 'Signatures optional',
    hint: 'Lets in images unsigned or signed by a key the site does not trust (never an altered one); every such import is recorded. Off is recommended.',
    kind: { type: 'switch' },
  },
  'mirror.connectTimeoutSeconds': mirrorSeconds(
    'Mirror: connect within (seconds)',
    'How long connecting to a registry mirror may take (1 to 600).',
    600,
  ),
  'mirror.headerTimeoutSeconds': mirrorSeconds(
    'Mirror: first answer within (seconds)',
    'How long a registry may take to start answering a request (1 to 600).',
    600,
  ),
  'mirror.idleTimeoutSeconds': mirrorSeconds(
    'Mirror: longest silence (seconds)',
    'An answer that stops arriving for this long fails the import (1 to 600).',
    600,
  ),
  'mirror.manifestTimeoutSeconds': mirrorSeconds(
    'Mirror: whole manifest within (seconds)',
    'A manifest, listing or token that trickles in slower than this fails (1 to 3600).',
    3600,
  ),
  'mirror.blobTimeoutSeconds': mirrorSeconds(
    'Mirror: whole layer within (seconds)',
    'One layer or config that takes longer than this fails the import (1 to 86400).',
    86400,
  ),
  'redact.siteDomains': {
    group: 'Redaction',
    label: 'Site domains',
    hint: 'Host names under these domains are pseudonymised in everything that leaves. One domain a line.',
    kind: { type: 'list', placeholder: 'corp.example.com' },
  },
  'redact.ruleSet.runsExport': {
    group: 'Redaction',
    label: 'Rule set for run report exports',
    hint: RULE_SET_HINT,
    kind: { type: 'choice', options: RULE_SETS },
  },
  'redact.ruleSet.auditExport': {
    group: 'Redaction',
    label: 'Rule set for audit exports',
    hint: RULE_SET_HINT,
    kind: { type: 'choice', options: RULE_SETS },
  },
  'redact.ruleSet.llm': {
    group: 'Redaction',
    label: 'Rule set for AI summary prompts',
    hint: RULE_SET_HINT,
    kind: { type: 'choice', options: RULE_SETS },
  },
  'retention.runLogDays': {
    group: 'Retention',
    label: 'Keep run logs for days',
    hint: 'A purge (Retention screen) deletes logs older than this; 0 keeps them forever.',
    kind: days(36500),
  },
  'retention.runReportDays': {
    group: 'Retention',
    label: 'Keep run reports and issues for days',
    hint: 'A purge deletes issues, reports and summaries older than this; 0 keeps them forever.',
    kind: days(36500),
  },
};

/** The AI summary settings, shown in their own card (LlmSettings.tsx), in words for the audit trail. */
const LLM_LABELS: Readonly<Record<string, string>> = {
  'llm.enabled': 'AI summaries on',
  'llm.endpoint': 'AI summary endpoint',
  'llm.model': 'AI summary model',
  'llm.caCertificate': 'AI summary endpoint CA certificate',
  'llm.apiKeyVaultItem': 'AI summary API key (vault item)',
  'llm.timeoutSeconds': 'AI summary time limit',
  'llm.maxTokens': 'AI summary length limit',
};

/** A setting in words ("Site name"), for screens that name one (the audit trail); undefined for one the app has no label for. */
export function settingLabel(key: string): string | undefined {
  return DESCRIPTORS[key]?.label ?? LLM_LABELS[key];
}

const OTHER = 'Other';
const GROUP_ORDER = ['General', 'Engine and runner', 'Bundles', 'Redaction', 'Retention', OTHER];

function kindOf(key: string): Kind {
  return DESCRIPTORS[key]?.kind ?? { type: 'text' };
}

function toDraft(settings: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings)
      .filter(([k]) => !isLlmKey(k))
      .map(([k, v]) => [k, Array.isArray(v) ? v.join('\n') : typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

function fromDraft(key: string, text: string, saved: Record<string, unknown>): unknown {
  const original = saved[key];
  if (Array.isArray(original) || kindOf(key).type === 'list')
    return text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  if (typeof original === 'number') return text.trim() === '' ? Number.NaN : Number(text);
  if (typeof original === 'boolean') return text === 'true';
  return text;
}

function SettingControl({ name, value, onChange }: { name: string; value: string; onChange: (v: string) => void }) {
  const id = useId();
  const d = DESCRIPTORS[name];
  const label = d?.label ?? name;
  const kind = kindOf(name);
  if (kind.type === 'switch') {
    return (
      <label className="check">
        <input type="checkbox" checked={value === 'true'} onChange={(e) => onChange(String(e.target.checked))} />
        <span>
          {label}
          {d?.hint && <span className="check-hint">{d.hint}</span>}
        </span>
      </label>
    );
  }
  if (kind.type === 'choice' || kind.type === 'list') {
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        {kind.type === 'choice' ? (
          <select id={id} value={value} aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.value)}>
            {kind.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        ) : (
          <textarea
            id={id}
            rows={3}
            value={value}
            placeholder={kind.placeholder}
            aria-describedby={`${id}-hint`}
            onChange={(e) => onChange(e.target.value)}
          />
        )}
        <p id={`${id}-hint`} className="hint">
          {d?.hint}
        </p>
      </div>
    );
  }
  return (
    <Field
      label={label}
      hint={d?.hint}
      type={kind.type === 'number' ? 'number' : 'text'}
      min={kind.type === 'number' ? kind.min : undefined}
      max={kind.type === 'number' ? kind.max : undefined}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** One group of settings, with its own Save: a change elsewhere on the screen is neither saved nor lost with it. */
function SettingsGroup({
  group,
  keys,
  onDirty,
}: {
  group: string;
  keys: readonly string[];
  onDirty: (group: string, dirty: boolean) => void;
}) {
  const joined = keys.join('\n');
  const toGroupDraft = useCallback(
    (settings: Settings) => {
      const all = toDraft(settings);
      return Object.fromEntries(joined.split('\n').map((k) => [k, all[k] ?? '']));
    },
    [joined],
  );
  const { draft, set, changed, submit, error, busy, message } = useSettingsForm(toGroupDraft, fromDraft, `${group} settings saved.`);
  const dirty = changed.length > 0;
  useEffect(() => onDirty(group, dirty), [group, dirty, onDirty]);
  return (
    <Card title={group}>
      <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow">
        {keys.map((key) => (
          <SettingControl key={key} name={key} value={draft[key] ?? ''} onChange={(v) => set(key, v)} />
        ))}
        <ErrorNotice error={error} />
        {message && !error && <StatusNotice>{message}</StatusNotice>}
        <div className="card-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !dirty}>
            {busy ? 'Saving…' : `Save ${group.toLowerCase()} settings`}
          </button>
          {dirty && <span className="hint">Unsaved changes</span>}
        </div>
      </form>
    </Card>
  );
}

export function SettingsScreen() {
  const { saved } = useSettingsForm(toDraft, fromDraft, '');
  const keys = Object.keys(saved).filter((key) => !isLlmKey(key));
  const groups = GROUP_ORDER.map((group) => ({ group, keys: keys.filter((k) => (DESCRIPTORS[k]?.group ?? OTHER) === group) })).filter(
    (g) => g.keys.length > 0,
  );
  const [dirtyGroups, setDirtyGroups] = useState<ReadonlySet<string>>(new Set());
  const onDirty = useCallback(
    (group: string, dirty: boolean) =>
      setDirtyGroups((previous) => {
        if (previous.has(group) === dirty) return previous;
        const next = new Set(previous);
        if (dirty) next.add(group);
        else next.delete(group);
        return next;
      }),
    [],
  );
  const unsaved = useMemo(() => [...dirtyGroups], [dirtyGroups]);
  useLeaveGuard(unsaved.length > 0, `You have unsaved changes in ${unsaved.join(', ')}. Leave this screen and lose them?`);

  return (
    <>
      <PageHeader
        title="Settings"
        description="Workstation-wide settings. Each group is saved on its own; every change is recorded in the audit trail."
      />
      <div className="stack">
        {groups.map(({ group, keys: inGroup }) => (
          <SettingsGroup key={group} group={group} keys={inGroup} onDirty={onDirty} />
        ))}
        <LlmSettingsCard />
      </div>
    </>
  );
}
