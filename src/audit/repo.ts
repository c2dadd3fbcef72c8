import type { Knex } from 'knex'
import type { ChainEvent, JsonValue } from './chain.js'
import type { SignedHead } from './signed-head.js'
import type { BreakKind, ChainBreak } from './verify.js'

export type VerificationResult = 'ok' | 'broken' | 'tampered'

export interface VerificationRun {
  id: string
  verifiedAt: string
  /** A staff user's id, or 'cli'. */
  verifiedBy: string
  /** The staff member's name, when a staff member ran it. */
  verifierName: string | null
  /** `tampered`: every link holds, but the trail disagrees with a head signed outside the database. */
  result: VerificationResult
  eventsChecked: number
  head: { seq: number; hash: string } | null
  firstBreak: ChainBreak | null
}

/** An event's row as the driver returns it (PostgreSQL's bigint seq as text). */
export interface ChainRow {
  seq: number | string
  id: string
  occurred_at: string
  actor_type: string
  actor_id: string | null
  subject_type: string
  subject_id: string
  kind: string
  data: string
  prev_hash: string | null
  hash: string | null
}

interface VerificationRow {
  id: string
  verified_at: string
  verified_by: string
  verifier_name?: string | null
  result: VerificationResult
  events_checked: number | string
  head_seq: number | string | null
  head_hash: string | null
  broken_seq: number | string | null
  broken_event_id: string | null
  broken_event_kind: string | null
  broken_kind: BreakKind | null
  broken_detail: string | null
}

/** The columns an event's place in the chain is checked from, in the order read. */
export const chainColumns = [
  'seq',
  'id',
  'occurred_at',
  'actor_type',
  'actor_id',
  'subject_type',
  'subject_id',
  'kind',
  'data',
  'prev_hash',
  'hash',
] as const

/** Never in an event the portal writes: JSON escapes control characters, ids and kinds hold none. */
const unitSeparator = '\u001f'

/**
 * One text per event holding every column of `chainColumns`, for a reader that turns a
 * million rows into objects: one value a row instead of eleven. A missing actor id is told apart
 * from an empty one by a leading 0 or 1; any other column missing makes the whole text NULL.
 */
export const packedChainColumn = chainColumns
  .map((column) =>
    column === 'seq'
      ? 'cast(seq as text)'
      : column === 'actor_id'
        ? "(case when actor_id is null then '0' else '1' || actor_id end)"
        : column,
  )
  .join(` || '${unitSeparator}' || `)

/**
 * The row a packed text was made from; null when it cannot be told for certain (a column missing,
 * or one holding the separator), which the reader takes for a break and leaves to the single walk.
 */
export function unpackChainRow(packed: string | null): ChainRow | null {
  if (packed === null) return null
  const values = packed.split(unitSeparator)
  if (values.length !== chainColumns.length) return null
  const [seq, id, occurredAt, actorType, actor, subjectType, subjectId, kind, data, prevHash, hash] =
    values as [string, string, string, string, string, string, string, string, string, string, string]
  if (actor !== '0' && !actor.startsWith('1')) return null
  const actorId = actor === '0' ? null : actor.slice(1)
  return {
    seq,
    id,
    occurred_at: occurredAt,
    actor_type: actorType,
    actor_id: actorId,
    subject_type: subjectType,
    subject_id: subjectId,
    kind,
    data,
    prev_hash: prevHash,
    hash,
  }
}

/**
 * Where a reader of its own (another thread) can open the same database: a SQLite file, or a
 * PostgreSQL connection with its schema.
 */
export type ChainSource =
  | { client: 'sqlite'; filename: string }
  | { client: 'postgres'; connection: string | Record<string, unknown>; searchPath: string[] }

export function toChainEvent(row: ChainRow): ChainEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    occurredAt: row.occurred_at,
    actor: { type: row.actor_type, id: row.actor_id },
    subject: { type: row.subject_type, id: row.subject_id },
    kind: row.kind,
    data: parseData(row.data),
    // A row that lost its hash reads as one whose content no longer matches it.
    prevHash: row.prev_hash ?? '',
    hash: row.hash ?? '',
  }
}

/** Data that is no longer JSON is kept as its text, so the verifier reports it as changed. */
function parseData(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return text
  }
}

interface AnchorRow {
  id: string
  anchored_at: string
  reason: string
  event_count: number | string
  head_seq: number | string
  head_hash: string
  key_id: string
  signature: string
}

/** A row as it is stored; the signature, checked by the caller, says whether it is genuine. */
function toSignedHead(row: AnchorRow): SignedHead {
  return {
    id: row.id,
    at: row.anchored_at,
    reason: row.reason as SignedHead['reason'],
    count: Number(row.event_count),
    headSeq: Number(row.head_seq),
    headHash: row.head_hash,
    keyId: row.key_id,
    signature: row.signature,
  }
}

