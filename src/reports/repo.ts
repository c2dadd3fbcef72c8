import type { Knex } from 'knex'
import { keysetPages } from '../db/keyset-pages.js'
import { isPostgres } from '../db/knex.js'
import type { PauseKind } from '../domain/case-clock.js'
import type { RequestStatus } from '../domain/request-status.js'
import type { RequestType } from '../domain/request-types.js'
import type { RecordSnapshot } from '../domain/retention.js'
import type { StaffRole } from '../domain/roles.js'
import { recordFactsOf } from '../records/repo.js'
import type { ClockSource, ReceivedRange, RequestLogFilters, RequestLogSource } from './request-log.js'

/** Which rows a walk or a count reads: the log's filters, and requests confirmed by an instant. */
export interface LogSelection extends RequestLogFilters {
  /** Only requests confirmed at or before this UTC instant, so a count and its export agree. */
  confirmedBy?: string
  statuses?: readonly RequestStatus[]
}

/**
 * One request as the walk reads it: a single JSON array per row, made by the database. A driver
 * building a JavaScript object of some thirty named columns for each row was most of an export's
 * time; one text per row (an array, on PostgreSQL, that the driver parses) costs a fraction of it.
 */
type LogValues = [
  id: string,
  reference: string | null,
  type: RequestType,
  status: RequestStatus,
  channel: string,
  receivedAt: string,
  receivedOn: string,
  clockStartOn: string | null,
  pausedDays: number | string,
  extended: boolean | number,
  pauseKind: PauseKind | null,
  pausedSince: string | null,
  closedAt: string | null,
  outcome: string | null,
  outcomeReason: string | null,
  recordId: string | null,
  /** The state in the record snapshot taken at confirmation: all the log shows of it. */
  snapshotState: RecordSnapshot['state'] | null,
  studySlug: string,
  surveyClosesOn: string,
  platformRetentionMonths: number | string,
  voucherRetentionMonths: number | string,
  assigneeRole: StaffRole | null,
  duplicateOfReference: string | null,
  voucherSentOn: string | null,
  extractedOn: string | null,
  platformDeletedOn: string | null,
  voucherDeletedOn: string | null,
  erasedOn: string | null,
  erasureReason: 'retention_schedule' | 'erasure_request' | null,
  restrictedSince: string | null,
  requesterName?: string | null,
  email?: string | null,
]

/** The columns of `LogValues`, in its order; the snapshot's state comes between record_id and slug. */
const logColumnsBeforeSnapshot = [
  'r.id',
  'r.reference',
  'r.type',
  'r.status',
  'r.channel',
  'r.received_at',
  'r.received_on',
  'r.clock_start_on',
  'r.paused_days',
  'r.extended',
  'r.pause_kind',
  'r.paused_since',
  'r.closed_at',
  'r.outcome',
  'r.outcome_reason',
  'r.record_id',
]

const logColumnsAfterSnapshot = [
  's.slug',
  's.survey_closes_on',
  's.platform_retention_months',
  's.voucher_retention_months',
  'u.role',
  'd.reference',
  'e.voucher_sent_on',
  'e.extracted_on',
  'e.platform_deleted_on',
  'e.voucher_deleted_on',
  'e.erased_on',
  'e.erasure_reason',
  'e.restricted_since',
]

const identityColumns = ['r.requester_name', 'r.email']

function toSource(values: LogValues): RequestLogSource {
  const [
    id,
    reference,
    type,
    status,
    channel,
    ,
    receivedOn,
    clockStartOn,
    pausedDays,
    extended,
    pauseKind,
    pausedSince,
    closedAt,
    outcome,
    outcomeReason,
    recordId,
    snapshotState,
    studySlug,
    surveyClosesOn,
    platformRetentionMonths,
    voucherRetentionMonths,
    assigneeRole,
    duplicateOfReference,
    voucherSentOn,
    extractedOn,
    platformDeletedOn,
    voucherDeletedOn,
    erasedOn,
    erasureReason,
    restrictedSince,
    requesterName,
    email,
  ] = values
  return {
    id,
    reference,
    type,
    status,
    channel,
    studySlug,
    policy: {
      surveyClosesOn,
      platformMonthsAfterClose: Number(platformRetentionMonths),
      voucherMonthsAfterSent: Number(voucherRetentionMonths),
    },
    receivedOn,
    clockStartOn,
    pausedDays: Number(pausedDays),
    extended: Boolean(extended),
    pause: pauseKind && pausedSince ? { kind: pauseKind, since: pausedSince } : null,
    closedAt,
    outcome,
    outcomeReason,
    duplicateOfReference,
    assigneeRole,
    snapshot: snapshotState ? { state: snapshotState } : null,
    record: recordId
      ? recordFactsOf({
          voucher_sent_on: voucherSentOn,
          extracted_on: extractedOn,
          platform_deleted_on: platformDeletedOn,
          voucher_deleted_on: voucherDeletedOn,
          erased_on: erasedOn,
          erasure_reason: erasureReason,
          restricted_since: restrictedSince,
        })
      : null,
    requesterName: requesterName ?? null,
    email: email ?? null,
  }
}

