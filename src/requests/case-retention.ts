import type { Knex } from 'knex'
import { recordEvent, systemActor } from '../audit/events.js'
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
 * audit trail stay. One transaction and one event per request, so a run stopped half-way leaves
 * nothing half-done, and two runs at once never minimise a request twice.
 */
export async function removeClosedCaseText(
  deps: { db: Knex; requests: RequestsRepo; now: () => Date; months: number },
  batchSize = 500,
): Promise<number> {
  const at = deps.now()
  const today = londonDate(at)
  const closedBefore = `${caseTextRemovalBound(deps.months, today)}T00:00:00.000Z`
  const marker = caseTextMarker(deps.months)
  let after: { closedAt: string; id: string } | null = null
  let minimised = 0
  for (;;) {
    const page = await deps.requests.listClosedWithCaseText(closedBefore, after, batchSize)
    for (const request of page) {
      const closedOn = londonDate(new Date(request.closedAt))
      if (!caseTextRemovalDue(closedOn, deps.months, today)) continue
      const done = await deps.db.transaction(async (trx) => {
        const removed = await deps.requests.removeCaseText(trx, request.id, marker, at)
        if (!removed) return false
        const data: CaseTextRemovedData = {
          removed,
          closedOn,
          keptUntil: caseTextKeptUntil(closedOn, deps.months),
          retentionMonths: deps.months,
        }
        await recordEvent(
          trx,
          {
            actor: systemActor('case-text-retention'),
            subject: { type: 'request', id: request.id },
            kind: 'request.case_text_removed',
            data,
          },
          at,
        )
        return true
      })
      if (done) minimised++
    }
    const last = page.at(-1)
    if (!last || page.length < batchSize) break
    after = { closedAt: last.closedAt, id: last.id }
  }
  return minimised
}
