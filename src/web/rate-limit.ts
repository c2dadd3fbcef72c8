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
  loginPerIp: { limit: 30, windowSeconds: 15 * 60 },
  loginPerAccount: { limit: 10, windowSeconds: 15 * 60 },
} satisfies Record<string, RateRule>

/**
 * Fixed-window counters in the database, so every instance counts the same hits. Each hit is one
 * atomic update, safe under concurrency on SQLite and PostgreSQL.
 */
export function rateLimiter(db: Knex, now: () => Date) {
  async function hit(key: string, rule: RateRule): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const at = now()
    const nowIso = at.toISOString()
    const resetsAt = new Date(at.getTime() + rule.windowSeconds * 1000).toISOString()
    await db('rate_limit_counters').insert({ key, hits: 0, resets_at: resetsAt }).onConflict('key').ignore()
    await db('rate_limit_counters')
      .where({ key })
      .update({
        hits: db.raw('case when resets_at <= ? then 1 else hits + 1 end', [nowIso]),
        resets_at: db.raw('case when resets_at <= ? then ? else resets_at end', [nowIso, resetsAt]),
      })
    const row = await db<{ key: string; hits: number; resets_at: string }>('rate_limit_counters')
      .where({ key })
      .first()
    const hits = Number(row?.hits ?? 0)
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((Date.parse(row?.resets_at ?? resetsAt) - at.getTime()) / 1000),
    )
    return { allowed: hits <= rule.limit, retryAfterSeconds }
  }

  return {
    hit,
    /** Counts a hit against each key and throws when any is over its limit. */
    async consume(hits: { key: string; rule: RateRule }[]): Promise<void> {
      for (const { key, rule } of hits) {
        const result = await hit(key, rule)
        if (!result.allowed) throw new TooManyRequestsError(result.retryAfterSeconds)
      }
    },
    async prune(): Promise<number> {
      return db('rate_limit_counters').where('resets_at', '<=', now().toISOString()).delete()
    },
  }
}

export type RateLimiter = ReturnType<typeof rateLimiter>
