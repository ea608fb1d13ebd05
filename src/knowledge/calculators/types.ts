/** What every calculator returns: a result with its working and legal basis, or what is missing. */
import type { Citation } from '../kb/schema.js';

export type CalcResult<F extends string> =
  | {
      ok: true;
      /** One Vietnamese sentence with the result. */
      summary: string;
      /** The formula, step by step, with the numbers. */
      working: string[];
      /** Conditions and caveats the worker must know. */
      notes: string[];
      citations: Citation[];
    }
  | { ok: false; missing: F[] };
