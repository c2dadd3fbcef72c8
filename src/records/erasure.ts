import type { Knex } from 'knex'
import { revokeFilesOfRecord } from '../answers/files.js'
import { recordEvent, type Actor } from '../audit/events.js'
import { londonDate } from '../domain/clock.js'
import type { ErasurePlan, HoldingKey } from '../domain/retention.js'
import { newId } from '../security/tokens.js'
import type { RecordTaskPurpose } from './changes.js'
import type { EmailRecord } from '../domain/email-record.js'

export type ErasureReason = 'retention_schedule' | 'erasure_request'

const holdingColumn: Record<HoldingKey, 'platform_deleted_on' | 'voucher_deleted_on'> = {
  survey_platform: 'platform_deleted_on',
  voucher_correspondence: 'voucher_deleted_on',
}

/** The task a person must do where the portal cannot reach: the copy outside it. */
export const deletionTaskTitle: Record<HoldingKey, string> = {
  survey_platform: 'Delete the address from the survey platform',
  voucher_correspondence: 'Delete the voucher correspondence with this address',
}

/** An erasure done: the deletion task made for each holding's outside copy, by holding. */
export interface ErasureDone {
  deletionTasks: Partial<Record<HoldingKey, string>>
}

/**
 * The one erasure of an email record, for the retention sweep and an erasure request alike:
 * claims the record by the version it was read at (false when it changed since), marks each
 * planned holding deleted with a task for its outside copy and an event, and, when the plan
 * erases the address, leaves a tombstone and revokes every download made from the record. The
 * holding counts as deleted once its task is done; until then, its deletion is requested.
 */
export async function eraseFromRecord(
  trx: Knex,
  input: {
    record: EmailRecord
    version: number
    plan: ErasurePlan
    reason: ErasureReason
    actor: Actor
    /** The erasure request this is done for, if any. */
    requestId?: string
    at: Date
  },
): Promise<ErasureDone | false> {
  const { record, plan, at } = input
  const today = londonDate(at)
  const changes: Record<string, unknown> = { updated_at: at.toISOString(), version: input.version + 1 }
  for (const h of plan.holdings) changes[holdingColumn[h.key]] = today
  if (plan.eraseAddress)
    Object.assign(changes, { email: null, erased_on: today, erasure_reason: input.reason })
  const claimed = await trx('email_records').where({ id: record.id, version: input.version }).update(changes)
  if (claimed !== 1) return false

  const because = { reason: input.reason, ...(input.requestId ? { requestId: input.requestId } : {}) }
  const deletionTasks: ErasureDone['deletionTasks'] = {}
  for (const h of plan.holdings) {
    const taskId = newId()
    await trx('record_tasks').insert({
      id: taskId,
      record_id: record.id,
      study_id: record.studyId,
      holding: h.key,
      title: deletionTaskTitle[h.key],
      purpose: 'deletion' satisfies RecordTaskPurpose,
      created_at: at.toISOString(),
    })
    deletionTasks[h.key] = taskId
    await recordEvent(
      trx,
      {
        actor: input.actor,
        subject: { type: 'email_record', id: record.id },
        kind: 'record.holding_deleted',
        data: { holding: h.key, keptUntil: h.keepUntil, emailHmac: record.emailHmac, ...because },
      },
      at,
    )
  }
  if (plan.eraseAddress) {
    await revokeFilesOfRecord(trx, record.id, input.reason, input.actor, at)
    // A supplementary statement completes data about the person: it goes with their address.
    await trx('record_supplements').where({ record_id: record.id }).del()
    await recordEvent(
      trx,
      {
        actor: input.actor,
        subject: { type: 'email_record', id: record.id },
        kind: 'record.erased',
        data: { erasedOn: today, emailHmac: record.emailHmac, studyId: record.studyId, ...because },
      },
      at,
    )
  }
  return { deletionTasks }
}
