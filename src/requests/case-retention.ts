import type { Knex } from 'knex'
import { recordEvents, systemActor, type EventInput } from '../audit/events.js'
import { backgroundShare, pacedBatches, type Pacing } from '../db/batches.js'
import {
  caseTextKeptUntil,
  caseTextMarker,
  caseTextRemovalBound,
  caseTextRemovalDue,
} from '../domain/case-retention.js'
import { londonDate } from '../domain/clock.js'
import type { RequestEvent } from '../domain/request-events.js'
import type { RequestsRepo } from './repo.js'

type CaseTextRemovedData = Extract<RequestEvent, { kind: 'request.case_text_removed' }>['data']

/**
 * Closed cases lose their free text once CASE_TEXT_RETENTION_MONTHS have passed since they
 * closed: each piece is replaced by a marker, while the rows, their dates, the request log and the
 * audit trail stay. A batch of requests per transaction, one event per request, paced so pages
 * stay quick through a large backlog: a run stopped half-way leaves no request half-done, and two
 * runs at once never minimise a request twice.
 */
export async function removeClosedCaseText(
  deps: { db: Knex; requests: RequestsRepo; now: () => Date; months: number; pacing?: Partial<Pacing> },
  batchSize = 200,
): Promise<number> {
  const at = deps.now()
  const today = londonDate(at)
  const closedBefore = `${caseTextRemovalBound(deps.months, today)}T00:00:00.000Z`
  const marker = caseTextMarker(deps.months)
  let after: { closedAt: string; id: string } | null = null
  let minimised = 0
  await pacedBatches(
    async () => {
      const page = await deps.requests.listClosedWithCaseText(closedBefore, after, batchSize)
      const due = page
        .map((request) => ({ request, closedOn: londonDate(new Date(request.closedAt)) }))
        .filter(({ closedOn }) => caseTextRemovalDue(closedOn, deps.months, today))
      minimised += await deps.db.transaction(async (trx) => {
        const events: EventInput[] = []
        for (const { request, closedOn } of due) {
          const removed = await deps.requests.removeCaseText(trx, request.id, marker, at)
          if (!removed) continue
          const data: CaseTextRemovedData = {
            removed,
            closedOn,
            keptUntil: caseTextKeptUntil(closedOn, deps.months),
            retentionMonths: deps.months,
          }
          events.push({
            actor: systemActor('case-text-retention'),
            subject: { type: 'request', id: request.id },
            kind: 'request.case_text_removed',
            data,
          })
        }
        await recordEvents(trx, events, at)
        return events.length
      })
      const last = page.at(-1)
      if (!last || page.length < batchSize) return false
      after = { closedAt: last.closedAt, id: last.id }
      return true
    },
    { share: backgroundShare, ...deps.pacing },
  )
  return minimised
}
