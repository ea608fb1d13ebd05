/**
 * A per-day token budget (calendar day in Vietnam). Once spent, the model is not called
 * again until midnight and the bot answers on its deterministic path. Per process: with
 * several instances each has the budget, so set it to the daily total divided by them.
 */
import { vnDay } from '../dates.js';

export class TokenBudget {
  private day = '';
  private spent = 0;

  constructor(
    readonly limit: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private roll(): void {
    const today = vnDay(this.now());
    if (today !== this.day) {
      this.day = today;
      this.spent = 0;
    }
  }

  /** True while tokens remain today. */
  available(): boolean {
    this.roll();
    return this.spent < this.limit;
  }

  spend(tokens: number): void {
    this.roll();
    this.spent += Math.max(0, tokens);
  }

  get spentToday(): number {
    this.roll();
    return this.spent;
  }
}
