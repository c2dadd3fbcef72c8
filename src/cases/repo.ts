import type { Knex } from 'knex'
import type { RequestStatus } from '../domain/request-status.js'
import type { RequestType } from '../domain/request-types.js'
import { toRightsRequest, type RequestRow, type RightsRequest } from '../requests/repo.js'

export type QueueTab = 'open' | 'closed' | 'unconfirmed'

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
  emailHmac?: string
}

/** Keyset position: the last row of the previous page. */
export interface QueueCursor {
  key: string
  id: string
}

export interface QueueRow extends RightsRequest {
  studyTitle: string
  assigneeName: string | null
}

type QueueDbRow = RequestRow & {
  study_title: string
  assignee_name: string | null
  assignee_id: string | null
}

/**
 * Open requests walk (due_on, id) ascending: nearest deadline first. Closed and unconfirmed
 * ones walk (received_at, id) descending: newest first. Both use an index and never OFFSET.
 */
function sortKey(tab: QueueTab): { column: 'due_on' | 'received_at'; direction: 'asc' | 'desc' } {
  return tab === 'open'
    ? { column: 'due_on', direction: 'asc' }
    : { column: 'received_at', direction: 'desc' }
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
    if (filters.emailHmac) query.where('r.email_hmac', filters.emailHmac)
    return query
  }

  return {
    async page(
      filters: QueueFilters,
      after: QueueCursor | undefined,
      limit: number,
    ): Promise<{ rows: QueueRow[]; next?: QueueCursor }> {
      const { column, direction } = sortKey(filters.tab)
      const query = filtered(
        filters,
        db('rights_requests as r')
          .join('studies as s', 's.id', 'r.study_id')
          .leftJoin('staff_users as u', 'u.id', 'r.assignee_id')
          .whereIn('r.status', tabStatuses[filters.tab])
          .select('r.*', 's.title as study_title', 'u.display_name as assignee_name'),
      )
      if (column === 'due_on') query.whereNotNull('r.due_on')
      if (after) {
        const op = direction === 'asc' ? '>' : '<'
        query.where((q) =>
          q
            .where(`r.${column}`, op, after.key)
            .orWhere((q2) => q2.where(`r.${column}`, after.key).where('r.id', op, after.id)),
        )
      }
      const rows = (await query
        .orderBy([
          { column: `r.${column}`, order: direction },
          { column: 'r.id', order: direction },
        ])
        .limit(limit + 1)) as QueueDbRow[]
      const pageRows = rows.slice(0, limit).map((row) => ({
        ...toRightsRequest(row),
        studyTitle: row.study_title,
        assigneeName: row.assignee_name,
      }))
      const last = rows.length > limit ? rows[limit - 1] : undefined
      return { rows: pageRows, next: last ? { key: String(last[column]), id: last.id } : undefined }
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
