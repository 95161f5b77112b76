import { Card, PageHeader } from '../components/PageHeader';
import { Field } from '../components/Field';
import { ErrorNotice, StatusNotice } from '../components/Notice';
import { isLlmKey, LlmSettingsCard } from './LlmSettings';
import { useSettingsForm } from './settings-form';

interface Descriptor {
  label: string;
  hint: string;
  min?: number;
  max?: number;
}

/** Labels for the settings the core knows; a setting added later still shows, under its key. */
const DESCRIPTORS: Readonly<Record<string, Descriptor>> = {
  'site.name': { label: 'Site name', hint: 'Shown on the dashboard, so operators know which workstation they are on.' },
  'session.idleMinutes': { label: 'Lock after idle minutes', hint: 'The window locks after this many minutes without keyboard or mouse activity (1 to 1440).', min: 1, max: 1440 },
  'audit.exportOverdueDays': { label: 'Audit export overdue after days', hint: 'Warn when no audit bundle has been exported for this many days (1 to 365).', min: 1, max: 365 },
};

function toDraft(settings: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings)
      .filter(([k]) => !isLlmKey(k))
      .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

function fromDraft(key: string, text: string, saved: Record<string, unknown>): unknown {
  const original = saved[key];
  if (typeof original === 'number') return text.trim() === '' ? Number.NaN : Number(text);
  if (typeof original === 'boolean') return text === 'true';
  return text;
}

export function SettingsScreen() {
  const { saved, draft, set, changed, submit, error, busy, message } = useSettingsForm(toDraft, fromDraft, 'Settings saved.');

  return (
    <>
      <PageHeader title="Settings" description="Workstation-wide settings. Every change is recorded in the audit trail." />
      <Card title="General">
        <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow">
          {Object.entries(saved).filter(([key]) => !isLlmKey(key)).map(([key, value]) => {
            const d = DESCRIPTORS[key];
            return (
              <Field
                key={key}
                label={d?.label ?? key}
                hint={d?.hint}
                type={typeof value === 'number' ? 'number' : 'text'}
                min={d?.min}
                max={d?.max}
                value={draft[key] ?? ''}
                onChange={(e) => set(key, e.target.value)}
              />
            );
          })}
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
