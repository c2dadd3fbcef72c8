import type { Knex } from 'knex'
import { recordEvent, systemActor } from '../audit/events.js'
import { londonDate } from '../domain/clock.js'
import { contactKeptUntil, contactPurgeBound, contactPurgeDue } from '../domain/contact-retention.js'
import type { ComplaintsRepo } from './repo.js'
import { complaintConfirmLinkDays } from './service.js'

interface MinimiseDeps {
  db: Knex
  complaints: ComplaintsRepo
  now: () => Date
}

/**
 * Complaints nobody confirmed within the link's 7 days close as unverified and lose what the
 * person typed: address, its HMAC, name and both texts, with any mail still held for them. One
 * transaction and one event each, so a stopped run leaves nothing half-done.
 */
export async function lapseUnconfirmedComplaints(deps: MinimiseDeps, batchSize = 500): Promise<number> {
  const at = deps.now()
  const createdBefore = new Date(at.getTime() - complaintConfirmLinkDays * 24 * 60 * 60 * 1000)
  let lapsed = 0
  for (;;) {
    const page = await deps.complaints.listLapsedUnconfirmed(createdBefore, batchSize)
    let changed = 0
    for (const complaint of page) {
      const done = await deps.db.transaction(async (trx) => {
        // Confirmed (or lapsed by another run) since it was listed: nothing to do.
        if (!(await deps.complaints.lapse(trx, complaint.id, complaint.version, at))) return false
        await recordEvent(
          trx,
          {
            actor: systemActor('purge-unconfirmed'),
            subject: { type: 'complaint', id: complaint.id },
            kind: 'complaint.lapsed',
            data: {
              removed: ['email', 'emailHmac', 'name', 'whatHappened', 'desiredOutcome'],
              submittedOn: londonDate(new Date(complaint.createdAt)),
              confirmDays: complaintConfirmLinkDays,
            },
          },
          at,
        )
        return true
      })
      if (done) changed++
    }
    lapsed += changed
    // A page with nothing lapsed would be listed again as it is: stop rather than spin.
    if (page.length < batchSize || changed === 0) break
  }
  return lapsed
}

/**
 * Closed complaints lose the person's address, its HMAC and their name once
 * CONTACT_RETENTION_MONTHS have passed since they closed, by the same inclusive rule as requests
 * (src/domain/contact-retention.ts). What was complained about, the outcome and the letters stay,
 * with the name and any address in them replaced by markers.
 */
export async function removeClosedComplaintContacts(
  deps: MinimiseDeps & { months: number },
  batchSize = 500,
): Promise<number> {
  const at = deps.now()
  const today = londonDate(at)
  const closedBefore = contactPurgeBound(deps.months, today)
  let after: { closedOn: string; id: string } | null = null
  let removed = 0
  for (;;) {
    const page = await deps.complaints.listClosedWithContact(closedBefore, after, batchSize)
    for (const complaint of page) {
      const closedOn = complaint.closedOn
      if (!closedOn || !contactPurgeDue(closedOn, deps.months, today)) continue
      const done = await deps.db.transaction(async (trx) => {
        const result = await deps.complaints.removeContact(trx, complaint.id, at)
        if (!result) return false
        await recordEvent(
          trx,
          {
            actor: systemActor('contact-retention'),
            subject: { type: 'complaint', id: complaint.id },
            kind: 'complaint.contact_removed',
            data: {
              removed: ['email', 'emailHmac', 'name'],
              textsScrubbed: result.textsScrubbed,
              closedOn,
              keptUntil: contactKeptUntil(closedOn, deps.months),
              retentionMonths: deps.months,
            },
          },
          at,
        )
        return true
      })
      if (done) removed++
    }
    const last = page.at(-1)
    if (!last?.closedOn || page.length < batchSize) break
    after = { closedOn: last.closedOn, id: last.id }
  }
  return removed
}
