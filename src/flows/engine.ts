/**
 * The conversation engine: handle(activity) → replies, one message at a time per
 * conversation. Platform-neutral: every channel, the CLI and the tests go through here.
 *
 * Router, in order (DESIGN.md): conversations with a person stay quiet → commands and
 * postbacks → safety and explicit handoff → a pending offer or an active calculator →
 * a new calculation → retrieval (answer, ask which one, or fall back) → small talk →
 * fallback, offering a counsellor after repeated misses.
 */
import type { Activity, ConversationEngine, ConversationMode, EngineResult, Outcome, Reply } from './activity.js';
import type { Conversation, ConversationState, Store } from '../store/types.js';
import type { SqlStore } from '../store/sql-store.js';
import type { KnowledgeBase } from '../knowledge/kb/knowledge-base.js';
import type { Rules } from '../knowledge/rules/loader.js';
import { PLACEHOLDERS, findPhones, redactPII } from '../privacy/redact.js';
import { vnDay } from '../knowledge/dates.js';
import { renderEntry } from './answer.js';
import { KeyedSerialQueue } from './serial.js';
import { CHOICE, MAIN_MENU, PAYLOAD, T } from './texts.js';
import { detectHandoffSignal, isFrustrated, textForms, type TextForms } from './handoff/triggers.js';
import { isCancel, isDeleteRequest, isMenuRequest, isNo, isYes, pickedNumber, smallTalk } from './intents.js';
import { Retriever, type Retrieval } from './retrieval.js';
import type { FaqIndexOptions } from '../knowledge/search/faq-index.js';
import { analyzeForIndex } from '../knowledge/vi/analyze.js';
import { KnowledgeCache } from '../knowledge/cache.js';
import { withParseCache } from '../knowledge/yaml-source.js';
import { CalculatorFlows, type FlowTurn } from './calculators/index.js';
import { calculatorSpecs, guessCalculator } from './calculators/specs.js';
import { topicMenu } from './menu.js';
import { DEFAULT_PATHS, formatProblem, loadKnowledgeOrThrow } from '../knowledge/load.js';
import type { Coordinator } from '../coordination/types.js';
import { LocalCoordinator } from '../coordination/local.js';
import type { ConsoleEvent } from './handoff/events.js';
import { consoleEvent, publishAll } from './handoff/live.js';
import { HandoffRecords } from './handoff/records.js';
import { SURVEY_TEXT, isSurveyPayload, surveyRating } from './handoff/survey.js';
import { WAIT_LOOKBACK_MS, estimateWait, waitInWords, type WaitRange } from './handoff/wait.js';
import { describeActivity } from './handoff/describe.js';
import type { Concern } from './handoff/concern.js';
import type { HandoffSettings } from './handoff/settings.js';
import { openingInWords } from './handoff/office-hours.js';
export type { HandoffSettings } from './handoff/settings.js';
import { ModelAssist, type ComposeInput, type LanguageAssist, type Turn as ModelTurn, type Understanding } from '../knowledge/llm/assist.js';
import type { LlmSettings } from '../knowledge/llm/settings.js';

export interface EngineOptions {
  store: Store;
  kb: KnowledgeBase;
  rules: Rules;
  now?: () => Date;
  /** Where live console events are published; an in-process bus by default. */
  coordinator?: Coordinator;
  /** Tickets, ratings and queue waits; by default over the SqlStore's own database. */
  records?: HandoffRecords;
  handoff?: HandoffSettings;
  logger?: EngineLogger;
  /** The optional language model (src/knowledge/llm); without it the engine is fully deterministic. */
  assist?: LanguageAssist;
  /** How the retrieval index is built (createEngine passes the start-up cache's analysis). */
  index?: FaqIndexOptions;
}

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const DEFAULT_WAIT: WaitRange = { min: 10, max: 20 };

/** One question the routing puts to the language model; its JSON is the answer's key. */
type ModelRequest =
  | { kind: 'understand'; conversation: ModelTurn[] }
  | { kind: 'similarity'; text: string }
  | { kind: 'values'; fields: string[]; text: string }
  | { kind: 'compose'; input: ComposeInput };

/**
 * The model's answers for one message, gathered before its transaction (Engine.prepare): the
 * routing inside the transaction looks them up and never waits on the network there.
 */
export class ModelAnswers {
  private readonly answers = new Map<string, unknown>();

  has(r: ModelRequest): boolean {
    return this.answers.has(JSON.stringify(r));
  }

  get(r: ModelRequest): unknown {
    return this.answers.get(JSON.stringify(r));
  }

  set(r: ModelRequest, answer: unknown): void {
    this.answers.set(JSON.stringify(r), answer);
  }
}

/** Thrown by a dry run that reached a question the gathered answers do not hold. */
class ModelNeeded extends Error {
  constructor(readonly requests: ModelRequest[]) {
    super('model answers needed');
  }
}

/** Ends a dry run that needed nothing more: its transaction rolls back. */
class DryRunDone extends Error {}

/** Dry runs before the model's answers are complete: understanding and similarity, then values or composing, and a spare. */
const MAX_MODEL_ROUNDS = 4;

/** What one routing step decided, before the engine records it. */
interface Turn {
  replies: Reply[];
  outcome: Outcome;
  /** Set when the conversation was deleted: nothing more is saved. */
  deleted?: boolean;
}

