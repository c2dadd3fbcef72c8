import type { Knex } from 'knex'
import type { RequestStatus } from '../domain/request-status.js'
import type { RequestType } from '../domain/request-types.js'
import { toRightsRequest, type RequestRow, type RightsRequest } from '../requests/repo.js'
import { keysetPage } from '../db/keyset-pages.js'
import { isPostgres } from '../db/knex.js'
import { addDays } from '../domain/clock.js'
import {
  cappedCount,
  queueCountCap,
  sortParts,
  type QueueCount,
  type QueueSort,
  type QueueSortKey,
  type QueueTabName,
} from '../domain/queue.js'

export type QueueTab = QueueTabName

export const tabStatuses: Record<QueueTab, readonly RequestStatus[]> = {
  open: ['received', 'awaiting_clarification', 'awaiting_identity', 'awaiting_fee'],
  closed: ['completed', 'refused', 'withdrawn', 'duplicate'],
  unconfirmed: ['unconfirmed', 'unverified'],
}

export interface QueueFilters {
  tab: QueueTab
  type?: RequestType
  studyId?: string
  /** A staff user id, or 'unassigned'. */
  assignee?: string
  /** Only requests due on or before this date (due soon, overdue). */
  dueOnOrBefore?: string
  /** Only requests due before this date (overdue). */
  dueBefore?: string
  receivedFrom?: string
  receivedTo?: string
  reference?: string
  /** Part of a reference, in capitals: only digits, hyphens and the letters DSR. */
  referencePart?: string
  emailHmac?: string
}

export interface QueueRow extends RightsRequest {
  studyTitle: string
  assigneeName: string | null
  /** Messages from the person that no member of staff has read yet. */
  unreadReplies: number
  /** Whether the email record the request is about is under a restriction now. */
  recordRestricted: boolean
}

type QueueDbRow = RequestRow & {
  study_title: string
  assignee_name: string | null
  assignee_id: string | null
  unread_replies?: number | string | null
  record_restricted_since: string | null
}

/**
 * A tab's statuses as literal SQL, word for word as the tab's partial indexes (migration
 * 20261205000100) name them: neither database uses a partial index for a bound parameter. The
 * statuses are the constants above, never anything typed.
 *
 * SQLite's statistics keep only the average number of requests per status, so it takes a tab of
 * four statuses for 4/10 of the table whichever they are, and would read a tab through an index on
 * status and sort every row of it. On SQLite each tab's condition therefore says how much of a
 * register of some years it is: about 1 in 20 requests open, nearly all closed, 1 in 100 never
 * confirmed; SQLite then walks the tab's own index in the order asked for. PostgreSQL keeps the
 * real share of each status and needs no hint.
 */
const tabShares: Record<QueueTab, number> = { open: 0.05, closed: 0.94, unconfirmed: 0.01 }

function tabConditions(db: Knex): Record<QueueTab, string> {
  const condition = (tab: QueueTab) => {
    const list = `r.status in (${tabStatuses[tab].map((s) => `'${s}'`).join(', ')})`
    return isPostgres(db) ? list : `likelihood(${list}, ${tabShares[tab]})`
  }
  return { open: condition('open'), closed: condition('closed'), unconfirmed: condition('unconfirmed') }
}

/** Filters the counts table answers exactly; any other filter is counted up to the cap. */
const countedFilters: readonly (keyof QueueFilters)[] = ['type', 'studyId', 'assignee']

/** Where a page starts: the row at its edge, read forwards (after) or backwards (before). */
export interface QueuePageStart {
  key: string | null
  id: string
  towards: 'after' | 'before'
}

/** The column each sort walks; each tab has a partial index on every one it offers, with the id. */
const sortColumns: Record<QueueSortKey, 'r.due_on' | 'r.received_at' | 'r.reference'> = {
  due: 'r.due_on',
  received: 'r.received_at',
  reference: 'r.reference',
}

function toQueueRow(row: QueueDbRow): QueueRow {
  return {
    ...toRightsRequest(row),
    studyTitle: row.study_title,
    assigneeName: row.assignee_name,
    unreadReplies: Number(row.unread_replies ?? 0),
    recordRestricted: row.record_restricted_since !== null,
  }
}

