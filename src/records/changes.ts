import type { Knex } from 'knex'
import { recordEvent, type Actor } from '../audit/events.js'
import type { IsoDate } from '../domain/clock.js'
import type { EventKind } from '../domain/request-events.js'
import type { HoldingKey } from '../domain/retention.js'
import { newId } from '../security/tokens.js'
import { requestsRepo } from '../requests/repo.js'

/** The changes a rights request makes to an email record (erasure has its own, `eraseFromRecord`). */
export type RecordChange =
  | { kind: 'restrict'; since: IsoDate; ground: string; reviewOn: IsoDate }
  | { kind: 'notify_restriction_lift'; on: IsoDate }
  | { kind: 'lift_restriction' }
  | { kind: 'rectify_address'; email: string; emailHmac: string }
  | { kind: 'withdraw_consent'; on: IsoDate }
  | { kind: 'decide_objection'; on: IsoDate; processing: string; decision: string }

function columnsOf(change: RecordChange): Record<string, string | null> {
  switch (change.kind) {
    case 'restrict':
      return {
        restricted_since: change.since,
        restriction_ground: change.ground,
        restriction_review_on: change.reviewOn,
      }
    case 'notify_restriction_lift':
      return { restriction_lift_notice_on: change.on }
    case 'lift_restriction':
      return {
        restricted_since: null,
        restriction_ground: null,
        restriction_review_on: null,
        restriction_lift_notice_on: null,
      }
    case 'rectify_address':
      return { email: change.email, email_hmac: change.emailHmac }
    case 'withdraw_consent':
      return { consent_withdrawn_on: change.on }
    case 'decide_objection':
      return {
        objection_on: change.on,
        objection_processing: change.processing,
        objection_decision: change.decision,
      }
  }
}

/**
 * Changes an email record, claimed by the version it was read at, and records the change as an
 * event on the record. False when the record changed since it was read.
 */
export async function changeEmailRecord(
  trx: Knex,
  input: {
    recordId: string
    version: number
    change: RecordChange
    event: { actor: Actor; kind: EventKind; data: Record<string, unknown> }
    at: Date
  },
): Promise<boolean> {
  const claimed = await trx('email_records')
    .where({ id: input.recordId, version: input.version })
    .update({ ...columnsOf(input.change), updated_at: input.at.toISOString(), version: input.version + 1 })
  if (claimed !== 1) return false
  await recordEvent(
    trx,
    {
      actor: input.event.actor,
      subject: { type: 'email_record', id: input.recordId },
      kind: input.event.kind,
      data: input.event.data,
    },
    input.at,
  )
  return true
}

/**
 * What a record task is for: deleting the copy of a holding outside the portal (the holding counts
 * as deleted once it is done), or other work on that copy.
 */
export type RecordTaskPurpose = 'deletion' | 'other'

/**
 * A task for a copy of the record outside the portal (the survey platform, say), other than its
 * deletion: deletion tasks come with the deletion, from `eraseFromRecord`.
 */
export async function addRecordTask(
  trx: Knex,
  task: { recordId: string; studyId: string; holding: HoldingKey; title: string; at: Date },
): Promise<string> {
  const id = newId()
  await trx('record_tasks').insert({
    id,
    record_id: task.recordId,
    study_id: task.studyId,
    holding: task.holding,
    title: task.title,
    purpose: 'other' satisfies RecordTaskPurpose,
    created_at: task.at.toISOString(),
  })
  return id
}

/**
 * Ticks off a record task if it is still open (and, when given, has that purpose), with what was
 * done and a `record.task_done` event. False when it is done already or does not exist.
 */
export async function completeRecordTask(
  trx: Knex,
  task: {
    taskId: string
    actor: Actor
    note: string
    at: Date
    purpose?: RecordTaskPurpose
    /** The request whose task this was ticked off with. */
    requestId?: string
  },
): Promise<boolean> {
  const { actor, at } = task
  const updated = await trx('record_tasks')
    .where({ id: task.taskId, ...(task.purpose ? { purpose: task.purpose } : {}) })
    .whereNull('done_at')
    .update({
      done_at: at.toISOString(),
      done_by: actor.type === 'staff' ? actor.id : null,
      done_note: task.note,
    })
  if (updated !== 1) return false
  await recordEvent(
    trx,
    {
      actor,
      subject: { type: 'record_task', id: task.taskId },
      kind: 'record.task_done',
      ...(task.requestId ? { data: { requestId: task.requestId } } : {}),
    },
    at,
  )
  return true
}

/** Ticking off a task for a copy outside the portal, with what was done, as an event. */
export function recordTaskService(db: Knex, now: () => Date) {
  return {
    /** False when the task is already done or does not exist. */
    async complete(actor: Actor, taskId: string, note: string): Promise<boolean> {
      const at = now()
      return db.transaction(async (trx) => {
        if (!(await completeRecordTask(trx, { taskId, actor, note, at }))) return false
        // The same work on a request's case is done with it, so the case and its letter agree.
        const linked = await requestsRepo(trx).openTasksForRecordTask(trx, taskId)
        for (const task of linked) {
          const done = await requestsRepo(trx).completeTask(trx, {
            requestId: task.requestId,
            taskId: task.id,
            doneBy: actor.type === 'staff' ? actor.id : null,
            note,
            resolution: 'done',
            at,
          })
          if (!done) continue
          await recordEvent(
            trx,
            {
              actor,
              subject: { type: 'request', id: task.requestId },
              kind: 'case.task_done',
              data: { taskId: task.id, ...(task.kind ? { kind: task.kind, resolution: 'done' } : {}) },
            },
            at,
          )
        }
        return true
      })
    },
  }
}
