import type { Knex } from 'knex'
import { revokeFilesOfRecord } from '../answers/files.js'
import { recordEvent, systemActor } from '../audit/events.js'
import { londonDate } from '../domain/clock.js'
import { openStatuses } from '../domain/request-status.js'
import { retentionStateAt, type HoldingKey } from '../domain/retention.js'
import { newId } from '../security/tokens.js'
import { retentionPolicyOf, type StudiesRepo } from '../studies/repo.js'
import type { EmailRecord, RecordsRepo } from './repo.js'

export interface SweepReport {
  dryRun: boolean
  checked: number
  holdingsDeleted: number
  erased: number
  deferred: { recordId: string; reason: string }[]
}

const holdingColumn: Record<HoldingKey, 'platform_deleted_on' | 'voucher_deleted_on'> = {
  survey_platform: 'platform_deleted_on',
  voucher_correspondence: 'voucher_deleted_on',
}

const taskTitle: Record<HoldingKey, string> = {
  survey_platform: 'Delete the address from the survey platform',
  voucher_correspondence: 'Delete the voucher correspondence with this address',
}

/**
 * The retention sweep: deletes what is due, never under a restriction and never while a request
 * for the record is open (deleting data a request needs is an offence, DPA 2018 s.173). Each record
 * is claimed by its version, so two sweeps at once never process one record twice.
 */
export function retentionSweep(deps: {
  db: Knex
  records: RecordsRepo
  studies: StudiesRepo
  now: () => Date
}) {
  const { db } = deps

  async function openRequestReference(record: EmailRecord): Promise<string | null | undefined> {
    const row = await db<{ reference: string | null; study_id: string; email_hmac: string; status: string }>(
      'rights_requests',
    )
      .where({ study_id: record.studyId, email_hmac: record.emailHmac })
      .whereIn('status', openStatuses)
      .first('reference')
    return row ? (row.reference ?? 'an unconfirmed request') : undefined
  }

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
          const due = view.holdings.filter((h) => h.status === 'due')
          const allGone = view.holdings.every((h) => h.status !== 'held')
          if (view.state === 'restricted') {
            if (due.length > 0)
              report.deferred.push({
                recordId: record.id,
                reason: 'restricted: nothing is deleted while a restriction is in force',
              })
            continue
          }
          if (view.state !== 'due_for_deletion') continue
          const open = await openRequestReference(record)
          if (open !== undefined) {
            report.deferred.push({
              recordId: record.id,
              reason: `frozen: ${open ?? 'a request'} is open for this record`,
            })
            continue
          }
          if (options.dryRun) {
            report.holdingsDeleted += due.length
            if (allGone) report.erased++
            continue
          }
          const done = await db.transaction(async (trx) => {
            const changes: Record<string, unknown> = { updated_at: at.toISOString(), version: version + 1 }
            for (const h of due) changes[holdingColumn[h.key]] = today
            if (allGone)
              Object.assign(changes, { email: null, erased_on: today, erasure_reason: 'retention_schedule' })
            const claimed = await trx('email_records').where({ id: record.id, version }).update(changes)
            if (claimed !== 1) return false
            for (const h of due) {
              await trx('record_tasks').insert({
                id: newId(),
                record_id: record.id,
                study_id: record.studyId,
                holding: h.key,
                title: taskTitle[h.key],
                created_at: at.toISOString(),
              })
              await recordEvent(
                trx,
                {
                  actor: systemActor('retention-sweep'),
                  subject: { type: 'email_record', id: record.id },
                  kind: 'record.holding_deleted',
                  data: { holding: h.key, keptUntil: h.keepUntil, emailHmac: record.emailHmac },
                },
                at,
              )
            }
            if (allGone) {
              await revokeFilesOfRecord(
                trx,
                record.id,
                'retention_schedule',
                systemActor('retention-sweep'),
                at,
              )
              await recordEvent(
                trx,
                {
                  actor: systemActor('retention-sweep'),
                  subject: { type: 'email_record', id: record.id },
                  kind: 'record.erased',
                  data: {
                    reason: 'retention_schedule',
                    erasedOn: today,
                    emailHmac: record.emailHmac,
                    studyId: record.studyId,
                  },
                },
                at,
              )
            }
            return true
          })
          if (done) {
            report.holdingsDeleted += due.length
            if (allGone) report.erased++
          }
        }
      }
      return report
    },
  }
}

export type RetentionSweep = ReturnType<typeof retentionSweep>
