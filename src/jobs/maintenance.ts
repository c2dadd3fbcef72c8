import { purgeExpiredFiles } from '../answers/files.js'
import { recordEvent, systemActor } from '../audit/events.js'
import { lapseUnconfirmedComplaints, removeClosedComplaintContacts } from '../complaints/minimise.js'
import { refreshPlannerStatistics } from '../db/statistics.js'
import { minimiseSentMail } from '../mail/outbox.js'
import { removeClosedCaseText } from '../requests/case-retention.js'
import { purgeClosedRequestContacts } from '../requests/contact-retention.js'
import type { Services } from '../services.js'

export interface MaintenanceReport {
  unconfirmedClosed: number
  confirmRemindersSent: number
  sessionsPruned: number
  rateCountersPruned: number
  sentMailMinimised: number
  expiredFilesPurged: number
  contactsPurged: number
  caseTextRemoved: number
  complaintsLapsed: number
  complaintContactsRemoved: number
  /** The query planner's statistics were refreshed (last, after the rows above changed). */
  statisticsRefreshed: boolean
}

const sentMailKeptDays = 7

/**
 * The portal's own data minimisation, run on a schedule and from the CLI. The purges of closed
 * requests, which a large database's first run finds hundreds of thousands of, go in paced batches
 * and stop between batches once `signal` is aborted; the next run takes up where this one stopped.
 */
export async function runMaintenance(
  services: Services,
  options: { signal?: AbortSignal } = {},
): Promise<MaintenanceReport> {
  const pacing = options.signal ? { signal: options.signal } : {}
  const unconfirmedClosed = await services.intake.closeLapsedUnconfirmed()
  // After the lapsed are closed, so a request whose link has just expired is never reminded.
  const confirmRemindersSent = await services.reminders.remindUnconfirmed()
  const complaintDeps = { db: services.db, complaints: services.complaintRows, now: services.now }
  const complaintsLapsed = await lapseUnconfirmedComplaints(complaintDeps)
  const sessionsPruned = await services.sessionStore.prune()
  const rateCountersPruned = await services.limiter.prune()
  const cutoff = new Date(services.now().getTime() - sentMailKeptDays * 24 * 60 * 60 * 1000)
  const sentMailMinimised = await services.db.transaction(async (trx) => {
    const minimised = await minimiseSentMail(trx, cutoff)
    if (minimised > 0) {
      await recordEvent(
        trx,
        {
          actor: systemActor('maintenance'),
          subject: { type: 'outbox', id: 'sent-mail' },
          kind: 'mail.minimised',
          data: { messages: minimised, sentBefore: cutoff.toISOString() },
        },
        services.now(),
      )
    }
    return minimised
  })
  const expiredFilesPurged = await purgeExpiredFiles(services.db, services.now())
  const contactsPurged = await purgeClosedRequestContacts({
    db: services.db,
    requests: services.requests,
    now: services.now,
    months: services.config.contactRetentionMonths,
    pacing,
  })
  const caseTextRemoved = await removeClosedCaseText({
    db: services.db,
    requests: services.requests,
    now: services.now,
    months: services.config.caseTextRetentionMonths,
    pacing,
  })
  const complaintContactsRemoved = await removeClosedComplaintContacts({
    ...complaintDeps,
    months: services.config.contactRetentionMonths,
  })
  await refreshPlannerStatistics(services.db)
  return {
    unconfirmedClosed,
    confirmRemindersSent,
    sessionsPruned,
    rateCountersPruned,
    sentMailMinimised,
    expiredFilesPurged,
    contactsPurged,
    caseTextRemoved,
    complaintsLapsed,
    complaintContactsRemoved,
    statisticsRefreshed: true,
  }
}