interface Ctx {
  activity: Activity;
  /** The store this message runs against: one transaction for the whole message. */
  store: Store;
  /** Handoff records in that same transaction. */
  records: HandoffRecords | undefined;
  /** Writes started along the way, awaited before the transaction commits. */
  pending: Promise<unknown>[];
  conv: Conversation;
  day: string;
  now: Date;
  text: string;
  forms: TextForms;
  /** Console events to publish once the turn is saved. */
  events: ConsoleEvent[];
  /**
   * The model's answers gathered before the transaction; a question they do not hold is left
   * unanswered (deterministic result). Absent: the model is called in place, as before prepare existed.
   */
  models?: ModelAnswers;
  /** A rehearsal in a transaction that rolls back, to learn what the model will be asked. */
  dryRun?: boolean;
}

const MISSES_BEFORE_OFFER = 2;

export class Engine implements ConversationEngine {
  private readonly serial = new KeyedSerialQueue();
  private readonly now: () => Date;
  readonly retriever: Retriever;
  private readonly calculators: CalculatorFlows;
  readonly coordinator: Coordinator;

  constructor(private readonly opts: EngineOptions) {
    this.now = opts.now ?? (() => new Date());
    this.coordinator = opts.coordinator ?? new LocalCoordinator();
    this.retriever = new Retriever(opts.kb, opts.index);
    this.calculators = new CalculatorFlows(calculatorSpecs(opts.rules, opts.kb.laws), guessCalculator);
  }

  /** The knowledge the engine answers from (the console searches the same). */
  get kb(): KnowledgeBase {
    return this.opts.kb;
  }

  handle(activity: Activity): Promise<EngineResult> {
    return this.serial.run(serialKey(activity), async () => this.apply(activity, this.opts.store, await this.prepare(activity)));
  }

  /**
   * Asks the language model, OUTSIDE any transaction, everything handling `activity` will ask
   * it, so that the message's transaction holds neither the SQLite writer nor PostgreSQL's
   * conversation row lock during a network call. Rehearses the message in a transaction that
   * always rolls back (nothing is kept, nothing published); each time the rehearsal reaches a
   * question not answered yet it stops, the questions are put to the model, and it runs again.
   * Without a model: undefined at once, at no cost. Call it in the conversation's turn (the
   * delivery's lease, or the engine's own queue in handle) and pass the answers to handleIn.
   */
  async prepare(activity: Activity, store: Store = this.opts.store): Promise<ModelAnswers | undefined> {
    const assist = this.opts.assist;
    if (!assist) return undefined;
    const models = new ModelAnswers();
    for (let round = 0; round < MAX_MODEL_ROUNDS; round++) {
      try {
        await store.transaction(async (tx) => {
          await this.process(activity, tx, [], models, true);
          throw new DryRunDone();
        });
      } catch (err) {
        if (err instanceof DryRunDone) break;
        if (!(err instanceof ModelNeeded)) throw err;
        const answers = await Promise.all(err.requests.map((r) => askModel(assist, r)));
        err.requests.forEach((r, i) => models.set(r, answers[i]));
      }
    }
    return models;
  }

  /**
   * Handles one message against the given store, in one transaction: the seen mark, the
   * conversation and the transcript commit together, so a crash part-way leaves the message
   * unseen and it is answered when processed again. The delivery inbox passes a
   * transaction-bound store so that its outbox rows join the same transaction.
   * Inside, use only ctx.store and ctx.records: on SQLite another handle on the database
   * waits for the transaction's connection and would never get it.
   * `models`: the language model's answers from prepare(), called before the caller's
   * transaction; without them (and with a model configured) the model is called in place,
   * inside the transaction.
   */
  handleIn(activity: Activity, store: Store, models?: ModelAnswers): Promise<EngineResult> {
    return this.serial.run(serialKey(activity), () => this.apply(activity, store, models));
  }

  /** The message's one transaction, in the conversation's turn. */
  private async apply(activity: Activity, store: Store, models: ModelAnswers | undefined): Promise<EngineResult> {
    const events: ConsoleEvent[] = [];
    const result = await store.transaction((tx) => this.process(activity, tx, events, models));
    // Announced once the engine's writes are done (and committed, unless the caller's
    // transaction is still open); a rolled-back message announces nothing.
    await publishAll(this.coordinator, events, this.opts.logger);
    return result;
  }

  /** `live` collects the console events to publish afterwards. */
  private async process(activity: Activity, store: Store, live: ConsoleEvent[], models?: ModelAnswers, dryRun = false): Promise<EngineResult> {
    const existing = await store.getConversation(activity.channel, activity.conversationId);
    if (activity.typing && !activity.text && !activity.postback && !activity.attachments?.length) return this.typing(activity, existing, live);
    if (!(await store.markSeen(activity.channel, activity.messageId))) {
      return { replies: [], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, mode: existing?.mode ?? 'bot', duplicate: true };
    }
    const now = this.now();
    const conv = existing ?? newConversation(activity, now);
    const name = activity.displayName?.normalize('NFC').trim().slice(0, 100);
    // The name is the sender's: it goes on the conversation's worker row only when the sender is
    // that worker (in a Telegram group chat others write too, under their own names).
    if (name && activity.userId === conv.userId) conv.displayName = name;
    const text = (activity.text ?? '').trim();
    const records = this.opts.records ?? recordsOf(store);
    const ctx: Ctx = { activity, store, records, pending: [], conv, day: vnDay(now), now, text, forms: textForms(text), events: [], models, dryRun };
    const modeBefore = conv.mode;

    // Everything the worker sent, pictures and files as a described line, so that a
    // counsellor reading the transcript misses nothing.
    const workerLine = describeActivity(text, activity.attachments);
    if (workerLine) await store.appendTranscript({ conversationId: conv.id, role: 'worker', text: workerLine, ...(activity.attachments?.length ? { attachments: activity.attachments } : {}), at: now });

    const firstContact = !conv.state.consentShown;
    let turn: Turn;
    try {
      turn = await this.route(ctx);
    } finally {
      // Writes started along the way settle before the transaction ends, also when routing
      // stopped early (a dry run's ModelNeeded): none may fail after its rollback, unheard.
      const settled = await Promise.allSettled(ctx.pending);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed && !dryRun) throw failed.reason;
    }
    if (turn.deleted) {
      live.push(consoleEvent.left(conv.id, now));
      return { replies: turn.replies, outcome: turn.outcome, mode: 'bot', deleted: true };
    }

