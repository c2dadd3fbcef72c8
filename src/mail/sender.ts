import type { Knex } from 'knex'
import type { Logger } from 'pino'
import type { MailTransport } from './transport.js'

interface OutboxRow {
  id: string
  kind: string
  to_address: string | null
  subject: string
  text_body: string | null
  html_body: string | null
  attempts: number
  next_attempt_at: string
}

export const maxAttempts = 10
/** Beyond the transport's own limit, for the database writes around a send. */
const claimMarginMs = 60_000

/** Exponential backoff: 30 s, 1 min, 2 min … capped at 6 hours. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempts - 1), 6 * 60 * 60)
}

export interface DeliveryReport {
  sent: number
  retried: number
  failed: number
}

/** How many messages are claimed and sent at once; a pooled transport spreads them over its connections. */
export const deliveryChunk = 50

export function mailSender(db: Knex, transport: MailTransport, from: string, log: Logger) {
  // A claim outlasts the longest send the transport allows. Every message of a chunk starts its
  // send as soon as the chunk is claimed, so no other sender takes one while it may still be on its
  // way.
  const claimMs = transport.sendLimitMs + claimMarginMs

  /** Claims up to `size` due messages in one statement; returns those this sender now holds. */
  async function claim(nowIso: string, claimedAt: Date, size: number): Promise<OutboxRow[]> {
    const claimedIso = claimedAt.toISOString()
    const lockFree = (q: Knex.QueryBuilder) =>
      q.whereNull('locked_until').orWhere('locked_until', '<', claimedIso)
    const due = db('outbox')
      .select('id')
      .where('status', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .where(lockFree)
      .orderBy('next_attempt_at')
      .limit(size)
    // The outer conditions are checked again on each row as it is updated, so of two senders
    // claiming at once only one gets any message.
    const rows: OutboxRow[] = await db('outbox')
      .whereIn('id', due)
      .where('status', 'pending')
      .where(lockFree)
      .update({ locked_until: new Date(claimedAt.getTime() + claimMs).toISOString() })
      .returning([
        'id',
        'kind',
        'to_address',
        'subject',
        'text_body',
        'html_body',
        'attempts',
        'next_attempt_at',
      ])
    return rows.sort((a, b) =>
      a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : 0,
    )
  }

  /**
   * Delivers what is due at `now` (all of it, or up to `limit` messages), in chunks claimed and sent
   * together.
   * Safe to run in several processes at once: each chunk is claimed just before its sends begin, for
   * as long as a send may take, however long the chunks before it took. A message is marked sent
   * only after the transport accepted it, so a crash in between sends it again (at least once);
   * the claim keeps two senders from sending it at the same time.
   */
  async function deliverDue(
    now: Date,
    options: { limit?: number; chunk?: number } = {},
  ): Promise<DeliveryReport> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    const chunkSize = options.chunk ?? deliveryChunk
    const report: DeliveryReport = { sent: 0, retried: 0, failed: 0 }
    const startedAt = performance.now()
    // The run's clock, moved on by the time the run has taken so far.
    const current = () => new Date(now.getTime() + Math.round(performance.now() - startedAt))
    const nowIso = now.toISOString()
    let taken = 0
    while (taken < limit) {
      const size = Math.min(chunkSize, limit - taken)
      const chunk = await claim(nowIso, current(), size)
      if (chunk.length === 0) break
      taken += chunk.length
      const sent: string[] = []
      const unaddressed: string[] = []
      const failures: { message: OutboxRow; reason: string }[] = []
      await Promise.all(
        chunk.map(async (message) => {
          if (!message.to_address) {
            unaddressed.push(message.id)
            return
          }
          try {
            await transport.send({
              id: message.id,
              from,
              to: message.to_address,
              subject: message.subject,
              text: message.text_body ?? '',
              html: message.html_body ?? '',
            })
            sent.push(message.id)
          } catch (error) {
            failures.push({ message, reason: error instanceof Error ? error.message : String(error) })
          }
        }),
      )
      if (sent.length > 0) {
        await db('outbox')
          .whereIn('id', sent)
          .update({
            status: 'sent',
            sent_at: new Date().toISOString(),
            attempts: db.raw('?? + 1', ['attempts']),
            locked_until: null,
            last_error: null,
          })
        report.sent += sent.length
      }
      if (unaddressed.length > 0) {
        await db('outbox').whereIn('id', unaddressed).update({ status: 'cancelled', locked_until: null })
      }
      for (const { message, reason } of failures) {
        const attempts = message.attempts + 1
        const giveUp = attempts >= maxAttempts
        await db('outbox')
          .where({ id: message.id })
          .update({
            attempts,
            status: giveUp ? 'failed' : 'pending',
            next_attempt_at: new Date(current().getTime() + retryDelaySeconds(attempts) * 1000).toISOString(),
            locked_until: null,
            last_error: reason.slice(0, 1000),
          })
        log.warn({ outboxId: message.id, kind: message.kind, attempts, giveUp }, 'mail delivery failed')
        if (giveUp) report.failed++
        else report.retried++
      }
      if (chunk.length < size) break
    }
    return report
  }
  return { deliverDue }
}

export type MailSender = ReturnType<typeof mailSender>
