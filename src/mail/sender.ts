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

export function mailSender(db: Knex, transport: MailTransport, from: string, log: Logger) {
  // A claim outlasts the longest send the transport allows, so no other sender takes the message
  // while it may still be on its way.
  const claimMs = transport.sendLimitMs + claimMarginMs

  /**
   * Delivers what is due at `now`. Safe to run in several processes at once: each message is
   * claimed just before it is sent, for as long as that send may take, however long the ones
   * before it took.
   */
  async function deliverDue(now: Date, batchSize = 25): Promise<DeliveryReport> {
    const report: DeliveryReport = { sent: 0, retried: 0, failed: 0 }
    const startedAt = performance.now()
    // The batch's clock, moved on by the time the batch has taken so far.
    const current = () => new Date(now.getTime() + Math.round(performance.now() - startedAt))
    const nowIso = now.toISOString()
    const due = await db<OutboxRow>('outbox')
      .where('status', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .where((q) => q.whereNull('locked_until').orWhere('locked_until', '<', nowIso))
      .orderBy('next_attempt_at')
      .limit(batchSize)
    for (const message of due) {
      const claimedAt = current()
      const claimedIso = claimedAt.toISOString()
      const claimed = await db('outbox')
        .where({ id: message.id, status: 'pending' })
        .where((q) => q.whereNull('locked_until').orWhere('locked_until', '<', claimedIso))
        .update({ locked_until: new Date(claimedAt.getTime() + claimMs).toISOString() })
      if (claimed !== 1) continue
      if (!message.to_address) {
        await db('outbox').where({ id: message.id }).update({ status: 'cancelled', locked_until: null })
        continue
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
        await db('outbox')
          .where({ id: message.id })
          .update({
            status: 'sent',
            sent_at: new Date().toISOString(),
            attempts: message.attempts + 1,
            locked_until: null,
            last_error: null,
          })
        report.sent++
      } catch (error) {
        const attempts = message.attempts + 1
        const giveUp = attempts >= maxAttempts
        const reason = error instanceof Error ? error.message : String(error)
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
    }
    return report
  }
  return { deliverDue }
}

export type MailSender = ReturnType<typeof mailSender>