    if (firstContact && activity.postback !== PAYLOAD.start) {
      // The consent notice is due at first contact, before anything is kept — but never
      // ahead of emergency numbers.
      if (turn.outcome.urgent) turn.replies.push({ text: T.consent });
      else turn.replies.unshift({ text: T.consent });
    }
    conv.state.consentShown = true;
    conv.updatedAt = now;
    await store.saveConversation(conv);
    for (const reply of turn.replies) {
      await store.appendTranscript({ conversationId: conv.id, role: 'bot', text: reply.text, outcome: turn.outcome, ...(reply.choices ? { choices: reply.choices } : {}), at: now });
    }
    // Live lines for the console, in the order they happened: the worker's (also the one that
    // asked for a person, or left), then queued/left, then what the bot said while queued.
    if (workerLine && (isWithPerson(modeBefore) || isWithPerson(conv.mode))) live.push(consoleEvent.message(conv.id, 'worker', workerLine, now));
    live.push(...ctx.events);
    if (isWithPerson(conv.mode)) for (const reply of turn.replies) live.push(consoleEvent.message(conv.id, 'bot', reply.text, now));
    return { replies: turn.replies, outcome: turn.outcome, mode: conv.mode };
  }

  /** A typing indicator: relayed to a counsellor's console, never stored or answered. */
  private typing(activity: Activity, conv: Conversation | undefined, live: ConsoleEvent[]): EngineResult {
    if (conv && isWithPerson(conv.mode)) live.push(consoleEvent.typing(conv.id, this.now()));
    return { replies: [], outcome: { kind: 'smalltalk', handoff: conv?.state.handoff === 'queued' ? 'queued' : 'none', urgent: conv?.urgent ?? false }, mode: conv?.mode ?? 'bot' };
  }

  private async route(ctx: Ctx): Promise<Turn> {
    const { conv, activity } = ctx;
    // A counsellor closed the chat: the satisfaction question is open until answered.
    if (conv.mode === 'closed') conv.state.survey = 'pending';
    if (isSurveyPayload(activity.postback)) return this.survey(ctx, activity.postback);
    if (isWithPerson(conv.mode)) return this.withPerson(ctx);
    if (conv.mode === 'closed') conv.mode = 'bot';
    if (activity.postback) return this.postback(ctx, activity.postback);
    if (!ctx.text) {
      // A picture or file as the message left for a counsellor outside office hours.
      if (activity.attachments?.length && conv.state.ticket?.step === 'message') return this.ticketStep(ctx);
      if (activity.attachments?.length) return say(ctx, [{ text: T.attachment, choices: [CHOICE.handoff] }], 'fallback');
      return say(ctx, [{ text: T.menuPrompt, choices: MAIN_MENU }], 'smalltalk');
    }
    return this.message(ctx);
  }

  /**
   * Queued or with a counsellor: the bot stays quiet, except to let the worker leave, to
   * delete their data (a right that no chat suspends), or to raise an alarm.
   */
  private async withPerson(ctx: Ctx): Promise<Turn> {
    const { conv, forms } = ctx;
    const handoff = 'queued' as const;
    const postback = ctx.activity.postback;
    if (postback === PAYLOAD.confirmDelete || (conv.state.confirm === 'delete-data' && ctx.text && isYes(forms))) return this.delete(ctx);
    if (postback === PAYLOAD.deleteData || (ctx.text && isDeleteRequest(forms))) return this.askDelete(ctx);
    if (conv.state.confirm === 'delete-data' && (postback === PAYLOAD.keepData || (ctx.text && isNo(forms)))) {
      conv.state.confirm = undefined;
      return { replies: [{ text: T.deleteKept }], outcome: { kind: 'smalltalk', handoff, urgent: conv.urgent } };
    }
    if (ctx.activity.postback === PAYLOAD.cancel || (ctx.text && isCancel(forms))) {
      conv.mode = 'bot';
      conv.urgent = false;
      conv.queuedAt = null;
      conv.state.handoff = 'none';
      conv.state.concern = undefined;
      ctx.events.push(consoleEvent.left(conv.id, ctx.now));
      return { replies: [{ text: T.leftQueue, choices: MAIN_MENU }], outcome: { kind: 'handoff', handoff: 'none', urgent: false } };
    }
    const signal = ctx.text ? detectHandoffSignal(forms) : undefined;
    const urgent = signal?.kind === 'urgent' || (!conv.urgent && (await this.understand(ctx))[0]?.urgent === true);
    if (urgent && !conv.urgent) {
      conv.urgent = true;
      conv.state.concern = signal?.kind === 'urgent' ? signal.reason : 'urgent';
      ctx.events.push(consoleEvent.queued(conv.id, conv.channel, true, ctx.now, conv.state.topic));
      return { replies: [{ text: `${T.queuedUrgent}\n\n${T.emergency}`, urgent: true }], outcome: { kind: 'handoff', handoff, urgent: true } };
    }
    return { replies: [], outcome: { kind: 'handoff', handoff, urgent: conv.urgent } };
  }

  private async postback(ctx: Ctx, payload: string): Promise<Turn> {
    const { conv } = ctx;
    // Any other button means the worker moved on from leaving a message.
    if (payload !== PAYLOAD.callbackYes && payload !== PAYLOAD.callbackNo) conv.state.ticket = undefined;
    if (payload === PAYLOAD.start) {
      return say(ctx, [{ text: `${T.greeting}\n\n${T.consent}` }, { text: T.menuPrompt, choices: MAIN_MENU }], 'smalltalk');
    }
    if (payload === PAYLOAD.menu) return say(ctx, [{ text: T.menuPrompt, choices: MAIN_MENU }], 'smalltalk');
    if (payload === PAYLOAD.handoff) return this.queue(ctx, false);
    if (payload === PAYLOAD.declineHandoff) {
      conv.state.handoff = 'none';
      conv.state.concern = undefined;
      return say(ctx, [{ text: T.declined }], 'smalltalk');
    }
    if (payload === PAYLOAD.cancel) return this.cancel(ctx);
    if (payload === PAYLOAD.callbackYes && conv.state.ticket?.step === 'consent') return this.ticketConsent(ctx);
    if (payload === PAYLOAD.callbackNo && conv.state.ticket && conv.state.ticket.step !== 'message') return this.fileTicket(ctx, null);
    if (payload === PAYLOAD.deleteData) return this.askDelete(ctx);
    if (payload === PAYLOAD.confirmDelete) return this.delete(ctx);
    if (payload === PAYLOAD.keepData) {
      conv.state.confirm = undefined;
      return say(ctx, [{ text: T.deleteKept }], 'smalltalk');
    }
    if (payload === PAYLOAD.unfollow) return { replies: [], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false } };
    if (payload.startsWith(PAYLOAD.faq)) {
      const id = payload.slice(PAYLOAD.faq.length);
      const entry = this.opts.kb.get(id);
      if (entry && this.opts.kb.isServable(id, ctx.day)) return this.answer(ctx, { entryId: id, confidence: 1 });
    }
    if (payload.startsWith(PAYLOAD.calc)) {
      const turn = this.calculators.start(payload.slice(PAYLOAD.calc.length), '', conv.state, ctx.day);
      if (turn) return this.flowTurn(ctx, turn);
    }
    if (payload.startsWith(PAYLOAD.set) && conv.state.flow) {
      const turn = this.calculators.answerPostback(payload.slice(PAYLOAD.set.length), conv.state, ctx.day);
      if (turn) return this.flowTurn(ctx, turn);
    }
    if (payload.startsWith(PAYLOAD.topic)) {
      const menu = topicMenu(this.opts.kb, payload.slice(PAYLOAD.topic.length), ctx.day);
      if (menu) {
        conv.state.lastChoices = menu.choices?.map((c) => c.payload.slice(PAYLOAD.faq.length));
        return say(ctx, [menu], 'smalltalk');
      }
    }
    return say(ctx, [{ text: T.unknownChoice, choices: MAIN_MENU }], 'fallback');
  }

  private async message(ctx: Ctx): Promise<Turn> {
    const { conv, forms } = ctx;
    const state = conv.state;

    // Commands typed as words.
    if (state.confirm === 'delete-data') {
      if (isYes(forms)) return this.delete(ctx);
      state.confirm = undefined;
      if (isNo(forms) || isCancel(forms)) return say(ctx, [{ text: T.deleteKept }], 'smalltalk');
    }
    if (isDeleteRequest(forms)) return this.askDelete(ctx);
    if (isCancel(forms)) return this.cancel(ctx);
    if (isMenuRequest(forms)) {
      state.ticket = undefined;
      return say(ctx, [{ text: T.menuPrompt, choices: MAIN_MENU }], 'smalltalk');
    }

    // Safety and explicit requests come before anything else the worker might be in the middle of.
    const signal = detectHandoffSignal(forms);
    if (signal?.kind === 'urgent') return this.queue(ctx, true, signal.reason);
    if (state.ticket) return this.ticketStep(ctx);
    if (signal?.kind === 'explicit') return this.queue(ctx, false, 'asked');
    // The model's second opinion can only raise the alarm or offer a person, never lower either.
    const [understood, semantic] = await this.understand(ctx, true);
    if (understood?.urgent) return this.queue(ctx, true, 'urgent');
    const sensitive = signal?.kind === 'sensitive' ? signal.reason : understood?.sensitive === true ? 'sensitive' : undefined;

    if (state.handoff === 'offered') {
      if (isYes(forms)) return this.queue(ctx, false);
      if (isNo(forms)) {
        state.handoff = 'none';
        state.concern = undefined;
        return say(ctx, [{ text: T.declined }], 'smalltalk');
      }
      state.handoff = 'none';
      state.concern = undefined;
    }

    const picked = pickedNumber(forms);
    if (picked !== undefined && state.lastChoices && !state.flow) {
      const id = state.lastChoices[picked - 1];
      if (id && this.opts.kb.isServable(id, ctx.day)) return this.answer(ctx, { entryId: id, confidence: 1 });
    }

    const lexical = this.retriever.retrieve(ctx.text, ctx.day, state, semantic);
    const retrieval = this.retriever.withRestatement(lexical, ctx.text, understood?.standalone, ctx.day);

    if (state.flow) {
      const turn = this.calculators.continue(ctx.text, state, ctx.day, retrieval.decision === 'answer' && retrieval.confidence >= 0.75, await this.valueHints(ctx));
      if (turn) return this.flowTurn(ctx, turn);
    }
    const started = this.calculators.detect(ctx.text, forms, state, ctx.day, retrieval);
    if (started) return this.flowTurn(ctx, started);

    if (sensitive) return this.sensitive(ctx, retrieval, sensitive);

    // A message that is nothing but small talk ("cảm ơn", "ok") asks nothing: only a reading of
    // its own words may outrank it, never one lent by the conversation's subject (a thank-you
    // after an answer on unemployment benefit once got that subject's next entry).
    const talk = smallTalk(forms);
    if (talk && (retrieval.decision !== 'answer' || retrieval.usedContext)) {
      const text = { hello: T.hello, thanks: T.thanks, bye: T.bye, who: T.whoAmI, ack: T.ack }[talk];
      return say(ctx, [{ text, choices: talk === 'hello' || talk === 'who' ? MAIN_MENU : undefined }], 'smalltalk');
    }

    if (retrieval.decision === 'answer' && retrieval.entryId) return this.fluent(ctx, this.answer(ctx, { entryId: retrieval.entryId, confidence: retrieval.confidence, alsoOffer: retrieval.alsoOffer }));
    if (retrieval.decision === 'clarify') return this.clarify(ctx, retrieval);
    return this.fallback(ctx, retrieval);
  }

  // ---- hooks for the optional language model (src/knowledge/llm); each is a no-op without one ----

  /** Resolves when the language model's prepared state (the embeddings index) is ready; at once without a model. */
  async modelReady(): Promise<void> {
    await this.opts.assist?.warm();
  }

  /**
   * The model's reading of the message in its conversation (its recent transcript), and with
   * `similarity` the semantic similarity of the text to each entry, asked together.
   */
  private async understand(ctx: Ctx, similarity = false): Promise<[Understanding | undefined, Map<string, number> | undefined]> {
    if (!this.opts.assist) return [undefined, undefined];
    const requests: ModelRequest[] = [];
    if (ctx.text.length >= 4) {
      const recent = await ctx.store.transcript(ctx.conv.id, 6);
      const conversation: ModelTurn[] = recent
        .filter((m) => m.role === 'worker' || m.role === 'bot')
        .map((m) => ({ from: m.role === 'worker' ? ('worker' as const) : ('bot' as const), text: m.text.slice(0, 600) }));
      if (conversation.at(-1)?.text !== ctx.text.slice(0, 600)) conversation.push({ from: 'worker', text: ctx.text.slice(0, 600) });
      requests.push({ kind: 'understand', conversation });
    }
    if (similarity) requests.push({ kind: 'similarity', text: ctx.text });
    const answers = await this.ask(ctx, requests);
    const pick = (kind: ModelRequest['kind']) => answers[requests.findIndex((r) => r.kind === kind)];
    return [pick('understand') as Understanding | undefined, pick('similarity') as Map<string, number> | undefined];
  }

  /** Calculator values the model reads where the flow's own parser found none. */
  private async valueHints(ctx: Ctx): Promise<Record<string, unknown>> {
    const fields = this.opts.assist ? this.calculators.unreadFields(ctx.text, ctx.conv.state) : [];
    if (fields.length === 0) return {};
    const [values] = await this.ask(ctx, [{ kind: 'values', fields, text: ctx.text }]);
    return (values as Record<string, unknown> | undefined) ?? {};
  }

  /**
   * The model's answers to `requests`, in order. Gathered beforehand (prepare): looked up, and
   * a dry run stops at the first questions not asked yet. Otherwise asked here and now.
   */
  private async ask(ctx: Ctx, requests: ModelRequest[]): Promise<unknown[]> {
    const assist = this.opts.assist;
    if (!assist || requests.length === 0) return requests.map(() => undefined);
    const { models } = ctx;
    if (!models) return Promise.all(requests.map((r) => askModel(assist, r)));
    const missing = requests.filter((r) => !models.has(r));
    // In the real run a question missing means the conversation changed since the rehearsal
    // (a counsellor's move, a newer transcript line): the deterministic result stands.
    if (missing.length > 0 && ctx.dryRun) throw new ModelNeeded(missing);
    return requests.map((r) => models.get(r));
  }

  /** The curated answer reworded for the worker's message, when the reword passes the grounding check. */
  private async fluent(ctx: Ctx, turn: Turn): Promise<Turn> {
    const reply = turn.replies[0];
    const entry = turn.outcome.faqId ? this.opts.kb.get(turn.outcome.faqId) : undefined;
    if (!this.opts.assist || !reply || !entry) return turn;
    // The review note is ours to add, whatever the model writes.
    const note = entry.review.state === 'needed' ? `\n\n${T.reviewNeeded}` : '';
    const answer = note && reply.text.endsWith(note) ? reply.text.slice(0, -note.length) : reply.text;
    const [text] = await this.ask(ctx, [{ kind: 'compose', input: { message: ctx.text, question: entry.question, answer, citations: reply.citations ?? [] } }]);
    if (typeof text === 'string' && text) reply.text = text + note;
    return turn;
  }

  private answer(ctx: Ctx, hit: { entryId: string; confidence: number; alsoOffer?: string }): Turn {
    const { kb } = this.opts;
    const entry = kb.get(hit.entryId)!;
    const state = ctx.conv.state;
    state.topic = entry.topic;
    state.lastFaqId = entry.id;
    state.misses = 0;
    state.lastChoices = undefined;
    const reply = renderEntry(kb, entry, ctx.day, hit.alsoOffer);
    const offered = entry.offer_counsellor || entry.review.state === 'needed';
    if (offered) state.handoff = 'offered';
    return {
      replies: [reply],
      outcome: { kind: 'answer', handoff: offered ? 'offered' : 'none', urgent: false, faqId: entry.id, confidence: round(hit.confidence), topic: entry.topic },
    };
  }

  private clarify(ctx: Ctx, r: Retrieval): Turn {
    const state = ctx.conv.state;
    state.misses += 1;
    state.lastChoices = r.candidates.map((c) => c.entry.id);
    ctx.pending.push(this.recordUnanswered(ctx, r.confidence));
    const choices = r.candidates.map((c, i) => ({ label: `${i + 1}. ${c.entry.question.replace(/\s*\?+$/, '')}`, payload: `${PAYLOAD.faq}${c.entry.id}` }));
    const offer = state.misses > MISSES_BEFORE_OFFER;
    if (offer) {
      choices.push(CHOICE.handoff);
      state.handoff = 'offered';
    }
    return {
      replies: [{ text: T.clarify, choices }],
      outcome: { kind: 'clarify', handoff: offer ? 'offered' : 'none', urgent: false, confidence: round(r.confidence), topic: r.candidates[0]?.entry.topic },
    };
  }

  private fallback(ctx: Ctx, r: Retrieval): Turn {
    const state = ctx.conv.state;
    state.misses += 1;
    ctx.pending.push(this.recordUnanswered(ctx, r.confidence));
    const offer = state.misses >= MISSES_BEFORE_OFFER || isFrustrated(ctx.forms);
    if (offer) {
      state.handoff = 'offered';
      return {
        replies: [{ text: T.offerAfterMisses, choices: [CHOICE.handoff, CHOICE.declineHandoff] }],
        outcome: { kind: 'fallback', handoff: 'offered', urgent: false, confidence: round(r.confidence) },
      };
    }
    const text = r.outOfScope ? T.outOfScope : T.fallback;
    return { replies: [{ text, choices: MAIN_MENU }], outcome: { kind: 'fallback', handoff: 'none', urgent: false, confidence: round(r.confidence) } };
  }

  /** A sensitive matter: what general information the KB has, then the offer of a counsellor. */
  private sensitive(ctx: Ctx, r: Retrieval, concern: Concern): Turn {
    const state = ctx.conv.state;
    const replies: Reply[] = [];
    let faqId: string | undefined;
    if (r.decision !== 'fallback' && r.candidates[0]) {
      const entry = r.candidates[0].entry;
      faqId = entry.id;
      const reply = renderEntry(this.opts.kb, entry, ctx.day);
      reply.choices = undefined;
      replies.push(reply);
      state.topic = entry.topic;
      state.lastFaqId = entry.id;
    }
    replies.push({ text: T.offerSensitive, choices: [CHOICE.handoff, CHOICE.declineHandoff] });
    state.handoff = 'offered';
    state.concern = concern;
    state.misses = 0;
    return {
      replies,
      outcome: { kind: faqId ? 'answer' : 'handoff', handoff: 'offered', urgent: false, faqId, confidence: faqId ? round(r.confidence) : undefined, topic: state.topic },
    };
  }

  /** `concern`: why, for the console's queue; without one, the concern of a pending offer, or the worker asked. */
  private async queue(ctx: Ctx, urgent: boolean, concern?: Concern): Promise<Turn> {
    const { conv } = ctx;
    // Outside office hours a request waits as a message; danger to life never waits.
    const office = this.opts.handoff?.hours?.status(ctx.now);
    if (office && !office.open && !urgent) return this.offHours(ctx, office.opensAt);
    conv.state.ticket = undefined;
    conv.mode = 'queued';
    // Why, for the console's queue: a chat already urgent keeps its reason; otherwise the one
    // given, else the one of the offer the worker accepted (or of the queue it is in).
    if (!conv.urgent) conv.state.concern = concern ?? (conv.state.handoff !== 'none' ? conv.state.concern : undefined) ?? 'asked';
    conv.urgent = conv.urgent || urgent;
    conv.queuedAt = conv.queuedAt ?? ctx.now;
    conv.state.handoff = 'queued';
    conv.state.flow = undefined;
    await ctx.store.saveConversation(conv);
    ctx.events.push(consoleEvent.queued(conv.id, conv.channel, conv.urgent, ctx.now, conv.state.topic));
    if (conv.urgent) {
      const text = [T.emergency, T.queuedUrgent, ...(office && !office.open ? [T.urgentOffHours] : [])].join('\n\n');
      return { replies: [{ text, urgent: true }], outcome: { kind: 'handoff', handoff: 'queued', urgent: true, topic: conv.state.topic } };
    }
    // Urgent chats first, then by waiting time: the Store's queue order.
    const queue = await ctx.store.queue();
    const position = Math.max(1, queue.findIndex((c) => c.id === conv.id) + 1);
    const wait = waitInWords(await this.expectedWait(ctx));
    return { replies: [{ text: T.queued(position, wait), choices: [CHOICE.cancel] }], outcome: { kind: 'handoff', handoff: 'queued', urgent: false, topic: conv.state.topic } };
  }

  /** Outside office hours: when counsellors are back, and an offer to leave a message. */
  private offHours(ctx: Ctx, opensAt: Date | undefined): Turn {
    const state = ctx.conv.state;
    state.handoff = 'none';
    state.flow = undefined;
    state.ticket = { step: 'message' };
    const text = T.offHours(opensAt ? openingInWords(opensAt, ctx.now) : undefined);
    return { replies: [{ text, choices: [CHOICE.cancel] }], outcome: { kind: 'handoff', handoff: 'none', urgent: false, topic: state.topic } };
  }

  /**
   * Leaving a message outside office hours: the message, then a yes/no on a call-back, then
   * the phone number — asked only after an explicit yes.
   */
  private async ticketStep(ctx: Ctx): Promise<Turn> {
    const { forms } = ctx;
    const ticket = ctx.conv.state.ticket!;
    if (ticket.step === 'message') {
      ticket.message = describeActivity(ctx.text, ctx.activity.attachments);
      ticket.step = 'consent';
      return say(ctx, [{ text: T.askCallback, choices: [CHOICE.callbackYes, CHOICE.callbackNo] }], 'handoff');
    }
    const phone = findPhones(ctx.text)[0];
    if (ticket.step === 'consent') {
      // "có, 0912 345 678" is a yes with the number; a bare number is not yet a yes.
      const rest = textForms(phone ? ctx.text.replace(phone, ' ').replace(/[,.;:!]/g, ' ') : ctx.text);
      if (isYes(rest)) return phone ? this.fileTicket(ctx, phone) : this.ticketConsent(ctx);
      if (isNo(forms)) return this.fileTicket(ctx, null);
      return say(ctx, [{ text: T.askYesNo, choices: [CHOICE.callbackYes, CHOICE.callbackNo] }], 'handoff');
    }
    if (phone) return this.fileTicket(ctx, phone);
    if (isNo(forms)) return this.fileTicket(ctx, null);
    ticket.tries = (ticket.tries ?? 0) + 1;
    if (ticket.tries >= 2) return this.fileTicket(ctx, null);
    return say(ctx, [{ text: T.phoneUnreadable, choices: [CHOICE.callbackNo] }], 'handoff');
  }

  private ticketConsent(ctx: Ctx): Turn {
    ctx.conv.state.ticket = { ...ctx.conv.state.ticket!, step: 'phone', tries: 0 };
    return say(ctx, [{ text: T.askPhone, choices: [CHOICE.callbackNo] }], 'handoff');
  }

  /** The ticket for the console's list: the phone only with consent (and then kept in full). */
  private async fileTicket(ctx: Ctx, phone: string | null): Promise<Turn> {
    const { conv } = ctx;
    const draft = conv.state.ticket;
    conv.state.ticket = undefined;
    const outcome: Outcome = { kind: 'handoff', handoff: 'none', urgent: false, topic: conv.state.topic };
    if (!ctx.records || !draft?.message) return { replies: [{ text: T.ticketNotSaved, choices: MAIN_MENU }], outcome };
    // Without consent to a call-back, a number written in the message is not kept either.
    const message = phone ? draft.message : findPhones(draft.message).reduce((m, p) => m.replace(p, PLACEHOLDERS.phone), draft.message);
    const ticket = await ctx.records.createTicket({ conversationId: conv.id, channel: conv.channel, userId: conv.userId, message, phone: phone ? phone.replace(/[\s.()-]/g, '') : null, at: ctx.now });
    // The logger redacts the number; the ticket keeps it for the counsellor. A rehearsal's ticket is rolled back.
    if (!ctx.dryRun) this.opts.logger?.info({ ticketId: ticket.id, conversationId: conv.id, channel: conv.channel, phone: ticket.phone }, 'call-back ticket created');
    // Open consoles show the new ticket at once (after the turn commits, like queue events).
    ctx.events.push(consoleEvent.ticket(conv.id, ticket.id, conv.channel, ticket.phone !== null, ctx.now));
    const opensAt = this.opts.handoff?.hours?.status(ctx.now).opensAt;
    const when = opensAt ? openingInWords(opensAt, ctx.now) : undefined;
    return { replies: [{ text: T.ticketCreated(when, ticket.phone !== null), choices: MAIN_MENU }], outcome };
  }

  /** From recent waits between queueing and claim, else the configured default. */
  private async expectedWait(ctx: Ctx): Promise<WaitRange> {
    const { now, records } = ctx;
    const fallback = this.opts.handoff?.defaultWait ?? DEFAULT_WAIT;
    const recent = records ? await records.recentWaitMinutes(new Date(now.getTime() - WAIT_LOOKBACK_MS)) : [];
    return estimateWait(recent, fallback);
  }

  /**
   * A SURVEY:n button: recorded once per close, in any mode, then back to the bot (a chat
   * still with a counsellor stays with them). A malformed payload changes nothing.
   */
  private async survey(ctx: Ctx, payload: string): Promise<Turn> {
    const { conv } = ctx;
    const rating = surveyRating(payload);
    const quiet = { kind: 'smalltalk' as const, handoff: conv.state.handoff === 'queued' ? ('queued' as const) : ('none' as const), urgent: conv.urgent };
    if (rating === undefined) return { replies: [{ text: SURVEY_TEXT.invalid }], outcome: { ...quiet, kind: 'fallback' } };
    if (conv.state.survey !== 'pending') return { replies: [{ text: SURVEY_TEXT.alreadyRated }], outcome: quiet };
    await ctx.records?.recordRating({ conversationId: conv.id, channel: conv.channel, userId: conv.userId, rating, at: ctx.now });
    conv.state.survey = undefined;
    const text = rating <= 2 ? SURVEY_TEXT.thanksLow : SURVEY_TEXT.thanks;
    if (isWithPerson(conv.mode)) return { replies: [{ text }], outcome: quiet };
    conv.mode = 'bot';
    conv.state.handoff = 'none';
    return { replies: [{ text, choices: MAIN_MENU }], outcome: { ...quiet, handoff: 'none' } };
  }

  private cancel(ctx: Ctx): Turn {
    const state = ctx.conv.state;
    const had = state.flow || state.handoff === 'offered' || state.ticket;
    state.flow = undefined;
    state.ticket = undefined;
    state.handoff = 'none';
    state.concern = undefined;
    return say(ctx, [{ text: had ? T.cancelled : T.nothingToCancel, choices: MAIN_MENU }], 'smalltalk');
  }

  private askDelete(ctx: Ctx): Turn {
    ctx.conv.state.confirm = 'delete-data';
    return say(ctx, [{ text: T.deleteConfirm, choices: [CHOICE.confirmDelete, CHOICE.keepData] }], 'smalltalk');
  }

  private async delete(ctx: Ctx): Promise<Turn> {
    await ctx.store.deleteUserData(ctx.activity.channel, ctx.activity.userId);
    return { replies: [{ text: T.deleted }], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, deleted: true };
  }

  private flowTurn(ctx: Ctx, turn: FlowTurn): Turn {
    const state = ctx.conv.state;
    state.misses = 0;
    return { replies: turn.replies, outcome: { kind: 'flow', handoff: 'none', urgent: false, flow: turn.flow, topic: state.topic } };
  }

  private async recordUnanswered(ctx: Ctx, confidence: number): Promise<void> {
    await ctx.store.recordUnanswered({
      conversationId: ctx.conv.id,
      channel: ctx.activity.channel,
      text: redactPII(ctx.text),
      confidence: round(confidence),
      at: ctx.now,
    });
  }
}

