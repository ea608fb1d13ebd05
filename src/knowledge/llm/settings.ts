/**
 * The language model's settings, taken from the validated configuration. Without an API key
 * there are none, and the bot runs fully offline on its deterministic path.
 */
import type { Config } from '../../config.js';

export interface LlmSettings {
  apiKey: string;
  /** An OpenAI-compatible endpoint; undefined means OpenAI's own. */
  baseURL?: string;
  model: string;
  /** Undefined: no embeddings, lexical search only. */
  embeddingModel?: string;
  timeoutMs: number;
  dailyTokenBudget: number;
  /** Where the embeddings cache lives (DATA_DIR/embeddings). */
  cacheDir?: string;
}

type LlmConfig = Pick<
  Config,
  'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_MODEL' | 'OPENAI_EMBEDDING_MODEL' | 'OPENAI_TIMEOUT_MS' | 'OPENAI_DAILY_TOKEN_BUDGET' | 'DATA_DIR'
>;

/** Documented in .env.example. */
export const LLM_DEFAULTS = {
  model: 'gpt-4o-mini',
  embeddingModel: 'text-embedding-3-small',
  timeoutMs: 6000,
  dailyTokenBudget: 500_000,
};

export function llmSettings(config: LlmConfig): LlmSettings | undefined {
  if (!config.OPENAI_API_KEY) return undefined;
  const embedding = config.OPENAI_EMBEDDING_MODEL ?? LLM_DEFAULTS.embeddingModel;
  return {
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.OPENAI_MODEL ?? LLM_DEFAULTS.model,
    embeddingModel: embedding.toLowerCase() === 'none' ? undefined : embedding,
    timeoutMs: config.OPENAI_TIMEOUT_MS ?? LLM_DEFAULTS.timeoutMs,
    dailyTokenBudget: config.OPENAI_DAILY_TOKEN_BUDGET ?? LLM_DEFAULTS.dailyTokenBudget,
    cacheDir: `${config.DATA_DIR.replace(/\/+$/, '')}/embeddings`,
  };
}
