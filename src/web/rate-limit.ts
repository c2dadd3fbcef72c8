import type { Knex } from 'knex'
import { TooManyRequestsError } from '../errors.js'

export interface RateRule {
  /** Hits allowed per window. */
  limit: number
  windowSeconds: number
}

/** The portal's limits, in one place. */
export const rateRules = {
  submitPerIp: { limit: 20, windowSeconds: 60 * 60 },
  submitPerEmail: { limit: 5, windowSeconds: 60 * 60 },
  confirmPerIp: { limit: 30, windowSeconds: 15 * 60 },
  confirmPerEmail: { limit: 10, windowSeconds: 60 * 60 },
  resendPerIp: { limit: 10, windowSeconds: 60 * 60 },
  resendPerEmail: { limit: 3, windowSeconds: 60 * 60 },
  replyPerIp: { limit: 20, windowSeconds: 60 * 60 },
  complaintPerIp: { limit: 10, windowSeconds: 60 * 60 },
  complaintPerEmail: { limit: 3, windowSeconds: 60 * 60 },
  /**
   * Failed staff sign-ins from one network (`limiter.attempt`: a sign-in that works is not
   * counted). Successes must not count: an office behind one address signs in dozens of times a
   * morning. Thirty failures in 15 minutes is far more than colleagues' typos, so this bites only
   * on guesses spread over many accounts; each account's own wrong passwords are paused sooner, per
   * network, by `src/accounts/lockout.ts`.
   */
  loginPerIp: { limit: 30, windowSeconds: 15 * 60 },
  /**
   * Wrong two-factor codes for one account (`limiter.attempt`): a right code is not counted and
   * clears the count, since only someone holding the password and the app can give one.
   */
  loginPerAccount: { limit: 10, windowSeconds: 15 * 60 },
} satisfies Record<string, RateRule>

/** A hit to count against a limit: the key (an action and who did it) and the rule it is under. */
export interface RateHit {
  key: string
  rule: RateRule
}

/** An attempt counted against a limit on failures, until it is known to have worked. */
export interface AttemptCount {
  succeeded(options?: { forget?: boolean }): Promise<void>
}

/**
 * Fixed-window counters in the database, so every instance counts the same hits. Each hit is one
 * atomic upsert, safe under concurrency on SQLite and PostgreSQL.
 */
export function rateLimiter(db: Knex, now: () => Date) {
  async function hit(
    key: string,
    rule: RateRule,
    trx: Knex = db,
  ): Promise<{ allowed: boolean; retryAfterSeconds: number; resetsAt: string }> {
    const at = now()
    const nowIso = at.toISOString()
    const resetsAt = new Date(at.getTime() + rule.windowSeconds * 1000).toISOString()
    // One statement: the first hit makes the counter, later ones count on it or start a new window.
    // The count this hit made is read back from its own statement, so hits at once each see theirs.
    const [row] = await trx<{ key: string; hits: number; resets_at: string }>('rate_limit_counters')
      .insert({ key, hits: 1, resets_at: resetsAt }, ['hits', 'resets_at'])
      .onConflict('key')
      .merge({
        hits: db.raw(
          'case when rate_limit_counters.resets_at <= ? then 1 else rate_limit_counters.hits + 1 end',
          [nowIso],
        ),
        resets_at: db.raw(
          'case when rate_limit_counters.resets_at <= ? then ? else rate_limit_counters.resets_at end',
          [nowIso, resetsAt],
        ),
      })
    const hits = Number(row?.hits ?? 0)
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((Date.parse(row?.resets_at ?? resetsAt) - at.getTime()) / 1000),
    )
    return { allowed: hits <= rule.limit, retryAfterSeconds, resetsAt: row?.resets_at ?? resetsAt }
  }

  async function forget(key: string): Promise<void> {
    await db('rate_limit_counters').where({ key }).delete()
  }

  return {
    hit,
    /**
     * Counts a hit against each key and throws when any is over its limit; in `trx` when given, so
     * the hits and what they allow are kept or undone together.
     */
    async consume(hits: RateHit[], trx?: Knex): Promise<void> {
      for (const { key, rule } of hits) {
        const result = await hit(key, rule, trx)
        if (!result.allowed) throw new TooManyRequestsError(result.retryAfterSeconds)
      }
    },
    /**
     * For a limit on failures only: the attempt is counted before it is tried (throwing when over
     * the limit), so parallel attempts cannot all slip under it, and `succeeded` takes it back, or
     * with `forget` clears the key, for a success that shows the earlier failures were the owner's.
     */
    async attempt(key: string, rule: RateRule): Promise<AttemptCount> {
      const result = await hit(key, rule)
      // Only in the window it was counted in: a new window never loses a failure.
      const giveBack = async () => {
        await db('rate_limit_counters')
          .where({ key, resets_at: result.resetsAt })
          .where('hits', '>', 0)
          .update({ hits: db.raw('hits - 1') })
      }
      if (!result.allowed) {
        // An attempt refused is never tried, so it is no failure either.
        await giveBack()
        throw new TooManyRequestsError(result.retryAfterSeconds)
      }
      return { succeeded: (options = {}) => (options.forget ? forget(key) : giveBack()) }
    },
    /** Clears a key's count: an administrator lifting a pause. */
    forget,
    async prune(): Promise<number> {
      return db('rate_limit_counters').where('resets_at', '<=', now().toISOString()).delete()
    },
  }
}

export type RateLimiter = ReturnType<typeof rateLimiter>
