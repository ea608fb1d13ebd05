/**
 * The conversational side of a calculator: take every value the worker already gave, in any
 * order and in one message; ask only for what is missing (with buttons where the answer is
 * one of a few); leave on "hủy"/"thôi"; show the result with its working and legal basis.
 * The arithmetic itself lives in src/knowledge/calculators as pure functions.
 */
import type { Choice } from '../activity.js';
import type { TextForms } from '../handoff/triggers.js';

export type Values = Record<string, unknown>;

export interface FieldSpec {
  /** The question to ask when the value is missing. */
  prompt: string;
  /** Buttons; each payload is SET:<field>:<value> and `fromChoice` turns the value back. */
  choices?: Array<{ label: string; value: string }>;
  /** Reads an answer typed to this question; undefined when it does not contain one. */
  parse(text: string, forms: TextForms): unknown;
  /** Turns a button's value into the field's value. */
  fromChoice?(value: string): unknown;
}

/** A calculator's result as the flow shows it. */
export type Computation =
  | { ok: true; summary: string; working: string[]; notes: string[]; citations: string[] }
  | { ok: false; missing: string[] };

export interface CalculatorSpec {
  name: string;
  /** Shown when the flow starts asking: "Mình tính trợ cấp thất nghiệp cho bạn nhé." */
  intro: string;
  fields: Record<string, FieldSpec>;
  /**
   * Whether words alone (no figure) are values enough to start unasked. Only the notice
   * calculator, whose inputs are who leaves and the contract type; elsewhere a word like
   * "ca đêm" names a topic and the worker is asking the rule.
   */
  wordsAreValues?: boolean;
  /** Values found anywhere in a free-text message. */
  extract(text: string, forms: TextForms): Values;
  compute(values: Values, day: string): Computation;
}

export function choiceButtons(field: string, spec: FieldSpec): Choice[] | undefined {
  return spec.choices?.map((c) => ({ label: c.label, payload: `SET:${field}:${c.value}` }));
}
