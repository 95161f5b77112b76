import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApi, useSession, type Settings } from '../../api/context';
import { useAction } from '../../api/use-action';

/**
 * A form over some of the settings: a draft of the saved values, the keys that changed, and a submit
 * that saves each change (one audited settings.set each) and re-reads what the core holds.
 * `toDraft` must be stable (a module-level function): the draft resets when the settings change.
 */
export function useSettingsForm<V>(
  toDraft: (saved: Settings) => Record<string, V>,
  toValue: (key: string, value: V, saved: Settings) => unknown,
  savedMessage: string,
  order: (changed: string[]) => string[] = (changed) => changed,
) {
  const api = useApi();
  const session = useSession();
  const saved = session.settings;
  const [draft, setDraft] = useState(() => toDraft(saved));
  const { error, busy, run } = useAction();
  const [message, setMessage] = useState<string | null>(null);
  const original = toDraft(saved);
  // When the settings change (this form or another group saved), take the new values but keep
  // what the user is still editing here: another group's Save must not throw away this one's draft.
  const previous = useRef(original);
  /** Set by this form's own successful save: it then shows exactly what the core now holds. */
  const savedHere = useRef(false);
  useEffect(() => {
    const before = previous.current;
    const next = toDraft(saved);
    previous.current = next;
    if (savedHere.current) {
      savedHere.current = false;
      setDraft(next);
      return;
    }
    setDraft((draft) => {
      const merged = { ...next };
      for (const key of Object.keys(next)) if (key in draft && draft[key] !== before[key]) merged[key] = draft[key]!;
      return merged;
    });
  }, [saved, toDraft]);

  const changed = Object.keys(original).filter((k) => draft[k] !== original[k]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    await run(async () => {
      for (const key of order(changed)) {
        const result = await api.call('settings.set', { key, value: toValue(key, draft[key]!, saved) });
        // Keep the draft on a refusal, so the user can correct the value the message names.
        if (!result.ok) return result.error;
      }
      // Re-read what the core now holds; this also resets the form to it.
      savedHere.current = true;
      await session.refresh();
      setMessage(savedMessage);
    });
  }

  return { saved, draft, set: (key: string, value: V) => setDraft({ ...draft, [key]: value }), changed, submit, error, busy, message };
}
