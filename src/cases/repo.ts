import type { Knex } from 'knex'
import type { RequestStatus } from '../domain/request-status.js'
import type { RequestType } from '../domain/request-types.js'
import { toRightsRequest, type RequestRow, type RightsRequest } from '../requests/repo.js'
import { keysetPage } from '../db/keyset-pages.js'
import { sortParts, type QueueSort, type QueueSortKey, type QueueTabName } from '../domain/queue.js'

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

/** Where a page starts: the row at its edge, read forwards (after) or backwards (before). */
export interface QueuePageStart {
  key: string | null
  id: string
  towards: 'after' | 'before'
}

/** The column each sort walks; every one has an index beginning with status (or is unique). */
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
  function filtered(filters: Omit<QueueFilters, 'tab'>, query: Knex.QueryBuilder) {
    if (filters.type) query.where('r.type', filters.type)
    if (filters.studyId) query.where('r.study_id', filters.studyId)
    if (filters.assignee === 'unassigned') query.whereNull('r.assignee_id')
    else if (filters.assignee) query.where('r.assignee_id', filters.assignee)
    if (filters.dueOnOrBefore) query.where('r.due_on', '<=', filters.dueOnOrBefore)
    if (filters.dueBefore) query.where('r.due_on', '<', filters.dueBefore)
    if (filters.receivedFrom) query.where('r.received_on', '>=', filters.receivedFrom)
    if (filters.receivedTo) query.where('r.received_on', '<=', filters.receivedTo)
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
      const column = sortColumns[key]
      const query = keysetPage(filtered(filters, queueRows().whereIn('r.status', tabStatuses[filters.tab])), {
        keyColumn: column,
        idColumn: 'r.id',
        direction,
        from,
        limit: limit + 1,
      })
      const rows = (await query) as QueueDbRow[]
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

    async countsByTab(filters: Omit<QueueFilters, 'tab'>): Promise<Record<QueueTab, number>> {
      const query: Promise<{ status: RequestStatus; n: number | string }[]> = filtered(
        filters,
        db('rights_requests as r'),
      )
        .select('r.status')
        .count({ n: '*' })
        .groupBy('r.status')
      const rows = await query
      const counts: Record<QueueTab, number> = { open: 0, closed: 0, unconfirmed: 0 }
      for (const row of rows) {
        const tab = (Object.keys(tabStatuses) as QueueTab[]).find((t) => tabStatuses[t].includes(row.status))
        if (tab) counts[tab] += Number(row.n)
      }
      return counts
    },
  }
}

export type CasesRepo = ReturnType<typeof casesRepo>
