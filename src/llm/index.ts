/** AI summaries of runs through the site's own OpenAI-compatible endpoint (issue 8, docs/llm.md). */
export {
  chatCompletion,
  DEFAULT_MAX_RESPONSE_BYTES,
  type ChatAnswer,
  type ChatMessage,
  type ChatRequest,
  type ChatTransport,
} from './client';
export { LLM_SETTINGS, completionsUrl, llmConfig, type LlmConfig } from './settings';
export { buildPrompt, PROMPT_LIMITS, PROMPT_VERSION, SYSTEM_PROMPT, type LogTail } from './prompt';
export { RunSummaries, summariesPurgedWithRuns, type SummaryRecord, type SummaryStatus } from './summaries-store';
export {
  redactedPrompt,
  summariseRun,
  newSummaryId,
  SUMMARY_ID_RE,
  TEMPERATURE,
  type PromptMark,
  type RedactedPrompt,
  type RedactorFactory,
} from './summarise';
