import { useEffect, useState, type FormEvent } from 'react';
import { useApi, useSession } from '../api/context';
import { useAction } from '../api/use-action';
import { Card, PageHeader } from '../components/PageHeader';
import { Field } from '../components/Field';
import { ErrorNotice, StatusNotice } from '../components/Notice';

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

type Draft = Record<string, string>;

function toDraft(settings: Record<string, unknown>): Draft {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function fromDraft(original: unknown, text: string): unknown {
  if (typeof original === 'number') return text.trim() === '' ? Number.NaN : Number(text);
  if (typeof original === 'boolean') return text === 'true';
  return text;
}

export function SettingsScreen() {
  const api = useApi();
  const session = useSession();
  const saved = session.settings;
  const [draft, setDraft] = useState<Draft>(() => toDraft(saved));
  const { error, busy, run } = useAction();
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => setDraft(toDraft(saved)), [saved]);

  const original = toDraft(saved);
  const changed = Object.keys(saved).filter((k) => draft[k] !== original[k]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    await run(async () => {
      for (const key of changed) {
        const result = await api.call('settings.set', { key, value: fromDraft(saved[key], draft[key] ?? '') });
        // Keep the draft on a refusal, so the operator can correct the value the message names.
        if (!result.ok) return result.error;
      }
      // Re-read what the core now holds; this also resets the form to it.
      await session.refresh();
      setMessage('Settings saved.');
    });
  }

  return (
    <>
      <PageHeader title="Settings" description="Workstation-wide settings. Every change is recorded in the audit trail." />
      <Card title="General">
        <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow">
          {Object.entries(saved).map(([key, value]) => {
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
                onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
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
    </>
  );
}
