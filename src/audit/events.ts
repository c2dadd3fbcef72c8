import type { Knex } from 'knex'
import { containsEmailAddress } from '../domain/email-address.js'
import { newId } from '../security/tokens.js'

export type ActorType = 'participant' | 'staff' | 'system'

export interface Actor {
  type: ActorType
  /** Staff user id, request id for a participant, or the job's name for the system. */
  id: string | null
}

export interface EventInput {
  actor: Actor
  subject: { type: string; id: string }
  kind: string
  data?: Record<string, unknown>
}

export interface StoredEvent {
  seq: number
  id: string
  occurredAt: string
  actor: Actor
  subject: { type: string; id: string }
  kind: string
  data: Record<string, unknown>
}

export const systemActor = (job: string): Actor => ({ type: 'system', id: job })

/**
 * The one way state changes are recorded. Call it inside the transaction that makes the change,
 * so a change and its event land together or not at all.
 */
export async function recordEvent(trx: Knex, input: EventInput, at: Date): Promise<void> {
  const data = input.data ?? {}
  const serialised = JSON.stringify(data)
  // Event payloads must never carry an email address: accountability needs ids and HMACs only.
  if (containsEmailAddress(serialised)) {
    throw new Error(`Event ${input.kind} would record an email address`)
  }
  await trx('events').insert({
    id: newId(),
    occurred_at: at.toISOString(),
    actor_type: input.actor.type,
    actor_id: input.actor.id,
    subject_type: input.subject.type,
    subject_id: input.subject.id,
    kind: input.kind,
    data: serialised,
  })
}

interface EventRow {
  seq: number | string
  id: string
  occurred_at: string
  actor_type: ActorType
  actor_id: string | null
  subject_type: string
  subject_id: string
  kind: string
  data: string
}

export async function eventsFor(db: Knex, subject: { type: string; id: string }): Promise<StoredEvent[]> {
  const rows = await db<EventRow>('events')
    .where({ subject_type: subject.type, subject_id: subject.id })
    .orderBy('seq', 'asc')
  return rows.map((row) => ({
    seq: Number(row.seq),
    id: row.id,
    occurredAt: row.occurred_at,
    actor: { type: row.actor_type, id: row.actor_id },
    subject: { type: row.subject_type, id: row.subject_id },
    kind: row.kind,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }))
}
