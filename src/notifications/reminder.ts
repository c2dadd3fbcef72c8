import type { Knex } from 'knex'
import { recordEvent, systemActor } from '../audit/events.js'
import { formatLongDate, londonDate } from '../domain/clock.js'
import { requestTypeInfo } from '../domain/request-types.js'
import { enqueueMail } from '../mail/outbox.js'
import { absoluteUrl, paths } from '../paths.js'
import { requestMailLocals } from '../requests/change.js'
import type { RequestsRepo } from '../requests/repo.js'
import { generateToken, hashToken, newId } from '../security/tokens.js'
import type { StudiesRepo } from '../studies/repo.js'
import type { NotificationsRepo } from './repo.js'

/** One reminder, this long after a request that is still not confirmed. */
export const reminderAfterHours = 48

export interface ReminderDeps {
  db: Knex
  repo: NotificationsRepo
  requests: RequestsRepo
  studies: StudiesRepo
  publicUrl: string
  serviceName: string
  now: () => Date
}

/**
 * The reminder to confirm a request. Confirmation tokens are kept only as hashes, so the first
 * link cannot be sent again: the reminder carries a new token, stored hashed, that replaces the
 * live link (one live link at a time, as when a link is sent again) and expires when the live link
 * did. The request still lapses, and its details are removed, 7 days after its last link was
 * issued by the person or staff: the reminder never extends that.
 */
export function confirmationReminders(deps: ReminderDeps) {
  const { db, repo, requests, studies } = deps

  /** Sends the reminder for one request, unless another run did or it no longer waits. */
  async function remind(requestId: string, at: Date): Promise<boolean> {
    return db.transaction(async (trx) => {
      if (!(await repo.claimReminder(trx, requestId, at))) return false
      const request = await requests.findById(requestId, trx)
      const expiresAt = await repo.liveConfirmLinkExpiry(trx, requestId, at)
      // Claimed all the same: without an address or a live link there is nothing to remind of.
      if (!request?.email || !expiresAt) return false
      const study = await studies.findById(request.studyId, trx)
      if (!study) return false
      const token = generateToken()
      await requests.expireLinks(trx, request.id, 'confirm', at)
      await requests.insertLink(
        trx,
        { id: newId(), requestId: request.id, purpose: 'confirm', tokenHash: hashToken(token), expiresAt },
        at,
      )
      await enqueueMail(
        trx,
        {
          kind: 'confirm-reminder',
          to: request.email,
          requestId: request.id,
          subject: `Reminder to confirm your request: ${requestTypeInfo[request.type].label.toLowerCase()}`,
          template: 'confirm-reminder',
          locals: {
            ...requestMailLocals(deps.serviceName, study, request),
            request,
            confirmUrl: absoluteUrl(deps.publicUrl, paths.confirm.show(token)),
            expiresOn: formatLongDate(londonDate(new Date(expiresAt))),
          },
        },
        at,
      )
      await recordEvent(
        trx,
        {
          actor: systemActor('confirm-reminder'),
          subject: { type: 'request', id: request.id },
          kind: 'request.reminder_sent',
        },
        at,
      )
      return true
    })
  }

  return {
    /** Reminds everyone whose request has waited 48 hours unconfirmed, once; returns how many. */
    async remindUnconfirmed(batchSize = 200): Promise<number> {
      const at = deps.now()
      const receivedBy = new Date(at.getTime() - reminderAfterHours * 60 * 60 * 1000)
      let sent = 0
      for (;;) {
        // Each listed request is claimed (or stopped waiting) before the next batch is read.
        const due = await repo.dueReminders(receivedBy, at, batchSize)
        for (const { id } of due) if (await remind(id, at)) sent++
        if (due.length < batchSize) break
      }
      return sent
    },
  }
}

export type ConfirmationReminders = ReturnType<typeof confirmationReminders>
