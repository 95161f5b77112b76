import { useId } from 'react';
import { Card, PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { isLlmKey, LlmSettingsCard } from './LlmSettings';
import { useSettingsForm } from './settings-form';

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
  hint: string;
  kind: Kind;
}

const RULE_SETS = ['default', 'strict'] as const;
const RULE_SET_HINT = 'default: secrets masked, identifiers pseudonymised; strict: everything found is masked (docs/redaction.md).';
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
    hint: 'A local Docker or Podman socket (unix:///path or /path). Empty: DOCKER_HOST, else the first of the usual Docker and Podman sockets that exists.',
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

export function SettingsScreen() {
  const { saved, draft, set, changed, submit, error, busy, message } = useSettingsForm(toDraft, fromDraft, 'Settings saved.');
  const keys = Object.keys(saved).filter((key) => !isLlmKey(key));
  const groups = GROUP_ORDER.map((group) => ({ group, keys: keys.filter((k) => (DESCRIPTORS[k]?.group ?? OTHER) === group) })).filter(
    (g) => g.keys.length > 0,
  );

  return (
    <>
      <PageHeader title="Settings" description="Workstation-wide settings. Every change is recorded in the audit trail." />
      <Card title="Workstation">
        <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow">
          {groups.map(({ group, keys: inGroup }) => (
            <fieldset key={group} className="stack">
              <legend>{group}</legend>
              {inGroup.map((key) => (
                <SettingControl key={key} name={key} value={draft[key] ?? ''} onChange={(v) => set(key, v)} />
              ))}
            </fieldset>
          ))}
          <ErrorNotice error={error} />
          {message && !error && <StatusNotice>{message}</StatusNotice>}
          <div>
            <button type="submit" className="btn btn-primary" disabled={busy || changed.length === 0}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
          </div>
        </form>
      </Card>
      <LlmSettingsCard />
    </>
  );
}
