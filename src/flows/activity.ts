/**
 * The engine's platform-neutral contract (see DESIGN.md "Shape").
 * Adapters in src/bots turn platform payloads into Activities and render Replies;
 * the engine never knows which platform it talks to.
 */

export type Channel = 'web' | 'telegram' | 'zalo' | 'messenger' | 'cli';

export interface Attachment {
  kind: 'image' | 'sticker' | 'audio' | 'file' | 'location' | 'link' | 'other';
  /** Where the platform serves it (Zalo's and Messenger's CDN), or a `geo:` location. */
  url?: string;
  name?: string;
  /**
   * The platform's own reference to the file, to fetch it later: Telegram's `file_id` (its
   * download URLs carry the bot token, so no URL is kept). Never a URL.
   */
  fileId?: string;
  /** The MIME type the platform announced with the message, when it did. */
  mimeType?: string;
  /** Size in bytes as the platform announced it, when it did. */
  size?: number;
}

/** One inbound event from a worker. */
export interface Activity {
  channel: Channel;
  /** The worker's id on that platform (PSID, Zalo user id, Telegram chat id, web session id). */
  userId: string;
  /** One conversation per worker per channel in practice; kept separate so groups could be added. */
  conversationId: string;
  /** The platform's own message id, used to recognise redelivered events. */
  messageId: string;
  /** What the worker typed, if anything. */
  text?: string;
  /** The payload of a button or quick reply the worker tapped. */
  postback?: string;
  attachments?: Attachment[];
  /**
   * The worker is typing (where the platform tells us). A typing Activity carries nothing
   * else: it is relayed to a counsellor's console and never answered or stored.
   */
  typing?: boolean;
  /** When the platform says the worker sent it. */
  timestamp: Date;
  /** Optional display name, when the platform gives one. */
  displayName?: string;
  locale?: string;
}

export interface Choice {
  /** Short label for a button (adapters shorten to their platform's limit). */
  label: string;
  /** Opaque payload sent back as Activity.postback when tapped. */
  payload: string;
}

export interface Link {
  label: string;
  url: string;
}

/** One outbound message. */
export interface Reply {
  text: string;
  choices?: Choice[];
  links?: Link[];
  /** Human-readable legal citations shown under the answer. */
  citations?: string[];
  urgent?: boolean;
}

export type ReplyKind = 'answer' | 'flow' | 'clarify' | 'handoff' | 'smalltalk' | 'fallback';
export type HandoffState = 'none' | 'offered' | 'queued';
export type ConversationMode = 'bot' | 'queued' | 'human' | 'closed';

/** What the engine understood and decided, for the CLI, logs, analytics and the console. */
export interface Outcome {
  kind: ReplyKind;
  handoff: HandoffState;
  urgent: boolean;
  faqId?: string;
  confidence?: number;
  /** The flow or calculator that produced the reply, if any. */
  flow?: string;
  /** Detected topic of the conversation, for the console queue and analytics. */
  topic?: string;
}

export interface EngineResult {
  replies: Reply[];
  outcome: Outcome;
  /** The conversation mode after this message. */
  mode: ConversationMode;
  /** The message id was seen before: a redelivery, not answered again. */
  duplicate?: boolean;
  /** The worker's data was deleted ("xóa dữ liệu"): a channel that keeps its own memory of the chat forgets it too. */
  deleted?: boolean;
}

/** The engine as the channels see it: one message in, the replies out, in order per conversation. */
export interface ConversationEngine {
  handle(activity: Activity): Promise<EngineResult>;
}
