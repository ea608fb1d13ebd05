/**
 * The machine-readable interface (DESIGN.md): JSON lines in, one JSON line out per line,
 * nothing else on stdout. Lines that share `conversation` are one chat, in order; every
 * other line is a fresh chat. Same engine and code path as the platforms.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Activity, ConversationEngine, EngineResult } from '../flows/activity.js';

const inputLine = z.object({
  id: z.union([z.string(), z.number()]),
  text: z.string().max(4000),
  conversation: z.union([z.string(), z.number()]).optional(),
});

/** Keeps message ids unique even if a run shares a store with an earlier one. */
const RUN = randomUUID();

export interface JsonlOutput {
  id: string | number | null;
  conversation?: string;
  kind?: string;
  handoff?: string;
  urgent?: boolean;
  text?: string;
  citations?: string[];
  faqId?: string;
  confidence?: number;
  error?: string;
}

export function toOutput(id: string | number, conversation: string, result: EngineResult): JsonlOutput {
  const citations = [...new Set(result.replies.flatMap((r) => r.citations ?? []))];
  const out: JsonlOutput = {
    id,
    conversation,
    kind: result.outcome.kind,
    handoff: result.outcome.handoff,
    urgent: result.outcome.urgent,
    text: result.replies.map((r) => r.text).join('\n\n'),
    citations,
  };
  if (result.outcome.faqId) out.faqId = result.outcome.faqId;
  if (result.outcome.confidence !== undefined) out.confidence = result.outcome.confidence;
  return out;
}

/** Handles one raw input line; `n` numbers lines so each message id is unique. */
export async function handleLine(engine: ConversationEngine, raw: string, n: number): Promise<JsonlOutput | undefined> {
  if (raw.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { id: null, error: `line ${n}: invalid JSON` };
  }
  const parsed = inputLine.safeParse(json);
  if (!parsed.success) {
    const id = typeof json === 'object' && json !== null && 'id' in json ? ((json as { id: unknown }).id as string) : null;
    return { id, error: `line ${n}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ')}` };
  }
  const { id, text, conversation } = parsed.data;
  const conv = conversation !== undefined ? String(conversation) : `fresh-${n}-${id}`;
  const activity: Activity = {
    channel: 'cli',
    userId: conv,
    conversationId: conv,
    messageId: `${RUN}-line-${n}`,
    text,
    timestamp: new Date(),
  };
  return toOutput(id, conv, await engine.handle(activity));
}
