/**
 * The LLM endpoint settings (admin only, like every setting; docs/llm.md). Off by default. The API
 * key is never a setting: the setting names a vault item, and only the summarise call opens it.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { ApiError, type SettingsBlock } from '../kernel';

const httpsUrl = z
  .string()
  .max(2048)
  .refine((text) => {
    if (text === '') return true;
    try {
      const url = new URL(text);
      return url.protocol === 'https:' && !url.username && !url.password && !url.search && !url.hash;
    } catch {
      return false;
    }
  }, 'an https:// address without user, password, query or fragment, e.g. https://llm.site.example:8443 (plain HTTP is refused)');

const pem = z
  .string()
  .max(64 * 1024)
  .refine(
    (text) => text.trim() === '' || /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text),
    'the PEM text of the site CA certificate (-----BEGIN CERTIFICATE----- …)',
  );

export const LLM_SETTINGS = {
  'llm.enabled': { schema: z.boolean(), default: false },
  'llm.endpoint': { schema: httpsUrl, default: '' },
  'llm.model': { schema: z.string().max(200), default: '' },
  'llm.caCertificate': { schema: pem, default: '' },
  'llm.apiKeyVaultItem': {
    schema: z
      .string()
      .regex(
        /^$|^[a-z0-9][a-z0-9_.-]{0,63}$/,
        'a vault item name (lower-case letters, digits, "_", "." and "-"), or empty when the endpoint needs no key',
      ),
    default: '',
  },
  'llm.timeoutSeconds': { schema: z.number().int().min(1).max(600), default: 60 },
  'llm.maxTokens': { schema: z.number().int().min(16).max(32_768), default: 1024 },
} as const satisfies SettingsBlock;

export interface LlmConfig {
  /** The chat completions URL requests go to. */
  url: URL;
  model: string;
  caPem: string;
  apiKeyVaultItem: string | null;
  timeoutMs: number;
  maxTokens: number;
}

/**
 * `{endpoint}/v1/chat/completions`, or the endpoint as given when it already names the path
 * (`…/chat/completions`), or `{endpoint}/chat/completions` when it ends in `/v1`.
 */
export function completionsUrl(endpoint: string): URL {
  const url = new URL(endpoint);
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/chat\/completions$/.test(path)) url.pathname = path;
  else if (/\/v1$/.test(path)) url.pathname = `${path}/chat/completions`;
  else url.pathname = `${path}/v1/chat/completions`;
  return url;
}

/** The settings a summary needs, or an error naming what an admin must set. */
export function llmConfig(settings: Record<string, unknown>): LlmConfig {
  if (settings['llm.enabled'] !== true) {
    throw new ApiError(
      'POLICY_DENIED',
      'AI summaries are switched off on this workstation. An admin must enable and configure them in Settings (llm.enabled, llm.endpoint, llm.model, llm.caCertificate).',
    );
  }
  const text = (key: string): string => (typeof settings[key] === 'string' ? settings[key] : '');
  const missing: string[] = [];
  const endpoint = text('llm.endpoint');
  const model = text('llm.model').trim();
  const caPem = text('llm.caCertificate');
  if (!endpoint) missing.push('llm.endpoint (the https:// address)');
  if (!model) missing.push('llm.model (the model name the endpoint serves)');
  if (!caPem.trim()) missing.push("llm.caCertificate (the site CA's PEM certificate)");
  if (missing.length > 0) {
    throw new ApiError(
      'POLICY_DENIED',
      `AI summaries are enabled but not fully configured. An admin must set in Settings: ${missing.join('; ')}.`,
    );
  }
  checkCaPem(caPem);
  const item = text('llm.apiKeyVaultItem');
  return {
    url: completionsUrl(endpoint),
    model,
    caPem,
    apiKeyVaultItem: item || null,
    timeoutMs: Number(settings['llm.timeoutSeconds'] ?? 60) * 1000,
    maxTokens: Number(settings['llm.maxTokens'] ?? 1024),
  };
}

/** Every certificate in the PEM text must parse: a damaged paste is named here, not as a TLS failure. */
function checkCaPem(caPem: string): void {
  const blocks = caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      throw new ApiError(
        'INVALID_INPUT',
        `Certificate ${i + 1} in llm.caCertificate cannot be read. An admin must paste the site CA's PEM certificate again in Settings.`,
      );
    }
  }
}