export function casesRepo(db: Knex) {
  const tabCondition = tabConditions(db)
  function filtered(filters: Omit<QueueFilters, 'tab'>, query: Knex.QueryBuilder) {
    if (filters.type) query.where('r.type', filters.type)
    if (filters.studyId) query.where('r.study_id', filters.studyId)
    if (filters.assignee === 'unassigned') query.whereNull('r.assignee_id')
    else if (filters.assignee) query.where('r.assignee_id', filters.assignee)
    if (filters.dueOnOrBefore) query.where('r.due_on', '<=', filters.dueOnOrBefore)
    if (filters.dueBefore) query.where('r.due_on', '<', filters.dueBefore)
    // The day received is the London date of the instant received, never more than a day either
    // side of its UTC date: the looser bound on the instant lets its index find the range.
    if (filters.receivedFrom) {
      query.where('r.received_on', '>=', filters.receivedFrom)
      query.where('r.received_at', '>=', `${addDays(filters.receivedFrom, -1)}T00:00:00.000Z`)
    }
    if (filters.receivedTo) {
      query.where('r.received_on', '<=', filters.receivedTo)
      query.where('r.received_at', '<', `${addDays(filters.receivedTo, 1)}T00:00:00.000Z`)
    }
    if (filters.reference) query.where('r.reference', filters.reference)
    if (filters.referencePart) query.where('r.reference', 'like', `%${filters.referencePart}%`)
    if (filters.emailHmac) query.where('r.email_hmac', filters.emailHmac)
    return query
  }

  function queueRows() {
    return db('rights_requests as r')
      .join('studies as s', 's.id', 'r.study_id')
      .leftJoin('staff_users as u', 'u.id', 'r.assignee_id')
      .leftJoin('email_records as e', 'e.id', 'r.record_id')
      .select(
        'r.*',
        's.title as study_title',
        'u.display_name as assignee_name',
        'e.restricted_since as record_restricted_since',
      )
  }

  return {
    /**
     * A page of one tab in the order asked for, by keyset on (sort column, id): never OFFSET, so
     * each page is an index seek however deep. Says whether more rows lie beyond each edge.
     */
    async page(
      filters: QueueFilters,
      sort: QueueSort,
      from: QueuePageStart | undefined,
      limit: number,
    ): Promise<{ rows: QueueRow[]; more: boolean }> {
      const { key, direction } = sortParts(sort)
      const rows = await keysetPage<QueueDbRow>(
        () => filtered(filters, queueRows().whereRaw(tabCondition[filters.tab])),
        { keyColumn: sortColumns[key], idColumn: 'r.id', direction, from, limit: limit + 1 },
      )
      const more = rows.length > limit
      const page = rows.slice(0, limit).map(toQueueRow)
      return { rows: from?.towards === 'before' ? page.reverse() : page, more }
    },

    /** The sort key of a row, as a page cursor carries it. */
    sortKeyOf(row: QueueRow, sort: QueueSort): string | null {
      const { key } = sortParts(sort)
      return key === 'due' ? row.dueOn : key === 'received' ? row.receivedAt : row.reference
    },

    /** Requests in every tab whose reference matches, for a search that looks past the tab shown. */
    async search(filters: Omit<QueueFilters, 'tab'>, limit: number): Promise<QueueRow[]> {
      const rows = (await filtered(filters, queueRows())
        .orderBy([
          { column: 'r.reference', order: 'asc' },
          { column: 'r.id', order: 'asc' },
        ])
        .limit(limit)) as QueueDbRow[]
      return rows.map(toQueueRow)
    },

    /** The requests chosen for a bulk action, in reference order, for the page that confirms it. */
    async chosen(
      ids: readonly string[],
    ): Promise<Pick<RightsRequest, 'id' | 'reference' | 'status' | 'type'>[]> {
      if (ids.length === 0) return []
      const rows = (await db('rights_requests')
        .whereIn('id', [...ids])
        .select('id', 'reference', 'status', 'type')
        .orderBy([
          { column: 'reference', order: 'asc' },
          { column: 'id', order: 'asc' },
        ])) as Pick<RequestRow, 'id' | 'reference' | 'status' | 'type'>[]
      return rows
    },

    /**
     * How many requests each tab holds under the filters: from the counts the database keeps when
     * only type, study and assignee are chosen, otherwise each tab counted no further than the cap.
     */
    async countsByTab(filters: Omit<QueueFilters, 'tab'>): Promise<Record<QueueTab, QueueCount>> {
      const tabsOf = Object.keys(tabStatuses) as QueueTab[]
      const chosen = (Object.keys(filters) as (keyof typeof filters)[]).filter(
        (f) => filters[f] !== undefined,
      )
      if (chosen.every((f) => countedFilters.includes(f))) {
        const query = db('request_counts').select('status').sum({ n: 'n' }).groupBy('status')
        if (filters.type) query.where('type', filters.type)
        if (filters.studyId) query.where('study_id', filters.studyId)
        // The counts table keeps no assignee as ''.
        if (filters.assignee)
          query.where('assignee_id', filters.assignee === 'unassigned' ? '' : filters.assignee)
        const rows = (await query) as { status: RequestStatus; n: number | string | null }[]
        const counts: Record<QueueTab, QueueCount> = {
          open: { n: 0, more: false },
          closed: { n: 0, more: false },
          unconfirmed: { n: 0, more: false },
        }
        for (const row of rows) {
          const tab = tabsOf.find((t) => tabStatuses[t].includes(row.status))
          if (tab) counts[tab].n += Number(row.n ?? 0)
        }
        return counts
      }
      const counted = await Promise.all(
        tabsOf.map(async (tab) => {
          const matching = filtered(filters, db('rights_requests as r').whereRaw(tabCondition[tab]))
            .select(db.raw('1'))
            .limit(queueCountCap + 1)
          const [row] = await db
            .from<{ n: number | string }>(matching.as('m'))
            .count<{ n: number | string }[]>({ n: '*' })
          return [tab, cappedCount(Number(row?.n ?? 0))] as const
        }),
      )
      return Object.fromEntries(counted) as Record<QueueTab, QueueCount>
    },
  }
}

export type CasesRepo = ReturnType<typeof casesRepo>