function say(ctx: Ctx, replies: Reply[], kind: Outcome['kind']): Turn {
  return { replies, outcome: { kind, handoff: ctx.conv.state.handoff === 'offered' ? 'offered' : 'none', urgent: false } };
}

function newConversation(a: Activity, now: Date): Conversation {
  const state: ConversationState = { misses: 0, handoff: 'none', consentShown: false };
  return { id: `${a.channel}:${a.conversationId}`, channel: a.channel, userId: a.userId, mode: 'bot' as ConversationMode, urgent: false, state, createdAt: now, updatedAt: now, queuedAt: null };
}

const isWithPerson = (mode: ConversationMode) => mode === 'queued' || mode === 'human';

const serialKey = (a: Activity) => `${a.channel}:${a.conversationId}`;

function askModel(assist: LanguageAssist, r: ModelRequest): Promise<unknown> {
  switch (r.kind) {
    case 'understand':
      return assist.understand(r.conversation);
    case 'similarity':
      return assist.similarity(r.text);
    case 'values':
      return assist.values(r.fields, r.text);
    case 'compose':
      return assist.compose(r.input);
  }
}

/** The handoff records over the Store's own database, when it is the SQL store. */
function recordsOf(store: Store): HandoffRecords | undefined {
  const db = (store as Partial<SqlStore>).db;
  return db ? new HandoffRecords(db) : undefined;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export interface CreateEngineOptions {
  store: Store;
  kbDir?: string;
  rulesDir?: string;
  now?: () => Date;
  /** Receives warnings found while loading the knowledge base (and, with info, handoff notes). */
  logger?: { warn(obj: object, msg?: string): void; info?(obj: object, msg?: string): void };
  coordinator?: Coordinator;
  records?: HandoffRecords;
  handoff?: HandoffSettings;
  /** Language model settings (from OPENAI_API_KEY…); none: the deterministic engine alone. */
  llm?: LlmSettings;
  /** Where parsed knowledge files and analysed texts are kept between runs (main: DATA_DIR/cache); none: computed every time. */
  cacheDir?: string;
}

/** Loads the knowledge and builds an engine; throws KnowledgeError when the data has errors. */
export function createEngine(options: CreateEngineOptions): Engine {
  const cache = options.cacheDir ? KnowledgeCache.open(options.cacheDir) : undefined;
  const paths = { kbDir: options.kbDir ?? DEFAULT_PATHS.kbDir, rulesDir: options.rulesDir ?? DEFAULT_PATHS.rulesDir };
  const { kb, rules, problems } = withParseCache(cache, () => loadKnowledgeOrThrow(paths));
  const warnings = problems.filter((p) => p.severity === 'warning');
  if (warnings.length > 0) options.logger?.warn({ count: warnings.length, first: warnings.slice(0, 5).map(formatProblem) }, 'knowledge base warnings');
  const { store, now, coordinator, records, handoff, logger } = options;
  const engineLogger = logger ? { warn: logger.warn.bind(logger), info: (logger.info ?? (() => undefined)).bind(logger) } : undefined;
  const assist = options.llm ? new ModelAssist(options.llm, kb.entries, { logger, now }) : undefined;
  // Embeddings are computed (or read from the cache) in the background; search is lexical meanwhile.
  void assist?.warm();
  const index = cache ? { analyse: (text: string) => cache.analysis(text, analyzeForIndex) } : undefined;
  const engine = new Engine({ store, kb, rules, now, coordinator, records, handoff, logger: engineLogger, assist, index });
  // Build today's index now, so the first worker does not wait for it.
  engine.retriever.indexFor(vnDay(options.now?.() ?? new Date()));
  try {
    cache?.save();
  } catch (err) {
    // Only the next start-up's speed depends on it.
    logger?.warn({ err }, 'knowledge cache not written');
  }
  return engine;
}
