import type { Knex } from 'knex'
import { systemActor } from '../audit/events.js'
import { londonDate } from '../domain/clock.js'
import { erasurePlan, retentionStateAt } from '../domain/retention.js'
import { type StudiesRepo } from '../studies/repo.js'
import { retentionPolicyOf } from '../domain/study.js'
import type { RequestsRepo } from '../requests/repo.js'
import { eraseFromRecord } from './erasure.js'
import type { RecordsRepo } from './repo.js'
import type { EmailRecord } from '../domain/email-record.js'

export interface SweepReport {
  dryRun: boolean
  checked: number
  holdingsDeleted: number
  erased: number
  deferred: { recordId: string; reason: string }[]
}

/**
 * The retention sweep: deletes what is due, never under a restriction and never while a request
 * for the record is open (deleting data a request needs is an offence, DPA 2018 s.173). Each record
 * is claimed by its version, so two sweeps at once never process one record twice.
 */
function frozen(record: EmailRecord, open: { reference: string | null }) {
  return {
    recordId: record.id,
    reason: `frozen: ${open.reference ?? 'an unconfirmed request'} is open for this record`,
  }
}

export function retentionSweep(deps: {
  db: Knex
  records: RecordsRepo
  studies: StudiesRepo
  requests: RequestsRepo
  now: () => Date
}) {
  const { db } = deps

  return {
    async run(options: { dryRun?: boolean; batchSize?: number } = {}): Promise<SweepReport> {
      const at = deps.now()
      const today = londonDate(at)
      const report: SweepReport = {
        dryRun: Boolean(options.dryRun),
        checked: 0,
        holdingsDeleted: 0,
        erased: 0,
        deferred: [],
      }
      const studies = new Map((await deps.studies.listAll()).map((s) => [s.id, s]))
      let after = ''
      for (;;) {
        const page = await deps.records.pageNotErased(after, options.batchSize ?? 500)
        if (page.length === 0) break
        after = page[page.length - 1]?.record.id ?? after
        for (const { record, version } of page) {
          report.checked++
          const study = studies.get(record.studyId)
          if (!study) continue
          const view = retentionStateAt(record.facts, retentionPolicyOf(study), today)
          const plan = erasurePlan(view, 'due')
          if (view.state === 'restricted') {
            if (view.holdings.some((h) => h.status === 'due'))
              report.deferred.push({
                recordId: record.id,
                reason: 'restricted: nothing is deleted while a restriction is in force',
              })
            continue
          }
          if (view.state !== 'due_for_deletion') continue
          if (options.dryRun) {
            const open = await deps.requests.openRequestFor(db, record)
            if (open) report.deferred.push(frozen(record, open))
            else {
              report.holdingsDeleted += plan.holdings.length
              if (plan.eraseAddress) report.erased++
            }
            continue
          }
          // The freeze is checked under the record's lock in the transaction that erases, so a
          // request confirmed or reopened meanwhile either lands first and freezes it, or waits.
          const outcome = await db.transaction(async (trx) => {
            if (!(await deps.records.lockAtVersion(trx, record.id, version))) return 'changed' as const
            const open = await deps.requests.openRequestFor(trx, record)
            if (open) return open
            const erased = await eraseFromRecord(trx, {
              record,
              version,
              plan,
              reason: 'retention_schedule',
              actor: systemActor('retention-sweep'),
              at,
            })
            return erased ? ('erased' as const) : ('changed' as const)
          })
          if (typeof outcome === 'object') {
            report.deferred.push(frozen(record, outcome))
            continue
          }
          const done = outcome === 'erased'
          if (done) {
            report.holdingsDeleted += plan.holdings.length
            if (plan.eraseAddress) report.erased++
          }
        }
      }
      return report
    },
  }
}

export type RetentionSweep = ReturnType<typeof retentionSweep>
