import type { Knex } from 'knex'
import { revokeFilesOfRecords } from '../answers/files.js'
import { recordEvents, type Actor, type EventInput } from '../audit/events.js'
import { inBatches, insertRows } from '../db/batches.js'
import { isPostgres } from '../db/knex.js'
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

/** One record to erase, read at `version`, by its plan. */
export interface ErasureItem {
  record: EmailRecord
  version: number
  plan: ErasurePlan
  /** The erasure request this is done for, if any. */
  requestId?: string
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
  input: ErasureItem & { reason: ErasureReason; actor: Actor; at: Date },
): Promise<ErasureDone | false> {
  const { reason, actor, at, ...item } = input
  const done = await eraseFromRecords(trx, [item], { reason, actor, at })
  return done.get(item.record.id) ?? false
}

/**
 * The records still at the version they were read at, locked to the end of the transaction: on
 * PostgreSQL by a row lock, on SQLite by the write lock every transaction here holds from its start.
 */
export async function claimAtVersion<T extends { record: { id: string }; version: number }>(
  trx: Knex,
  items: readonly T[],
): Promise<T[]> {
  const current = new Map<string, number>()
  for (const part of inBatches(items)) {
    const query = trx('email_records')
      .whereIn(
        'id',
        part.map((i) => i.record.id),
      )
      // In one order, so two transactions locking overlapping batches never deadlock.
      .orderBy('id')
    const rows: { id: string; version: number | string }[] = await (
      isPostgres(trx) ? query.forUpdate() : query
    ).select('id', 'version')
    for (const row of rows) current.set(row.id, Number(row.version))
  }
  return items.filter((i) => current.get(i.record.id) === i.version)
}

/**
 * `eraseFromRecord` for many records in one transaction, with a few statements for all of them:
 * what the retention sweep does with each batch. Only the records still at the version they were
 * read at are erased; the map holds those.
 */
export async function eraseFromRecords(
  trx: Knex,
  items: readonly ErasureItem[],
  common: { reason: ErasureReason; actor: Actor; at: Date },
): Promise<Map<string, ErasureDone>> {
  const done = new Map<string, ErasureDone>()
  if (items.length === 0) return done
  // The claim and the changes must share one transaction; a caller holding none gets one.
  if (!trx.isTransaction) return trx.transaction((own) => eraseFromRecords(own, items, common))
  const { reason, actor, at } = common
  const today = londonDate(at)

  const claimed = await claimAtVersion(trx, items)
  if (claimed.length === 0) return done

  // One update for each shape of change: which holdings, and whether the address goes.
  const shapes = new Map<string, ErasureItem[]>()
  for (const item of claimed) {
    const key = `${item.plan.holdings.map((h) => h.key).join(',')}|${item.plan.eraseAddress}`
    const group = shapes.get(key)
    if (group) group.push(item)
    else shapes.set(key, [item])
  }
  for (const group of shapes.values()) {
    const { plan } = group[0] as ErasureItem
    const changes: Record<string, unknown> = {
      updated_at: at.toISOString(),
      version: trx.raw('?? + 1', ['version']),
    }
    for (const h of plan.holdings) changes[holdingColumn[h.key]] = today
    if (plan.eraseAddress) Object.assign(changes, { email: null, erased_on: today, erasure_reason: reason })
    for (const part of inBatches(group)) {
      await trx('email_records')
        .whereIn(
          'id',
          part.map((i) => i.record.id),
        )
        .update(changes)
    }
  }

  const tasks: Record<string, unknown>[] = []
  const holdingEvents: EventInput[] = []
  for (const { record, plan, requestId } of claimed) {
    const because = { reason, ...(requestId ? { requestId } : {}) }
    const deletionTasks: ErasureDone['deletionTasks'] = {}
    for (const h of plan.holdings) {
      const taskId = newId()
      tasks.push({
        id: taskId,
        record_id: record.id,
        study_id: record.studyId,
        holding: h.key,
        title: deletionTaskTitle[h.key],
        purpose: 'deletion' satisfies RecordTaskPurpose,
        created_at: at.toISOString(),
      })
      deletionTasks[h.key] = taskId
      holdingEvents.push({
        actor,
        subject: { type: 'email_record', id: record.id },
        kind: 'record.holding_deleted',
        data: { holding: h.key, keptUntil: h.keepUntil, emailHmac: record.emailHmac, ...because },
      })
    }
    done.set(record.id, { deletionTasks })
  }
  await insertRows(trx, 'record_tasks', tasks)
  await recordEvents(trx, holdingEvents, at)

  const erasing = claimed.filter((i) => i.plan.eraseAddress)
  if (erasing.length > 0) {
    const ids = erasing.map((i) => i.record.id)
    await revokeFilesOfRecords(trx, ids, reason, actor, at)
    // A supplementary statement completes data about the person: it goes with their address.
    for (const part of inBatches(ids)) await trx('record_supplements').whereIn('record_id', part).del()
    await recordEvents(
      trx,
      erasing.map(({ record, requestId }) => ({
        actor,
        subject: { type: 'email_record', id: record.id },
        kind: 'record.erased',
        data: {
          erasedOn: today,
          emailHmac: record.emailHmac,
          studyId: record.studyId,
          reason,
          ...(requestId ? { requestId } : {}),
        },
      })),
      at,
    )
  }
  return done
}
