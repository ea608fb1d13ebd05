/**
 * Runs the calculator flows: starting one (from a button, or when a message asks for a
 * computation), continuing it with the worker's answers, and leaving it.
 */
import type { Reply } from '../activity.js';
import type { ConversationState } from '../../store/types.js';
import type { TextForms } from '../handoff/triggers.js';
import { textForms } from '../handoff/triggers.js';
import { asksForCalculation } from '../intents.js';
import type { Retrieval } from '../retrieval.js';
import { CHOICE, T } from '../texts.js';
import { choiceButtons, type CalculatorSpec, type Computation, type Values } from './flow.js';

export interface FlowTurn {
  replies: Reply[];
  flow: string;
  done: boolean;
}

/** After this many unreadable answers the flow steps aside. */
const MAX_REASKS = 2;

export class CalculatorFlows {
  private readonly specs: Map<string, CalculatorSpec>;

  constructor(
    specs: CalculatorSpec[],
    /** Which calculator a message's words point to, if any ("thôi việc" → severance). */
    private readonly guess: (forms: TextForms) => string | undefined,
  ) {
    this.specs = new Map(specs.map((s) => [s.name, s]));
  }

  /** Starts `name`, using any values already in `text`. */
  start(name: string, text: string, state: ConversationState, day: string): FlowTurn | undefined {
    const spec = this.specs.get(name);
    if (!spec) return undefined;
    const values = text ? spec.extract(text, textForms(text)) : {};
    return this.step(spec, values, state, day, true);
  }

  /**
   * A message while a flow is active. Returns undefined when the message is not an answer
   * to the flow (the flow is left and the engine routes the message as usual).
   */
  /**
   * The fields a language model may read from this message: those the active flow still
   * lacks, when its own parser found no answer to the question asked. Empty otherwise.
   */
  unreadFields(text: string, state: ConversationState): string[] {
    const flow = state.flow;
    const spec = flow && this.specs.get(flow.name);
    if (!flow || !spec) return [];
    const forms = textForms(text);
    const found = spec.extract(text, forms);
    if (flow.asked && (found[flow.asked] !== undefined || spec.fields[flow.asked]?.parse(text, forms) !== undefined)) return [];
    return Object.keys(spec.fields).filter((f) => flow.values[f] === undefined);
  }

  /** `hints`: values a language model read; the flow's own parser wins wherever it found one. */
  continue(text: string, state: ConversationState, day: string, looksLikeNewQuestion: boolean, hints: Values = {}): FlowTurn | undefined {
    const flow = state.flow;
    const spec = flow && this.specs.get(flow.name);
    if (!flow || !spec) {
      state.flow = undefined;
      return undefined;
    }
    const forms = textForms(text);
    // A value typed in answer to the question asked, plus anything else the message says.
    const fromModel = Object.fromEntries(Object.entries(hints).filter(([k]) => k in spec.fields));
    const found: Values = { ...fromModel, ...spec.extract(text, forms) };
    const asked = flow.asked ? spec.fields[flow.asked] : undefined;
    if (flow.asked && asked && found[flow.asked] === undefined) {
      const v = asked.parse(text, forms);
      if (v !== undefined) found[flow.asked] = v;
    }
    if (Object.keys(found).length === 0) {
      if (looksLikeNewQuestion) {
        state.flow = undefined;
        return undefined;
      }
      flow.turns += 1;
      if (flow.turns > MAX_REASKS) {
        state.flow = undefined;
        return undefined;
      }
      return this.step(spec, flow.values, state, day, false, true);
    }
    return this.step(spec, { ...flow.values, ...found }, state, day, false);
  }

  /** A tapped button: SET:<field>:<value> (the SET: prefix already removed). */
  answerPostback(rest: string, state: ConversationState, day: string): FlowTurn | undefined {
    const flow = state.flow;
    const spec = flow && this.specs.get(flow.name);
    const sep = rest.indexOf(':');
    if (!flow || !spec || sep < 0) return undefined;
    const field = rest.slice(0, sep);
    const fieldSpec = spec.fields[field];
    if (!fieldSpec) return undefined;
    const raw = rest.slice(sep + 1);
    const value = fieldSpec.fromChoice ? fieldSpec.fromChoice(raw) : raw;
    if (value === undefined) return undefined;
    return this.step(spec, { ...flow.values, [field]: value }, state, day, false);
  }

  /**
   * Starts a calculator when a message asks for a computation and gives values
   * ("lương 10 triệu đóng 5 năm thì được bao nhiêu?"): the calculator of the entry the
   * question retrieves, or the one whose words the message uses.
   */
  detect(text: string, forms: TextForms, state: ConversationState, day: string, retrieval: Retrieval): FlowTurn | undefined {
    const topFlow = retrieval.candidates[0]?.entry.flow;
    const guessed = this.guess(forms);
    const name = guessOrTop(guessed, topFlow, retrieval);
    if (!name) return undefined;
    const spec = this.specs.get(name);
    if (!spec) return undefined;
    // "tính trợ cấp thất nghiệp giúp em": an explicit request starts the flow without values.
    const explicit = guessed === name && asksToCompute(forms);
    // A rule question goes to the KB whatever figures it holds: no need to read them.
    if (!explicit && RULE_QUESTION.test(forms.folded)) return undefined;
    const values = spec.extract(text, forms);
    if (!explicit && !asksForAmountWithFigures(spec, forms, values)) return undefined;
    return this.step(spec, values, state, day, true);
  }

