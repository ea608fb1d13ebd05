/**
 * What the engine asks of a language model, in one place. The engine holds an optional
 * LanguageAssist: without an API key there is none and every hook is skipped, so the bot is
 * exactly its deterministic self. Each method returns nothing useful (undefined, {}) when the
 * model is unavailable, slow, over budget or wrong: the caller keeps its own result.
 */
import type { FaqEntry } from '../kb/schema.js';
import { ModelClient, type ClientOptions, type Turn } from './client.js';
import { composeAnswer, type ComposeInput } from './compose.js';
import { EmbeddingIndex } from './embeddings.js';
import type { LlmSettings } from './settings.js';
import { understand, type Understanding } from './understand.js';
import { extractValues } from './values.js';

export type { ComposeInput, Turn, Understanding };

export interface LanguageAssist {
  /** The last message restated on its own, and a second opinion on urgency and sensitivity. */
  understand(conversation: Turn[]): Promise<Understanding | undefined>;
  /** Semantic similarity of the text to each entry id (hybrid search), when embeddings are on and ready. */
  similarity(text: string): Promise<Map<string, number> | undefined>;
  /** Calculator values the message states, for the given fields. */
  values(fields: string[], text: string): Promise<Record<string, unknown>>;
  /** The curated answer reworded for the message, only if it passes the grounding check. */
  compose(input: ComposeInput): Promise<string | undefined>;
  /** Prepares what can be prepared ahead (the embeddings index). */
  warm(): Promise<void>;
}

export class ModelAssist implements LanguageAssist {
  readonly client: ModelClient;
  private readonly index?: EmbeddingIndex;

  constructor(settings: LlmSettings, entries: readonly FaqEntry[], options: ClientOptions = {}) {
    this.client = new ModelClient(settings, options);
    if (settings.embeddingModel) this.index = new EmbeddingIndex(this.client, entries, settings.cacheDir, settings.embeddingModel);
  }

  understand(conversation: Turn[]): Promise<Understanding | undefined> {
    return understand(this.client, conversation);
  }

  async similarity(text: string): Promise<Map<string, number> | undefined> {
    return this.index?.similarity(text);
  }

  values(fields: string[], text: string): Promise<Record<string, unknown>> {
    return extractValues(this.client, fields, text);
  }

  compose(input: ComposeInput): Promise<string | undefined> {
    return composeAnswer(this.client, input);
  }

  async warm(): Promise<void> {
    await this.index?.warm();
  }
}
