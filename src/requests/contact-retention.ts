import type { Knex } from 'knex'
import { recordEvent, systemActor } from '../audit/events.js'
import { londonDate } from '../domain/clock.js'
import { contactKeptUntil, contactPurgeBound, contactPurgeDue } from '../domain/contact-retention.js'
import type { RequestsRepo } from './repo.js'

/**
 * Closed requests lose the requester's address, postal address and name once CONTACT_RETENTION_MONTHS have
 * passed since they closed; the request, its decisions and what the person wrote stay, and the
 * HMAC still links it to the email record. One transaction and one event per request, so a run
 * stopped half-way leaves nothing half-done, and two runs at once never purge a request twice.
 */
export async function purgeClosedRequestContacts(
  deps: { db: Knex; requests: RequestsRepo; now: () => Date; months: number },
  batchSize = 500,
): Promise<number> {
  const at = deps.now()
  const today = londonDate(at)
  const closedBefore = `${contactPurgeBound(deps.months, today)}T00:00:00.000Z`
  let after: { closedAt: string; id: string } | null = null
  let purged = 0
  for (;;) {
    const page = await deps.requests.listClosedWithContact(closedBefore, after, batchSize)
    for (const request of page) {
      const closedOn = londonDate(new Date(request.closedAt as string))
      if (!contactPurgeDue(closedOn, deps.months, today)) continue
      const done = await deps.db.transaction(async (trx) => {
        if (!(await deps.requests.removeContact(trx, request.id, at))) return false
        await recordEvent(
          trx,
          {
            actor: systemActor('contact-retention'),
            subject: { type: 'request', id: request.id },
            kind: 'request.contact_purged',
            data: {
              removed: request.postalAddress ? ['email', 'name', 'postalAddress'] : ['email', 'name'],
              closedOn,
              keptUntil: contactKeptUntil(closedOn, deps.months),
              retentionMonths: deps.months,
            },
          },
          at,
        )
        return true
      })
      if (done) purged++
    }
    const last = page.at(-1)
    if (!last || page.length < batchSize) break
    after = { closedAt: last.closedAt as string, id: last.id }
  }
  return purged
}
