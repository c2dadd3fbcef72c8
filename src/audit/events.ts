import type { Knex } from 'knex'
import { insertRows } from '../db/batches.js'
import { isPostgres } from '../db/knex.js'
import { containsEmailAddress } from '../domain/email-address.js'
import type { EventKind } from '../domain/request-events.js'
import { newId } from '../security/tokens.js'
import { eventHash, genesisHash, type JsonValue } from './chain.js'

export type ActorType = 'participant' | 'staff' | 'system'

export interface Actor {
  type: ActorType
  /** Staff user id, request id for a participant, or the job's name for the system. */
  id: string | null
}

export interface EventInput {
  actor: Actor
  subject: { type: string; id: string }
  kind: EventKind
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
 *
 * Each event is appended to the hash chain (src/audit/chain.ts): it carries the previous event's
 * hash, so appends must never interleave. The lock that ensures it is held until the caller's
 * transaction ends, and the unique index on `prev_hash` refuses a fork should anything slip past.
 */
export async function recordEvent(trx: Knex, input: EventInput, at: Date): Promise<void> {
  await recordEvents(trx, [input], at)
}

/**
 * Several events at once, appended to the chain in the order given, with one read of the head
 * and one insert per few hundred: for a job that changes many rows in one transaction.
 */
export async function recordEvents(trx: Knex, inputs: readonly EventInput[], at: Date): Promise<void> {
  if (inputs.length === 0) return
  const occurredAt = at.toISOString()
  const prepared = inputs.map((input) => {
    const serialised = JSON.stringify(input.data ?? {})
    // Event payloads must never carry an email address: accountability needs ids and HMACs only.
    if (containsEmailAddress(serialised)) {
      throw new Error(`Event ${input.kind} would record an email address`)
    }
    return {
      id: newId(),
      occurredAt,
      actor: { type: input.actor.type, id: input.actor.id },
      subject: { type: input.subject.type, id: input.subject.id },
      kind: input.kind,
      // Hashed as it will be read back, so what JSON drops (undefined, say) never counts.
      data: JSON.parse(serialised) as JsonValue,
      serialised,
    }
  })
  // The lock and the link must share one transaction; a caller holding none gets one of its own.
  if (!trx.isTransaction) return trx.transaction((own) => recordEvents(own, inputs, at))
  if (isPostgres(trx)) {
    // Several processes append at once: a transaction-scoped advisory lock serialises them from
    // here to the caller's commit. Taken before the head is read and the sequence numbers drawn,
    // so `seq` order is chain order and a read-committed read of the head sees the last append.
    await trx.raw(`select pg_advisory_xact_lock(${chainLockKey})`)
  }
  // On SQLite every transaction here begins IMMEDIATE (src/db/knex.ts), holding the file's one
  // write lock from its start to its commit, so the head read now stays the head until then.
  let prevHash = await headHash(trx)
  const rows = prepared.map(({ serialised, ...event }) => {
    const hash = eventHash({ ...event, prevHash })
    const row = {
      id: event.id,
      occurred_at: event.occurredAt,
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      subject_type: event.subject.type,
      subject_id: event.subject.id,
      kind: event.kind,
      data: serialised,
      prev_hash: prevHash,
      hash,
    }
    prevHash = hash
    return row
  })
  // A multi-row insert numbers its rows in the order given, so `seq` follows the chain.
  await insertRows(trx, 'events', rows)
}

/** An arbitrary constant naming the chain's lock among PostgreSQL advisory locks. */
const chainLockKey = 7_216_342_117

/** The hash of the last event, or the genesis hash. */
async function headHash(trx: Knex): Promise<string> {
  const head: { hash: string | null } | undefined = await trx('events')
    .orderBy('seq', 'desc')
    .first<{ hash: string | null } | undefined>('hash')
  return head?.hash ?? genesisHash
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