interface ClockRow {
  id: string
  received_at: string
  status: RequestStatus
  clock_start_on: string | null
  paused_days: number | string
  extended: boolean | number
  pause_kind: PauseKind | null
  paused_since: string | null
  closed_at: string | null
}

const clockColumns = [
  'r.id',
  'r.received_at',
  'r.status',
  'r.clock_start_on',
  'r.paused_days',
  'r.extended',
  'r.pause_kind',
  'r.paused_since',
  'r.closed_at',
]

const toClock = (row: ClockRow): ClockSource => ({
  status: row.status,
  clockStartOn: row.clock_start_on,
  pausedDays: Number(row.paused_days),
  extended: Boolean(row.extended),
  pause: row.pause_kind && row.paused_since ? { kind: row.pause_kind, since: row.paused_since } : null,
  closedAt: row.closed_at,
})

/** A log's rows counted by the month of a London date column (`YYYY-MM`), in month order. */
export async function countsByMonthOf(
  db: Knex,
  rows: Knex.QueryBuilder,
  dateColumn: string,
): Promise<{ month: string; count: number }[]> {
  const month = db.raw(`substr(${dateColumn}, 1, 7)`)
  const query: Promise<{ month: string; n: number | string }[]> = rows
    .select({ month })
    .count({ n: '*' })
    .groupBy(month)
    .orderBy('month')
  const counted = await query
  return counted.map((r) => ({ month: r.month, count: Number(r.n) }))
}

export const defaultBatchSize = 1000

const noop = () => undefined

/** The pool under knex, to read a walk's pages through one connection. */
interface DriverConnections {
  acquireConnection(): Promise<unknown>
  releaseConnection(connection: unknown): Promise<unknown>
}

/**
 * A page of a walk in the order received, after the last row read: the same keyset query as
 * `keysetPages`, with the >= letting the index seek straight to the page and the OR skipping the
 * rows already read.
 */
function afterKey(query: Knex.QueryBuilder, after?: { key: string; id: string }): Knex.QueryBuilder {
  if (after) {
    const { key, id } = after
    query
      .where('r.received_at', '>=', key)
      .where((q) => q.where('r.received_at', '>', key).orWhere((q2) => q2.where('r.id', '>', id)))
  }
  return query.orderBy([
    { column: 'r.received_at', order: 'asc' },
    { column: 'r.id', order: 'asc' },
  ])
}

