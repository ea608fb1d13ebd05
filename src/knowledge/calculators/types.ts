/**
 * What every calculator returns: a result with its working and legal basis, or the list of
 * inputs still needed. The conversational flow asks for exactly the `missing` fields, first
 * one first, so a calculator lists a field only when the answer depends on it.
 */
import type { Citation } from '../kb/schema.js';

export interface CalcOk<V> {
  ok: true;
  /** The computed figures, for callers that build their own text (console, tests). */
  values: V;
  /** One Vietnamese sentence with the result. */
  summary: string;
  /** The formula, step by step, with the numbers formatted vi-VN ("60% × 15.000.000 đ = 9.000.000 đ"). */
  working: string[];
  /** Every provision the result rests on, without duplicates. */
  citations: Citation[];
  /** Conditions and caveats the worker must know, including values still under review. */
  notes: string[];
}

export interface CalcMissing<F extends string> {
  ok: false;
  /** Inputs to ask for, most important first. */
  missing: F[];
}

export type CalcResult<F extends string, V = unknown> = CalcOk<V> | CalcMissing<F>;
