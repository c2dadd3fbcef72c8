import { purgeExpiredFiles } from '../answers/files.js'
import { minimiseSentMail } from '../mail/outbox.js'
import { purgeClosedRequestContacts } from '../requests/contact-retention.js'
import type { Services } from '../services.js'

export interface MaintenanceReport {
  unconfirmedClosed: number
  sessionsPruned: number
  rateCountersPruned: number
  sentMailMinimised: number
  expiredFilesPurged: number
  contactsPurged: number
}

const sentMailKeptDays = 7

/** The portal's own data minimisation, run on a schedule and from the CLI. */
export async function runMaintenance(services: Services): Promise<MaintenanceReport> {
  const unconfirmedClosed = await services.intake.closeLapsedUnconfirmed()
  const sessionsPruned = await services.sessionStore.prune()
  const rateCountersPruned = await services.limiter.prune()
  const cutoff = new Date(services.now().getTime() - sentMailKeptDays * 24 * 60 * 60 * 1000)
  const sentMailMinimised = await minimiseSentMail(services.db, cutoff)
  const expiredFilesPurged = await purgeExpiredFiles(services.db, services.now())
  const contactsPurged = await purgeClosedRequestContacts({
    db: services.db,
    requests: services.requests,
    now: services.now,
    months: services.config.contactRetentionMonths,
  })
  return {
    unconfirmedClosed,
    sessionsPruned,
    rateCountersPruned,
    sentMailMinimised,
    expiredFilesPurged,
    contactsPurged,
  }
}