/** The only queries of the request log and the dashboard. */
export function reportsRepo(db: Knex) {
  // A page must come off the (received_at, id) index whatever the filters. Given a status filter,
  // SQLite would rather read the status index and sort every match again for each page, which
  // grows with the square of the log; PostgreSQL weighs the LIMIT and needs no telling.
  function requestsTable(walking: boolean): Knex.QueryBuilder {
    if (!walking || isPostgres(db)) return db('rights_requests as r')
    return db.from(db.raw('?? as ?? indexed by ??', ['rights_requests', 'r', 'rights_requests_received_idx']))
  }

  /** Requests whose identity was established: those with a reference and duplicates closed at confirmation. */
  function logged(selection: LogSelection, options: { walking?: boolean } = {}) {
    const query = requestsTable(options.walking ?? false)
      .join('studies as s', 's.id', 'r.study_id')
      .whereNotNull('r.confirmed_at')
    if (selection.confirmedBy) query.where('r.confirmed_at', '<=', selection.confirmedBy)
    if (selection.receivedFrom) query.where('r.received_on', '>=', selection.receivedFrom)
    if (selection.receivedTo) query.where('r.received_on', '<=', selection.receivedTo)
    if (selection.type) query.where('r.type', selection.type)
    if (selection.study) query.where('s.slug', selection.study)
    if (selection.outcome) query.where('r.outcome', selection.outcome)
    if (selection.status) query.where('r.status', selection.status)
    if (selection.statuses) query.whereIn('r.status', selection.statuses)
    return query
  }

  // The log shows only the snapshot's state: parsing each whole snapshot was a large part of an export.
  const snapshotState = isPostgres(db) ? `(??::json ->> 'state')` : `json_extract(??, '$.state')`

  /** A walk's row as one JSON array, in the order of `LogValues`. */
  function logValues(includeIdentities: boolean): Knex.Raw {
    const columns = [
      ...logColumnsBeforeSnapshot,
      'r.record_snapshot',
      ...logColumnsAfterSnapshot,
      ...(includeIdentities ? identityColumns : []),
    ]
    const cells = columns.map((column) => (column === 'r.record_snapshot' ? snapshotState : '??'))
    return db.raw(`${isPostgres(db) ? 'json_build_array' : 'json_array'}(${cells.join(', ')}) as ??`, [
      ...columns,
      'request',
    ])
  }

  /** Pages of a query in the order received, by keyset (received_at, id). */
  const pages = <Row extends { received_at: string; id: string }, T>(
    query: () => Knex.QueryBuilder,
    map: (row: Row) => T,
    batchSize = defaultBatchSize,
  ): AsyncGenerator<T> =>
    keysetPages({
      query,
      keyColumn: 'r.received_at',
      idColumn: 'r.id',
      keyOf: (row: Row) => row.received_at,
      map,
      batchSize,
    })

  return {
    async count(selection: LogSelection): Promise<number> {
      const [row] = await logged(selection).count<{ n: number | string }[]>({ n: '*' })
      return Number(row?.n ?? 0)
    },

    /**
     * Walks the log in the order received, a page at a time by keyset (received_at, id), so memory
     * stays flat however many requests there are. Identities are read only when asked for. The next
     * page is asked for as soon as a page arrives, so the database reads it while this one is
     * shaped and sent; no more than one page is read ahead. Every page is read through one
     * connection, held for the walk: on SQLite each connection has its own page cache, and pages
     * read through the pool's connections in turn found it cold each time.
     */
    async *walkPages(
      selection: LogSelection,
      options: { includeIdentities: boolean; batchSize?: number },
    ): AsyncGenerator<RequestLogSource[]> {
      const values = logValues(options.includeIdentities)
      const batchSize = options.batchSize ?? defaultBatchSize
      const client = db.client as DriverConnections
      const connection: unknown = await client.acquireConnection()
      /** A page's rows, and when its query has gone to the database. */
      const page = (after?: { key: string; id: string }) => {
        const query = afterKey(
          logged(selection, { walking: true })
            .leftJoin('staff_users as u', 'u.id', 'r.assignee_id')
            .leftJoin('rights_requests as d', 'd.id', 'r.duplicate_of')
            .leftJoin('email_records as e', 'e.id', 'r.record_id')
            .select(values),
          after,
        )
          .limit(batchSize)
          .connection(connection)
        const sent = new Promise<void>((resolve) => query.on('query', () => resolve()))
        // then() sends the query now, not when the page is awaited. SQLite hands back the JSON's
        // text, PostgreSQL's driver the array it parsed.
        const rows = query.then((found: { request: string | LogValues }[]) =>
          found.map((row) =>
            typeof row.request === 'string' ? (JSON.parse(row.request) as LogValues) : row.request,
          ),
        )
        return { rows, sent: Promise.race([sent, rows.then(noop, noop)]) }
      }
      let next: ReturnType<typeof page> | undefined = page()
      try {
        while (next) {
          const rows: LogValues[] = await next.rows
          const last: LogValues | undefined = rows.at(-1)
          // The keyset: received_at and id.
          next = last && rows.length === batchSize ? page({ key: last[5], id: last[0] }) : undefined
          // The next query is on its way before this page is shaped, or it would wait for it.
          if (next) await next.sent
          if (rows.length > 0) yield rows.map(toSource)
        }
      } finally {
        // A walk given up (the client went away) lets its read-ahead finish before handing back the
        // connection.
        await next?.rows.catch(noop)
        await client.releaseConnection(connection)
      }
    },

    /** The same walk reading only each request's clock: what the dashboard's figures need. */
    walkClocks(selection: LogSelection, batchSize?: number): AsyncGenerator<ClockSource> {
      return pages(() => logged(selection, { walking: true }).select(clockColumns), toClock, batchSize)
    },

    async countsByType(range: ReceivedRange): Promise<{ type: RequestType; count: number }[]> {
      const rows = await logged(range)
        .select('r.type')
        .count<{ type: RequestType; n: number | string }[]>({ n: '*' })
        .groupBy('r.type')
      return rows.map((r) => ({ type: r.type, count: Number(r.n) }))
    },

    /** By the month of the London date received, `YYYY-MM`. */
    countsByMonth(range: ReceivedRange): Promise<{ month: string; count: number }[]> {
      return countsByMonthOf(db, logged(range), 'r.received_on')
    },

    async refusalsByGround(range: ReceivedRange): Promise<{ ground: string; count: number }[]> {
      const rows = await logged({ ...range, status: 'refused' })
        .select('r.outcome_reason')
        .count<{ outcome_reason: string | null; n: number | string }[]>({ n: '*' })
        .groupBy('r.outcome_reason')
      return rows.map((r) => ({ ground: r.outcome_reason ?? 'not_recorded', count: Number(r.n) }))
    },

    async countExtended(range: ReceivedRange): Promise<number> {
      const [row] = await logged(range).where('r.extended', true).count<{ n: number | string }[]>({ n: '*' })
      return Number(row?.n ?? 0)
    },
  }
}

export type ReportsRepo = ReturnType<typeof reportsRepo>
