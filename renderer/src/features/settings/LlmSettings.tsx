import { useId } from 'react';
import { Card } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { useSettingsForm } from './settings-form';

/** The settings of the site's LLM endpoint (docs/llm.md); shown in their own card, not as "General". */
export const LLM_KEYS = [
  'llm.enabled',
  'llm.endpoint',
  'llm.model',
  'llm.caCertificate',
  'llm.apiKeyVaultItem',
  'llm.timeoutSeconds',
  'llm.maxTokens',
] as const;
type Key = (typeof LLM_KEYS)[number];

export function isLlmKey(key: string): boolean {
  return (LLM_KEYS as readonly string[]).includes(key);
}

function toDraft(settings: Record<string, unknown>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const key of LLM_KEYS) {
    const v = settings[key];
    out[key] = typeof v === 'boolean' ? v : typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
  }
  return out;
}

function toValue(key: string, value: string | boolean): unknown {
  if (typeof value === 'boolean') return value;
  if (key === 'llm.timeoutSeconds' || key === 'llm.maxTokens') return value.trim() === '' ? Number.NaN : Number(value);
  return value;
}

/** Switching on goes last, so the endpoint it needs is saved first. */
function enabledLast(changed: string[]): string[] {
  return [...changed].sort((a, b) => Number(a === 'llm.enabled') - Number(b === 'llm.enabled'));
}

export function LlmSettingsCard() {
  const { draft, set, changed, submit, error, busy, message } = useSettingsForm(toDraft, toValue, 'LLM settings saved.', enabledLast);
  const caId = useId();
  const text = (key: Key) => String(draft[key]);

  return (
    <Card title="AI summaries (site LLM endpoint)" className="card-after">
      <form onSubmit={(e) => void submit(e)} noValidate className="stack form-narrow">
        <p className="muted">
          Operators can send a run&apos;s redacted issues, report and log tail to an OpenAI-compatible endpoint on the site&apos;s network
          (vLLM, Ollama, llama.cpp server). Off until you switch it on. Only HTTPS with TLS 1.2 or newer; only the CA below is trusted.
        </p>
        <label className="check">
          <input type="checkbox" checked={draft['llm.enabled'] === true} onChange={(e) => set('llm.enabled', e.target.checked)} />
          <span>Allow AI summaries through the site endpoint</span>
        </label>
        <Field
          label="Endpoint"
          hint="https://host:port — the client adds /v1/chat/completions unless the address already ends in it."
          value={text('llm.endpoint')}
          onChange={(e) => set('llm.endpoint', e.target.value)}
        />
        <Field
          label="Model"
          hint="The model name the endpoint serves, e.g. llama-3.1-8b-instruct."
          value={text('llm.model')}
          onChange={(e) => set('llm.model', e.target.value)}
        />
        <div className="field">
          <label htmlFor={caId}>Site CA certificate (PEM)</label>
          <textarea
            id={caId}
            className="pem"
            rows={6}
            value={text('llm.caCertificate')}
            placeholder="-----BEGIN CERTIFICATE-----"
            onChange={(e) => set('llm.caCertificate', e.target.value)}
          />
          <p className="hint">The only certificate authority trusted for the endpoint; the public roots are not used.</p>
        </div>
        <Field
          label="API key vault item"
          hint="The name of the vault item that holds the API key (added on the Vault screen, then bound to the LLM purpose there by an admin: any other item is refused). Empty when the endpoint needs no key."
          value={text('llm.apiKeyVaultItem')}
          onChange={(e) => set('llm.apiKeyVaultItem', e.target.value)}
        />
        <Field
          label="Timeout (seconds)"
          type="number"
          min={1}
          max={600}
          hint="How long to wait for an answer (1 to 600)."
          value={text('llm.timeoutSeconds')}
          onChange={(e) => set('llm.timeoutSeconds', e.target.value)}
        />
        <Field
          label="Maximum answer tokens"
          type="number"
          min={16}
          max={32768}
          value={text('llm.maxTokens')}
          onChange={(e) => set('llm.maxTokens', e.target.value)}
        />
        <ErrorNotice error={error} />
        {message && !error && <StatusNotice>{message}</StatusNotice>}
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy || changed.length === 0}>
            {busy ? 'Saving…' : 'Save LLM settings'}
          </button>
        </div>
      </form>
    </Card>
  );
}
