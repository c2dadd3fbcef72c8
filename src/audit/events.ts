import type { Knex } from 'knex'
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
  const data = input.data ?? {}
  const serialised = JSON.stringify(data)
  // Event payloads must never carry an email address: accountability needs ids and HMACs only.
  if (containsEmailAddress(serialised)) {
    throw new Error(`Event ${input.kind} would record an email address`)
  }
  // The lock and the link must share one transaction; a caller holding none gets one of its own.
  if (!trx.isTransaction) return trx.transaction((own) => recordEvent(own, input, at))
  const event = {
    id: newId(),
    occurredAt: at.toISOString(),
    actor: { type: input.actor.type, id: input.actor.id },
    subject: { type: input.subject.type, id: input.subject.id },
    kind: input.kind,
    // Hashed as it will be read back, so what JSON drops (undefined, say) never counts.
    data: JSON.parse(serialised) as JsonValue,
  }
  const row = {
    id: event.id,
    occurred_at: event.occurredAt,
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    subject_type: event.subject.type,
    subject_id: event.subject.id,
    kind: event.kind,
    data: serialised,
  }
  if (isPostgres(trx)) {
    // Several processes append at once: a transaction-scoped advisory lock serialises them from
    // here to the caller's commit. Taken before the head is read and the sequence number drawn,
    // so `seq` order is chain order and a read-committed read of the head sees the last append.
    await trx.raw(`select pg_advisory_xact_lock(${chainLockKey})`)
    const prevHash = await headHash(trx)
    await trx('events').insert({ ...row, prev_hash: prevHash, hash: eventHash({ ...event, prevHash }) })
    return
  }
  // SQLite has one writer per file: the first write of a transaction takes the write lock (after
  // the busy timeout if another process holds it) and keeps it to commit. So the row is written
  // first, then linked to the event before it, which nobody else can change meanwhile. A
  // transaction that read before another process committed cannot write at all (SQLITE_BUSY,
  // rolled back whole), so it never links to a stale head either.
  const [seq] = await trx('events').insert(row)
  const prevHash = await headHash(trx, seq)
  await trx('events')
    .where({ seq })
    .update({ prev_hash: prevHash, hash: eventHash({ ...event, prevHash }) })
}

/** An arbitrary constant naming the chain's lock among PostgreSQL advisory locks. */
const chainLockKey = 7_216_342_117

/** The hash of the last event (before `seq`, when given), or the genesis hash. */
async function headHash(trx: Knex, beforeSeq?: number): Promise<string> {
  const head: { hash: string | null } | undefined = await trx('events')
    .modify((query) => {
      if (beforeSeq !== undefined) void query.where('seq', '<', beforeSeq)
    })
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
