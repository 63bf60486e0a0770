// Tokens an isolate already took from a caller's budget, spent here so most writes skip the limiter object.

/** Tokens asked for at a time; the limiter grants fewer near a caller's limit (see MAX_GRANT_SHARE). */
export const ALLOWANCE_REQUEST = 8;
/** Held tokens not spent within this long are dropped, so a quiet caller's tokens do not sit in one isolate. */
export const ALLOWANCE_TTL_MS = 10_000;
/** Budgets held per isolate; past this the oldest is dropped (which only ever makes the limit stricter). */
export const MAX_HELD_BUDGETS = 1_000;

interface Held {
  tokens: number;
  expiresAt: number;
}

/**
 * Held tokens were already taken from the caller's buckets in the limiter object, so spending them
 * here never lets a caller past its limit; tokens dropped unspent only make it reach the limit a
 * little early. A budget names the caller and the limits a request counts against.
 */
export class Allowances {
  private readonly held = new Map<string, Held>();

  /** Spends one held token of `budget`; false when none is held (ask the limiter). */
  spend(budget: string, now: number): boolean {
    const held = this.held.get(budget);
    if (!held) return false;
    if (held.expiresAt <= now || held.tokens < 1) {
      this.held.delete(budget);
      return false;
    }
    held.tokens -= 1;
    return true;
  }

  /** Holds the tokens of a grant that its own request did not spend. */
  keep(budget: string, tokens: number, now: number): void {
    if (tokens < 1) return;
    const held = this.held.get(budget);
    const unexpired = held !== undefined && held.expiresAt > now ? held.tokens : 0;
    this.held.delete(budget);
    if (this.held.size >= MAX_HELD_BUDGETS) {
      const oldest = this.held.keys().next().value;
      if (oldest !== undefined) this.held.delete(oldest);
    }
    // Re-inserted, so the map's order stays oldest-first.
    this.held.set(budget, { tokens: unexpired + tokens, expiresAt: now + ALLOWANCE_TTL_MS });
  }
}
