import type { Knex } from 'knex'
import { systemActor } from '../audit/events.js'
import { londonDate } from '../domain/clock.js'
import { erasurePlan, retentionStateAt, sweepScope } from '../domain/retention.js'
import { type StudiesRepo } from '../studies/repo.js'
import { retentionPolicyOf, type Study } from '../domain/study.js'
import type { RequestsRepo } from '../requests/repo.js'
import { claimAtVersion, eraseFromRecords, type ErasureItem } from './erasure.js'
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
      const sweepStudy = async (study: Study) => {
        const policy = retentionPolicyOf(study)
        // Every record holding an address is accounted for; only those within the scope can
        // have anything due, so only they are read.
        report.checked += await deps.records.countNotErased(study.id)
        const scope = sweepScope(policy, today)
        let after = ''
        for (;;) {
          const page = await deps.records.pageInSweepScope(study.id, scope, after, options.batchSize ?? 1000)
          if (page.length === 0) break
          after = page[page.length - 1]?.record.id ?? after
          const due: ErasureItem[] = []
          for (const { record, version } of page) {
            const view = retentionStateAt(record.facts, policy, today)
            if (view.state === 'restricted') {
              if (view.holdings.some((h) => h.status === 'due'))
                report.deferred.push({
                  recordId: record.id,
                  reason: 'restricted: nothing is deleted while a restriction is in force',
                })
              continue
            }
            if (view.state === 'due_for_deletion')
              due.push({ record, version, plan: erasurePlan(view, 'due') })
          }
          if (due.length === 0) continue
          // A dry run only looks for the freeze. Otherwise the whole page is one transaction: the
          // freeze is checked under the records' locks in the transaction that erases, so a request
          // confirmed or reopened meanwhile either lands first and freezes its record, or waits; a
          // record changed since it was read is left for the next sweep.
          const { open, done } = options.dryRun
            ? await (async () => {
                const open = await deps.requests.openRequestsFor(
                  db,
                  due.map((i) => i.record),
                )
                return {
                  open,
                  done: new Set(due.filter((i) => !open.has(i.record.id)).map((i) => i.record.id)),
                }
              })()
            : await db.transaction(async (trx) => {
                const claimed = await claimAtVersion(trx, due)
                const open = await deps.requests.openRequestsFor(
                  trx,
                  claimed.map((i) => i.record),
                )
                const erased = await eraseFromRecords(
                  trx,
                  claimed.filter((i) => !open.has(i.record.id)),
                  { reason: 'retention_schedule', actor: systemActor('retention-sweep'), at },
                )
                return { open, done: new Set(erased.keys()) }
              })
          for (const { record, plan } of due) {
            const request = open.get(record.id)
            if (request) report.deferred.push(frozen(record, request))
            if (!done.has(record.id)) continue
            report.holdingsDeleted += plan.holdings.length
            if (plan.eraseAddress) report.erased++
          }
        }
      }
      for (const study of await deps.studies.listAll()) await sweepStudy(study)
      return report
    },
  }
}

export type RetentionSweep = ReturnType<typeof retentionSweep>