function toVerificationRun(row: VerificationRow): VerificationRun {
  return {
    id: row.id,
    verifiedAt: row.verified_at,
    verifiedBy: row.verified_by,
    verifierName: row.verifier_name ?? null,
    result: row.result,
    eventsChecked: Number(row.events_checked),
    head: row.head_seq !== null && row.head_hash ? { seq: Number(row.head_seq), hash: row.head_hash } : null,
    firstBreak: row.broken_kind
      ? {
          kind: row.broken_kind,
          seq: row.broken_seq === null ? null : Number(row.broken_seq),
          eventId: row.broken_event_id,
          eventKind: row.broken_event_kind,
          detail: row.broken_detail ?? '',
        }
      : null,
  }
}

/** The queries on the chain itself and on the record of its verifications. */
export function auditRepo(db: Knex) {
  return {
    /** The last event's seq; inside an append's transaction, that append's own. */
    async headSeq(trx: Knex = db): Promise<number | null> {
      const row = await trx<ChainRow>('events').orderBy('seq', 'desc').first('seq')
      return row ? Number(row.seq) : null
    },

    /**
     * The chain in order up to an event, a page at a time, so memory stays flat for any length.
     * The next page is read while the current one is checked.
     */
    async *chain(throughSeq: number, pageSize = 5000): AsyncGenerator<ChainEvent> {
      const page = (after: number) =>
        db<ChainRow>('events')
          .select(...chainColumns)
          .where('seq', '>', after)
          .andWhere('seq', '<=', throughSeq)
          .orderBy('seq', 'asc')
          .limit(pageSize)
          .then((rows) => rows as ChainRow[])
      let pending: Promise<ChainRow[]> | null = page(0)
      while (pending) {
        const rows: ChainRow[] = await pending
        const last = rows.at(-1)
        pending = last && rows.length === pageSize ? page(Number(last.seq)) : null
        // Settled here, so a walk that stops early leaves no query unhandled.
        pending?.catch(() => undefined)
        for (const row of rows) yield toChainEvent(row)
      }
    },

    /** The first event's seq, or null for an empty trail. */
    async firstSeq(): Promise<number | null> {
      const row = await db<ChainRow>('events').orderBy('seq', 'asc').first('seq')
      return row ? Number(row.seq) : null
    },

    /** Where another thread can read the chain from; null for an in-memory database. */
    chainSource(): ChainSource | null {
      const config = (db.client as { config: Knex.Config }).config
      if (config.client === 'pg') {
        const { connection, searchPath } = config
        if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
          return null
        }
        if (
          typeof connection === 'object' &&
          Object.values(connection).some((v) => typeof v === 'function')
        ) {
          return null
        }
        return {
          client: 'postgres',
          connection: connection as string | Record<string, unknown>,
          searchPath:
            searchPath === undefined ? [] : typeof searchPath === 'string' ? [searchPath] : [...searchPath],
        }
      }
      const filename = (config.connection as { filename?: unknown } | undefined)?.filename
      if (typeof filename !== 'string' || filename === ':memory:' || filename.startsWith('file:')) return null
      return { client: 'sqlite', filename }
    },

    async insertVerification(trx: Knex, run: Omit<VerificationRun, 'verifierName'>): Promise<void> {
      await trx('audit_verifications').insert({
        id: run.id,
        verified_at: run.verifiedAt,
        verified_by: run.verifiedBy,
        result: run.result,
        events_checked: run.eventsChecked,
        head_seq: run.head?.seq ?? null,
        head_hash: run.head?.hash ?? null,
        broken_seq: run.firstBreak?.seq ?? null,
        broken_event_id: run.firstBreak?.eventId ?? null,
        broken_event_kind: run.firstBreak?.eventKind ?? null,
        broken_kind: run.firstBreak?.kind ?? null,
        broken_detail: run.firstBreak?.detail ?? null,
      })
    },

    /** The latest verifications, newest first, with the name of the staff member who ran each. */
    async recentVerifications(limit: number): Promise<VerificationRun[]> {
      const rows = await db<VerificationRow>('audit_verifications as v')
        .leftJoin('staff_users as s', 's.id', 'v.verified_by')
        .orderBy('v.verified_at', 'desc')
        .orderBy('v.id', 'desc')
        .limit(limit)
        .select('v.*', 's.display_name as verifier_name')
      return rows.map(toVerificationRun)
    },

    async insertSignedHead(trx: Knex, head: SignedHead): Promise<void> {
      await trx('audit_anchors').insert({
        id: head.id,
        anchored_at: head.at,
        reason: head.reason,
        event_count: head.count,
        head_seq: head.headSeq,
        head_hash: head.headHash,
        key_id: head.keyId,
        signature: head.signature,
      })
    },

    /** Every signed head the database holds, oldest first; a few a day, so all of them. */
    async signedHeads(): Promise<SignedHead[]> {
      const rows = await db<AnchorRow>('audit_anchors').orderBy('anchored_at').orderBy('id')
      return rows.map(toSignedHead)
    },

    /** The head the last intact verification saw: the trail must still reach it unchanged. */
    async lastIntactHead(): Promise<{ seq: number; hash: string } | null> {
      const row = await db<VerificationRow>('audit_verifications')
        .where({ result: 'ok' })
        .whereNotNull('head_seq')
        .orderBy('verified_at', 'desc')
        .orderBy('id', 'desc')
        .first()
      return row ? toVerificationRun(row).head : null
    },
  }
}

export type AuditRepo = ReturnType<typeof auditRepo>