  private step(spec: CalculatorSpec, values: Values, state: ConversationState, day: string, starting: boolean, reask = false): FlowTurn {
    const result: Computation = spec.compute(values, day);
    if (result.ok) {
      state.flow = undefined;
      const text = [result.summary, result.working.length ? `Cách tính:\n${result.working.map((w) => `- ${w}`).join('\n')}` : '', ...result.notes]
        .filter(Boolean)
        .join('\n\n');
      return { replies: [{ text, citations: result.citations }], flow: spec.name, done: true };
    }
    const field = result.missing[0]!;
    const fieldSpec = spec.fields[field]!;
    const turns = reask ? (state.flow?.turns ?? 0) : 0;
    state.flow = { name: spec.name, values, asked: field, turns };
    const prefix = reask ? T.flowReask : starting ? `${spec.intro} ` : '';
    const choices = [...(choiceButtons(field, fieldSpec) ?? []), CHOICE.cancel];
    return { replies: [{ text: `${prefix}${fieldSpec.prompt}`, choices }], flow: spec.name, done: false };
  }
}

function guessOrTop(guessed: string | undefined, topFlow: string | undefined, retrieval: Retrieval): string | undefined {
  if (guessed) return guessed;
  if (topFlow && retrieval.confidence >= 0.3) return topFlow;
  return undefined;
}

/**
 * "Tính giúp em…", "tính trợ cấp thất nghiệp": the imperative, not "tính thế nào" (how is it
 * computed: a question for the KB) and not "tỉnh" (province), which folds to the same letters.
 */
function asksToCompute(forms: TextForms): boolean {
  if (forms.accented && !/(^|\s)tính(\s|$)/.test(forms.normal)) return false;
  const m = /(?:^|\s)tinh(?:\s+(giup|dum|ho|thu|cho|xem|luon))?(?:\s+(\S+))?/.exec(forms.folded);
  if (!m) return false;
  // "tính … dựa trên lương nào", "tính thế nào": asking how, not asking us to compute.
  if (/dua tren|dua vao|the nao|ra sao|ntn|cach tinh|luong nao|nhu nao/.test(forms.folded)) return false;
  if (m[1]) return true;
  const next = m[2] ?? '';
  const atStart = /^(?:(?:ad|admin|ban|tro ly)\s+)?(?:(?:oi|hay|giup|em|toi|minh|muon|can|nho|cho)\s+)*tinh(\s|$)/.test(forms.folded);
  return atStart && !['the', 'sao', 'nhu', 'ntn', 'theo', 'tu', 'sai', 'lai', 'bang', 'la'].includes(next);
}

/**
 * Questions about the rule itself, even when they carry a figure: a rate ("mấy phần trăm",
 * "%"), how or by which base something is computed ("tính thế nào", "tính theo số nào"),
 * yes/no ("có phép năm chưa", "có còn phải trả … không"), either-or ("… hay có mức trần"),
 * limits and time windows ("giới hạn", "từ mấy giờ"). These belong to the KB.
 */
const RULE_QUESTION = new RegExp(
  [
    'phan tram', '%',
    '(the|ra|nhu) (nao|sao)', '(tinh|la|tra|huong) sao', '(^|\\s)ntn(\\s|$)',
    '(theo|tren|dua tren) (so|muc|luong|khoan|cai) nao',
    '(^|\\s)co(\\s.*)?\\s(khong|ko|k|hok|chua)\\s*(a|vay|ha|nhi|nhe|ad|ban)?\\s*\\??$',
    '(^|\\s)co (duoc|phai|con) [^?]*(khong|ko|chua)(\\s|$)',
    '\\S\\s+(hay|hoac) (la |phai |co |chi |duoc |bi )',
    'gioi han', 'toi da', 'may gio den', 'tu may gio',
  ].join('|'),
);

/** A figure the worker gave (a wage, a duration, hours), not just a topic word. */
function hasFigures(spec: CalculatorSpec, values: Values): boolean {
  const given = Object.values(values);
  return spec.wordsAreValues ? given.length > 0 : given.some((v) => typeof v === 'number');
}

/**
 * A flow starts unasked only when the worker wants an amount or a count worked out for them
 * and gave figures to work with ("lương 10 triệu đóng 5 năm thì được bao nhiêu?"); a rule
 * question that happens to hold a number ("mới vào 7 tháng có phép năm chưa") goes to the KB.
 * Two figures without a question word ("lương 10tr đóng 5 năm") still read as a request.
 */
function asksForAmountWithFigures(spec: CalculatorSpec, forms: TextForms, values: Values): boolean {
  if (!hasFigures(spec, values) || RULE_QUESTION.test(forms.folded)) return false;
  return asksForCalculation(forms) || Object.keys(values).length >= 2;
}
