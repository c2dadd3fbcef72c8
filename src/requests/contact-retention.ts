import type { Knex } from 'knex'
import { recordEvents, systemActor, type EventInput } from '../audit/events.js'
import { backgroundShare, pacedBatches, type Pacing } from '../db/batches.js'
import { londonDate } from '../domain/clock.js'
import { contactKeptUntil, contactPurgeBound, contactPurgeDue } from '../domain/contact-retention.js'
import type { RequestsRepo } from './repo.js'

/**
 * Closed requests lose the requester's address, postal address and name once CONTACT_RETENTION_MONTHS have
 * passed since they closed; the request, its decisions and what the person wrote stay, and the
 * HMAC still links it to the email record. A batch of requests per transaction, one event per
 * request, paced so pages stay quick through a large backlog: a run stopped half-way leaves no
 * request half-done, and two runs at once never purge a request twice.
 */
export async function purgeClosedRequestContacts(
  deps: { db: Knex; requests: RequestsRepo; now: () => Date; months: number; pacing?: Partial<Pacing> },
  batchSize = 200,
): Promise<number> {
  const at = deps.now()
  const today = londonDate(at)
  const closedBefore = `${contactPurgeBound(deps.months, today)}T00:00:00.000Z`
  let after: { closedAt: string; id: string } | null = null
  let purged = 0
  await pacedBatches(
    async () => {
      const page = await deps.requests.listClosedWithContact(closedBefore, after, batchSize)
      const due = page
        .map((request) => ({ request, closedOn: londonDate(new Date(request.closedAt as string)) }))
        .filter(({ closedOn }) => contactPurgeDue(closedOn, deps.months, today))
      purged += await deps.db.transaction(async (trx) => {
        const events: EventInput[] = []
        for (const { request, closedOn } of due) {
          if (!(await deps.requests.removeContact(trx, request.id, at))) continue
          events.push({
            actor: systemActor('contact-retention'),
            subject: { type: 'request', id: request.id },
            kind: 'request.contact_purged',
            data: {
              removed: request.postalAddress ? ['email', 'name', 'postalAddress'] : ['email', 'name'],
              closedOn,
              keptUntil: contactKeptUntil(closedOn, deps.months),
              retentionMonths: deps.months,
            },
          })
        }
        await recordEvents(trx, events, at)
        return events.length
      })
      const last = page.at(-1)
      if (!last || page.length < batchSize) return false
      after = { closedAt: last.closedAt as string, id: last.id }
      return true
    },
    { share: backgroundShare, ...deps.pacing },
  )
  return purged
}
